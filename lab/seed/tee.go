package seed

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	attesttee "github.com/sovbench/sovbench/attest/tee"
	"github.com/sovbench/sovbench/attest/tee/testsign"
	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/probes/tee"
	"github.com/sovbench/sovbench/results"
	seedsuites "github.com/sovbench/sovbench/scenarios/seed"
)

// teeHost is the confidential-VM ground truth of a seed provider: what its
// lab host's stand-in CPU signs. A lab model, not a statement about any real
// offer: the reports are test-signed and say so.
type teeHost struct {
	spec testsign.Spec
	// liar: the host presents a report from a signer of its own, not the
	// one the auditor's suite lists (a provider faking a confidential VM).
	liar bool
}

// teeHosts: the seed providers that sell confidential VMs. gcp-eu: SEV-SNP
// signed by the chip's VCEK (AMD's word for one chip); s3ns: SEV-SNP signed
// by a VLEK naming Google (AMD's and the technology vendor's word, not the
// chip's); azure-eu: TDX (Intel's PCK). clover claims a confidential VM but
// its host signs with a test root the suite does not list.
var teeHosts = map[string]teeHost{
	"gcp-eu": {spec: testsign.Spec{Kind: results.TEESEVSNP, ChipID: bytes.Repeat([]byte{0x6e}, 64), TCB: [4]uint8{3, 0, 14, 209},
		Measurement: bytes.Repeat([]byte{0x9c}, 48)}},
	"s3ns": {spec: testsign.Spec{Kind: results.TEESEVSNP, VLEK: true, CSPID: "Google", TCB: [4]uint8{3, 0, 14, 209},
		Measurement: bytes.Repeat([]byte{0x9c}, 48)}},
	"azure-eu": {spec: testsign.Spec{Kind: results.TEETDX, Measurement: bytes.Repeat([]byte{0x4d}, 48),
		TEETCBSVN: []byte{3, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}},
	"clover": {spec: testsign.Spec{Kind: results.TEESEVSNP, ChipID: bytes.Repeat([]byte{0xc1}, 64), TCB: [4]uint8{3, 0, 14, 209}}, liar: true},
}

// teeFixtures gives the lab hosts of teeHosts their test signer: kept in
// dir/<provider> across runs (so a verdict's test root stays the same),
// copied into the host's fixture tree where the tee probe finds it. It
// returns each provider's binding: kind and the fingerprint of the root
// the suite lists.
func teeFixtures(dir string, topo *lab.Topology) (map[string]*seedsuites.TEE, error) {
	out := map[string]*seedsuites.TEE{}
	for _, p := range topo.Providers {
		h, ok := teeHosts[p.Name]
		if !ok || len(p.Hosts) == 0 || p.Hosts[0].Fixture == "" {
			continue
		}
		presented, err := signerIn(filepath.Join(dir, p.Name, "presented"), h.spec)
		if err != nil {
			return nil, err
		}
		listed := presented
		if h.liar {
			if listed, err = signerIn(filepath.Join(dir, p.Name, "listed"), h.spec); err != nil {
				return nil, err
			}
		}
		dst := filepath.Join(p.Hosts[0].Fixture, filepath.FromSlash(tee.FixtureDir))
		if err := os.CopyFS(dst, os.DirFS(filepath.Join(dir, p.Name, "presented"))); err != nil {
			return nil, fmt.Errorf("writing the TEE fixture of %s: %w", p.Name, err)
		}
		// What the host's agent signs with (a signer kept from an earlier
		// run may predate the stand-in file).
		if err := presented.WriteStandIn(dst); err != nil {
			return nil, fmt.Errorf("writing the TEE fixture of %s: %w", p.Name, err)
		}
		out[p.Name] = &seedsuites.TEE{Kind: h.spec.Kind, Root: fingerprint(listed.Root)}
	}
	return out, nil
}

// signerIn loads the test signer kept in dir, or makes one there.
func signerIn(dir string, spec testsign.Spec) (*testsign.Signer, error) {
	s, err := testsign.Load(dir)
	if err == nil {
		return s, nil
	}
	if _, statErr := os.Stat(dir); !errors.Is(statErr, os.ErrNotExist) {
		return nil, fmt.Errorf("reading the TEE test signer in %s: %w", dir, err)
	}
	return testsign.Generate(dir, spec)
}

func fingerprint(c *x509.Certificate) string { return attesttee.Fingerprint(c) }
