package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/atlas"
	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/internal/buildinfo"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/landmarks"
	"github.com/sovbench/sovbench/results/sign"
)

func (a *app) landmarksCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "landmarks",
		Short: "Landmark files: fetch RIPE Atlas anchors, sign, verify, list",
		Long: `A landmark file is a dated list of servers with published coordinates that the
rtt probe measures (and whose Atlas probes can measure a target from outside):
where it came from, when, and the SHA-256 of its landmarks, which a suite pins.
Suites name landmarks by the file plus a selection rule (landmark_set: nearest
N to a place, N per country, far controls).`,
		Example: "  sovbench landmarks fetch --out landmarks/atlas-anchors.json\n  sovbench landmarks list landmarks/atlas-anchors.json --near Luxembourg -n 8",
		Args:    cobra.NoArgs,
	}
	cmd.AddCommand(a.landmarksFetchCommand(), a.landmarksSignCommand(), a.landmarksVerifyCommand(), a.landmarksListCommand())
	return cmd
}

// apiFlags are how a command reaches the Atlas API.
type apiFlags struct {
	api, ca string
	timeout time.Duration
}

func (f *apiFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.api, "api", atlas.DefaultAPI, "RIPE Atlas API root")
	cmd.Flags().StringVar(&f.ca, "api-ca", "", "CA certificates (PEM) the API's certificate must chain to (default: the system's)")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 5*time.Minute, "bounds the whole exchange with the API")
}

// client builds an Atlas client for the flags and key.
func (f *apiFlags) client(key atlas.Key) (*atlas.Client, error) {
	hc := &http.Client{Timeout: time.Minute}
	if f.ca != "" {
		pem, err := limits.Limits{}.ReadFile(context.Background(), limits.KeyBytes, f.ca)
		if err != nil {
			return nil, fmt.Errorf("--api-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--api-ca %s: no PEM certificate", f.ca)
		}
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	}
	c, err := atlas.New(f.api, key, hc)
	if err != nil {
		return nil, err
	}
	c.UserAgent = "sovbench/" + buildinfo.Read("sovbench").Version
	return c, nil
}

func (a *app) landmarksFetchCommand() *cobra.Command {
	var af apiFlags
	var out, keyPath string
	cmd := &cobra.Command{
		Use:   "fetch",
		Short: "Download the RIPE Atlas anchor list into a dated landmark file",
		Long: `fetch downloads every RIPE Atlas anchor (GET /api/v2/anchors/, all pages; no API
key needed) and writes a landmark file: each enabled anchor's name, city,
country, [lat, lon], IPv4 and IPv6 address, Atlas probe id, what it answers
(ICMP echo, TCP 80 and 443) and its TLSA record, with the source, the fetch
time and the SHA-256 of the landmarks. Disabled anchors and anchors without a
position or an address are left out and counted. With --signing-key the file
is signed like a report (a DSSE envelope); suites read either form.`,
		Example: "  sovbench landmarks fetch\n  sovbench landmarks fetch --out landmarks/atlas-anchors.json --signing-key ~/.sovbench/sovbench.key",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := a.loadSigner(cmd.Context(), keyPath)
			if err != nil {
				return usageErr(err)
			}
			c, err := af.client(atlas.Key{})
			if err != nil {
				return usageErr(err)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), af.timeout)
			defer cancel()
			fetched := time.Now().UTC()
			as, err := c.Anchors(ctx)
			if err != nil {
				return runtimeErr(err)
			}
			set, err := atlas.LandmarkSet(as, c.API()+"anchors/", fetched)
			if err != nil {
				return runtimeErr(fmt.Errorf("building the landmark file: %w", err))
			}
			if out == "" {
				out = "atlas-anchors-" + fetched.Format("20060102") + ".json"
			}
			if err := writeLandmarks(ctx, out, set, k); err != nil {
				return runtimeErr(err)
			}
			return a.printSet(out, set, "")
		},
	}
	af.add(cmd)
	addOut(cmd, &out, "the landmark file to write (default ./atlas-anchors-<UTC date>.json)")
	addSigningKey(cmd, &keyPath, "private key that signs the landmark file (optional)")
	return cmd
}

// writeLandmarks writes set to path, signed with k when k is not nil.
func writeLandmarks(ctx context.Context, path string, set *landmarks.Set, k *sign.Key) error {
	var data []byte
	var err error
	if k == nil {
		data, err = json.MarshalIndent(set, "", "  ")
		data = append(data, '\n')
	} else {
		var st []byte
		if st, err = json.Marshal(landmarks.NewStatement(set)); err == nil {
			data, err = sign.SignStatement(ctx, st, k)
		}
	}
	if err != nil {
		return fmt.Errorf("encoding the landmark file: %w", err)
	}
	return atomicfile.Write(path, data, 0o644)
}

// setSummary is a landmark file as -o json prints it.
type setSummary struct {
	File      string    `json:"file"`
	SHA256    string    `json:"sha256"`
	Source    string    `json:"source"`
	Fetched   time.Time `json:"fetched"`
	Landmarks int       `json:"landmarks"`
	Notes     []string  `json:"notes,omitempty"`
	// SignedBy is the key id of the trusted signer (landmarks verify).
	SignedBy string `json:"signed_by,omitempty"`
}

func (a *app) printSet(file string, set *landmarks.Set, signer string) error {
	s := setSummary{File: file, SHA256: set.SHA256, Source: set.Source, Fetched: set.Fetched, Landmarks: len(set.Landmarks), Notes: set.Notes, SignedBy: signer}
	if a.output == "json" {
		return writeJSON(a.stdout, s)
	}
	fmt.Fprintf(a.stdout, "%s: %d landmarks from %s, fetched %s\nsha256 %s\n", file, s.Landmarks, s.Source, s.Fetched.Format(time.RFC3339), s.SHA256)
	if signer != "" {
		fmt.Fprintf(a.stdout, "signed by key %s\n", signer)
	}
	for _, n := range s.Notes {
		fmt.Fprintln(a.stderr, "note:", n)
	}
	if signer == "" && !a.quiet {
		fmt.Fprintf(a.stderr, "pin it in a suite: landmark_set: {file: %s, sha256: %s, nearest: {to: <place>, n: 8}}\n", file, s.SHA256)
	}
	return nil
}

func (a *app) landmarksSignCommand() *cobra.Command {
	var keyPath, out string
	cmd := &cobra.Command{
		Use:     "sign FILE --signing-key KEY",
		Short:   "Sign a landmark file (a DSSE envelope, like a signed report)",
		Example: "  sovbench landmarks sign landmarks/atlas-anchors.json --signing-key ~/.sovbench/sovbench.key",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			k, err := a.loadSigner(cmd.Context(), keyPath)
			if err != nil {
				return usageErr(err)
			}
			if k == nil {
				return usageErr(errors.New("landmarks sign: say --signing-key KEY (your private key)"))
			}
			data, err := a.limits.ReadFile(cmd.Context(), limits.ListBytes, args[0])
			if err != nil {
				return usageErr(fmt.Errorf("reading landmark file: %w", err))
			}
			if sign.IsEnvelope(data) {
				return usageErr(fmt.Errorf("%s is already signed", args[0]))
			}
			set, err := landmarks.Parse(data)
			if err != nil {
				return usageErr(fmt.Errorf("%s: %w", args[0], err))
			}
			if out == "" {
				out = args[0]
			}
			if err := writeLandmarks(cmd.Context(), out, set, k); err != nil {
				return runtimeErr(err)
			}
			if !a.quiet {
				fmt.Fprintf(a.stderr, "signed landmark file: %s (key %s)\n", out, k.ID)
			}
			return nil
		},
	}
	addSigningKey(cmd, &keyPath, "private key that signs (PKCS#8 PEM, mode 0600)")
	addOut(cmd, &out, "where to write the signed file (default: replace FILE)")
	return cmd
}

func (a *app) landmarksVerifyCommand() *cobra.Command {
	var keyPath string
	cmd := &cobra.Command{
		Use:   "verify FILE --trusted-key PUB",
		Short: "Check a signed landmark file: signature, statement and landmark digest",
		Long: `verify checks that a trusted key signed the landmark file (DSSE envelope in its
one canonical form), that the statement is a landmark file's, and that the
landmarks hash to the digest the statement's subject and the file name.
Exit 0 when it holds, 1 when it does not.`,
		Example: "  sovbench landmarks verify landmarks/atlas-anchors.json --trusted-key ~/.sovbench/sovbench.pub",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyPath == "" {
				return usageErr(errors.New("landmarks verify: say --trusted-key PUB (a public key, or a directory of them)"))
			}
			keys, err := sign.LoadPublicKeys(cmd.Context(), keyPath, a.limits)
			if err != nil {
				return usageErr(err)
			}
			data, err := a.limits.ReadFile(cmd.Context(), limits.ListBytes, args[0])
			if err != nil {
				return usageErr(fmt.Errorf("reading landmark file: %w", err))
			}
			st, id, err := openLandmarks(cmd.Context(), data, keys)
			if err != nil {
				fmt.Fprintf(a.stderr, "sovbench: %s: %v\n", args[0], err)
				return &exitError{exitClaims, err}
			}
			return a.printSet(args[0], st.Predicate, id)
		},
	}
	addTrustedKey(cmd, &keyPath, "trusted public key, or a directory of them")
	return cmd
}

// openLandmarks checks a signed landmark file against the trusted keys.
func openLandmarks(ctx context.Context, data []byte, keys []*sign.PublicKey) (*landmarks.Statement, string, error) {
	if !sign.IsEnvelope(data) {
		return nil, "", errors.New("not signed")
	}
	id, payload, err := sign.OpenEnvelope(ctx, data, keys)
	if err != nil {
		return nil, "", err
	}
	st, err := landmarks.DecodeStatement(payload)
	return st, id, err
}
