package tee_test

import (
	"testing"

	"github.com/google/go-tdx-guest/testing/testdata"

	"github.com/sovbench/sovbench/attest/tee"
	"github.com/sovbench/sovbench/results"
)

// FuzzVerify: any bytes as an SEV-SNP report or a TDX quote are refused
// with a named reason or verified, never a panic.
func FuzzVerify(f *testing.F) {
	s := signer(f, "vcek-a", vcekSpec(0xa))
	ev := evidence(f, s)
	f.Add(ev.Report, false)
	f.Add(testdata.RawQuote, true)
	o := opts(s)
	f.Fuzz(func(t *testing.T, report []byte, tdx bool) {
		d := &results.TEEDetails{Kind: results.TEESEVSNP, Report: report, Certs: ev.Certs}
		if tdx {
			d.Kind = results.TEETDX
		}
		p, err := tee.Verify(d, o)
		if (p == nil) == (err == nil) {
			t.Fatalf("platform %v and error %v", p, err)
		}
		if err != nil && tee.ReasonOf(err) == "" {
			t.Fatalf("refusal without a named reason: %v", err)
		}
	})
}
