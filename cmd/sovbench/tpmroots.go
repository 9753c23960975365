package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/results/render"
)

// tpmRootsOpts are the flags that say which EK trust anchors a command
// holds besides the embedded bundle: what it adds and what it excludes.
// run, serve and verify take them; a report records the anchors its TPM
// verdicts used by content, so verifying it elsewhere needs the same ones.
type tpmRootsOpts struct{ dirs, exclude []string }

func addTPMRoots(cmd *cobra.Command, o *tpmRootsOpts) {
	cmd.Flags().StringArrayVar(&o.dirs, "tpm-roots", nil, "directory of extra EK trust anchors, by what they vouch for: DIR/maker, DIR/cloud-vtpm, DIR/software (repeatable)")
	cmd.Flags().StringArrayVar(&o.exclude, "tpm-exclude-root", nil, "never trust this anchor, named sha256:<hex> as `sovbench tpm-roots` lists it (repeatable)")
}

// store is the embedded bundle plus the added directories, minus the
// excluded anchors; a bad directory or digest is a usage error.
func (o tpmRootsOpts) store() (*attest.RootStore, error) {
	s := attest.BundledRoots()
	for _, d := range o.dirs {
		if err := s.LoadDir(d); err != nil {
			return nil, usageErr(fmt.Errorf("--tpm-roots: %w", err))
		}
	}
	for _, x := range o.exclude {
		if err := s.Exclude(x); err != nil {
			return nil, usageErr(fmt.Errorf("--tpm-exclude-root: %w", err))
		}
	}
	return s, nil
}

func (a *app) tpmRootsCommand() *cobra.Command {
	var o tpmRootsOpts
	cmd := &cobra.Command{
		Use:   "tpm-roots",
		Short: "List the EK trust anchors TPM claims are judged with",
		Long: `tpm-roots lists the trust anchors of EK and AK certificates: the embedded bundle
(TPM makers' EK CAs from Keylime's tpm_cert_store, Google's and Alibaba's vTPM
CAs), plus --tpm-roots, minus --tpm-exclude-root. Each is named by the SHA-256
of its certificate, which is how suites pin or exclude it (roots:,
exclude_roots:) and how reports record it; its kind says what a chain to it
makes a TPM: maker (hardware), cloud-vtpm or software. "expired" marks an anchor
whose certificate has expired today (chains through it still verify at the
time the EK certificate was issued, and the verdict says so).`,
		Example: "  sovbench tpm-roots\n  sovbench tpm-roots --tpm-roots /etc/sovbench/ek-roots -o csv",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := o.store()
			if err != nil {
				return err
			}
			g := render.Grid{Header: []string{"sha256", "kind", "vendor", "tags", "subject", "source"}}
			now := time.Now()
			for _, r := range s.Roots() {
				g.Rows = append(g.Rows, []string{r.SHA256, string(r.Kind), r.Vendor, strings.Join(r.Tags(now), ","), r.Subject(), r.Source})
			}
			return runtimeErrOrNil(render.WriteGrid(a.stdout, g, a.output))
		},
	}
	addTPMRoots(cmd, &o)
	return cmd
}
