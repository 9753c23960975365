package tee_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	tdxtest "github.com/google/go-tdx-guest/testing"
	"github.com/google/go-tdx-guest/testing/testdata"

	"github.com/sovbench/sovbench/attest/tee"
	"github.com/sovbench/sovbench/attest/tee/testsign"
	"github.com/sovbench/sovbench/results"
)

func tdxSpec(debug bool) testsign.Spec {
	return testsign.Spec{Kind: results.TEETDX, Measurement: bytes.Repeat([]byte{0x7d}, 48), Debug: debug,
		TEETCBSVN: []byte{3, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}}
}

func TestTDXTestSigned(t *testing.T) {
	s := signer(t, "tdx", tdxSpec(false))
	p, err := tee.Verify(evidence(t, s), opts(s))
	if err != nil {
		t.Fatal(err)
	}
	if p.Signer != "PCK" || !p.TestSigned || p.Debug || !bytes.Equal(p.Measurement, bytes.Repeat([]byte{0x7d}, 48)) || p.TCB.TEETCBSVN[0] != 3 {
		t.Errorf("platform %+v", p)
	}
	if p.Product != "50806f000000" {
		t.Errorf("FMSPC %q, want the recorded PCK's", p.Product)
	}
	dbg := signer(t, "tdx-debug", tdxSpec(true))
	if p, err := tee.Verify(evidence(t, dbg), opts(dbg)); err != nil || !p.Debug {
		t.Errorf("debug TD: %+v, %v", p, err)
	}
}

// TestTDXRecordedQuote runs go-tdx-guest's recorded production quote: its
// PCK chains to Intel's root, but it was made for other report data.
func TestTDXRecordedQuote(t *testing.T) {
	ev := &results.TEEDetails{Kind: results.TEETDX, Report: testdata.RawQuote}
	when := time.Date(2023, time.July, 1, 1, 0, 0, 0, time.UTC)
	o := opts()
	o.Now = when
	_, err := tee.Verify(ev, o)
	wantReason(t, err, tee.ReasonReportData)

	for url, r := range tdxtest.TestGetter.Responses {
		ev.Collateral = append(ev.Collateral, results.TEECollateral{URL: url, Header: r.Header, Body: r.Body})
	}
	collateral := []struct {
		name string
		ev   *results.TEEDetails
		now  time.Time
		says string
	}{
		// The sample TCB info (signed by Intel) has no level for this
		// quote's TCB: replayed offline, it cannot rate it up to date.
		{"recorded Intel PCS collateral is replayed offline and rates the TCB", ev, when, "TCB"},
		{"expired collateral is refused", ev, time.Date(2026, time.July, 1, 0, 0, 0, 0, time.UTC), "expired"},
		{"collateral that was not recorded is never fetched",
			&results.TEEDetails{Kind: results.TEETDX, Report: testdata.RawQuote, Collateral: ev.Collateral[:1]}, when, "was not recorded"},
	}
	for _, c := range collateral {
		t.Run(c.name, func(t *testing.T) {
			o := o
			o.Now = c.now
			_, err := tee.Verify(c.ev, o)
			wantReason(t, err, tee.ReasonCollateral)
			if !strings.Contains(err.Error(), c.says) {
				t.Errorf("refusal %q does not say %q", err, c.says)
			}
		})
	}
}

func TestTDXRefusals(t *testing.T) {
	s := signer(t, "tdx", tdxSpec(false))
	other := signer(t, "tdx-other", tdxSpec(false))
	cases := []struct {
		name   string
		ev     func() *results.TEEDetails
		o      tee.Options
		reason string
	}{
		{"a test-signed quote without its test root is not Intel's", func() *results.TEEDetails { return evidence(t, s) }, opts(), tee.ReasonChain},
		{"a chain to another test root", func() *results.TEEDetails { return evidence(t, s) }, opts(other), tee.ReasonChain},
		{"report data for another nonce", func() *results.TEEDetails {
			return evidence(t, s, tee.ReportData(bytes.Repeat([]byte{1}, 32), digest))
		}, opts(s), tee.ReasonReportData},
		{"MRTD changed after signing", func() *results.TEEDetails {
			ev := evidence(t, s)
			ev.Report[48+136] ^= 1 // inside MRTD (body offset 136)
			return ev
		}, opts(s), tee.ReasonSignature},
		{"another platform's QE report", func() *results.TEEDetails {
			ev := evidence(t, s)
			o := evidence(t, other)
			const qe = 48 + 584 + 4 + 64 + 64 + 6 // header, body, size, signature, key, cert data header
			copy(ev.Report[qe:qe+384], o.Report[qe:qe+384])
			return ev
		}, opts(s, other), tee.ReasonSignature},
		{"not a quote", func() *results.TEEDetails { return &results.TEEDetails{Kind: results.TEETDX, Report: []byte("quote")} }, opts(s), tee.ReasonInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := tee.Verify(c.ev(), c.o)
			if p != nil {
				t.Errorf("a refused quote returned a platform %+v", p)
			}
			wantReason(t, err, c.reason)
		})
	}
}
