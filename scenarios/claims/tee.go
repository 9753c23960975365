package claims

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/sovbench/sovbench/attest/tee"
	"github.com/sovbench/sovbench/results"
)

// TEETrust is the trust configuration every TEE claim shares; each claim's
// parameters embed it inline. AMD's and Intel's roots are always trusted.
type TEETrust struct {
	// TestRoots are roots of test signers (the lab's): "sha256:<hex>" (the
	// SHA-256 of the root certificate's DER, matched against the root the
	// evidence carries), PEM text inline, or files or directories of PEM/DER
	// certificates. A chain to one verifies but stays test-signed.
	TestRoots []string `yaml:"test_roots"`
	// AllowTestRoots lets a test-signed report satisfy the claim, for
	// demos; without it such a report is inconclusive, never AMD's or
	// Intel's word.
	AllowTestRoots bool `yaml:"allow_test_roots"`
}

var teeRootCache sync.Map // key → *tee.Roots or error

func (tr TEETrust) roots() (*tee.Roots, error) {
	key := strings.Join(tr.TestRoots, "\x00")
	if v, ok := teeRootCache.Load(key); ok {
		if err, isErr := v.(error); isErr {
			return nil, err
		}
		return v.(*tee.Roots), nil
	}
	r := &tee.Roots{}
	var err error
	for i, s := range tr.TestRoots {
		switch {
		case strings.HasPrefix(s, "sha256:"):
			// matched against the evidence (withCarried)
		case strings.HasPrefix(strings.TrimSpace(s), "-----BEGIN"):
			err = r.AddPEM([]byte(s), fmt.Sprintf("test_roots[%d]", i))
		default:
			err = r.Load(s)
		}
		if err != nil {
			break
		}
	}
	if err != nil {
		teeRootCache.Store(key, err)
		return nil, err
	}
	teeRootCache.Store(key, r)
	return r, nil
}

// withCarried adds the root the evidence carries when the suite lists its
// fingerprint: it is then a test root like any other.
func (tr TEETrust) withCarried(rs *tee.Roots, d *results.TEEDetails) *tee.Roots {
	c := tee.CarriedRoot(d)
	if c == nil || !slices.Contains(tr.TestRoots, tee.Fingerprint(c)) {
		return rs
	}
	out := &tee.Roots{}
	out.Merge(rs)
	out.Add(c, tee.Fingerprint(c)[:23]+"…")
	return out
}

func checkTestRoots(roots []string) error {
	for _, s := range roots {
		if h, ok := strings.CutPrefix(s, "sha256:"); ok {
			if b, err := hex.DecodeString(h); err != nil || len(b) != 32 {
				return fmt.Errorf("test_roots: %q is not sha256: and 64 hex digits", s)
			}
		}
	}
	return nil
}

// teePlatform verifies the target's first complete TEE evidence against
// its recorded nonce and digest (verify checks the digest is this report's,
// TEEBinding), at the time it was collected.
func teePlatform(f Facts, tr TEETrust) (*tee.Platform, string, *Outcome) {
	var failed *results.Evidence
	for _, e := range f.Of("tee") {
		if e.Failure != nil || e.TEE == nil {
			failed = e
			continue
		}
		rs, err := tr.roots()
		if err != nil {
			o := Outcome{Status: results.StatusError, Reason: err.Error(), Evidence: []string{e.ID}}
			return nil, e.ID, &o
		}
		p, err := tee.Verify(e.TEE, tee.Options{
			VerifierNonce: e.TEE.Nonce.Verifier, EvidenceDigest: e.TEE.Nonce.EvidenceDigest, TestRoots: tr.withCarried(rs, e.TEE), Now: e.Start,
		})
		if err != nil {
			o := fail(err.Error(), "refused: "+tee.ReasonOf(err), e.ID)
			return nil, e.ID, &o
		}
		return p, e.ID, nil
	}
	if failed != nil {
		o := fail("no TEE report: "+failed.Failure.String(), "no TEE", failed.ID)
		return nil, failed.ID, &o
	}
	o := inconclusive("no TEE evidence for " + f.Target)
	return nil, "", &o
}

// teeGate verifies the evidence and keeps a test-signed report
// inconclusive unless the suite allows test roots.
func teeGate(f Facts, tr TEETrust, claim string) (*tee.Platform, string, *Outcome) {
	p, ref, miss := teePlatform(f, tr)
	if miss != nil {
		return nil, ref, miss
	}
	if p.TestSigned && !tr.AllowTestRoots {
		o := inconclusive(fmt.Sprintf("test-signed %s report (chain to test root %s): it rests on %s; set allow_test_roots for a demo", p.Kind, p.TestRoot, p.Word()), ref)
		return nil, ref, &o
	}
	return p, ref, nil
}

// figure is the verdict figure: the fact, marked when test-signed.
func teeFigure(p *tee.Platform, fact string) string {
	if p.TestSigned {
		return fact + " (test-signed)"
	}
	return fact
}

// TEERequiredParams: tee.required.
type TEERequiredParams struct {
	// Kind is sev-snp, tdx or any.
	Kind string `yaml:"kind"`
	// MinTCB is the lowest SEV-SNP TCB (each security patch level).
	MinTCB *SNPTCB `yaml:"min_tcb"`
	// MinTEETCBSVN is the lowest TDX TEE_TCB_SVN (32 hex digits,
	// component-wise).
	MinTEETCBSVN string `yaml:"min_tee_tcb_svn"`
	// AllowDebug accepts a guest the host can debug (memory not
	// confidential); off by default.
	AllowDebug bool `yaml:"allow_debug"`
	TEETrust   `yaml:",inline"`
}

// SNPTCB is an SEV-SNP TCB version by security patch level.
type SNPTCB struct {
	Bootloader uint8 `yaml:"bootloader"`
	TEE        uint8 `yaml:"tee"`
	SNP        uint8 `yaml:"snp"`
	Microcode  uint8 `yaml:"microcode"`
}

func checkTEERequired(p TEERequiredParams) error {
	if err := checkTestRoots(p.TestRoots); err != nil {
		return err
	}
	switch p.Kind {
	case results.TEESEVSNP, results.TEETDX, "any":
	default:
		return fmt.Errorf("kind %q is not sev-snp, tdx or any", p.Kind)
	}
	if p.MinTEETCBSVN != "" {
		if b, err := hex.DecodeString(p.MinTEETCBSVN); err != nil || len(b) != 16 {
			return fmt.Errorf("min_tee_tcb_svn %q is not 32 hex digits", p.MinTEETCBSVN)
		}
	}
	return nil
}

var claimTEERequired = claimKind("tee.required",
	"The host is a confidential VM of this kind whose hardware report verifies to AMD or Intel (signature, chain, report data bound to the evidence), at least this TCB, debug off.",
	"tee.required: {kind: sev-snp, min_tcb: {bootloader: 3, tee: 0, snp: 14, microcode: 209}}",
	[]string{"tee"}, checkTEERequired,
	func(pr TEERequiredParams, f Facts) Outcome {
		p, ref, miss := teeGate(f, pr.TEETrust, "tee.required")
		if miss != nil {
			return *miss
		}
		if pr.Kind != "any" && p.Kind != pr.Kind {
			return fail(fmt.Sprintf("%s report, not %s (kind)", p.Kind, pr.Kind), teeFigure(p, p.Kind), ref)
		}
		if p.Debug && !pr.AllowDebug {
			return fail(fmt.Sprintf("debug is on (%s): the host can read the guest's memory (debug)", p.Policy), teeFigure(p, "debug"), ref)
		}
		if low := belowTCB(pr, p); low != "" {
			return fail(low+" (tcb_below_minimum)", teeFigure(p, tcbText(p)), ref)
		}
		return pass(fmt.Sprintf("%s report verified: signed by %s; TCB %s; debug off", p.Kind, p.Word(), tcbText(p)), teeFigure(p, p.Kind), ref)
	})

func tcbText(p *tee.Platform) string {
	if p.Kind == results.TEETDX {
		s := "TEE_TCB_SVN " + hex.EncodeToString(p.TCB.TEETCBSVN)
		if p.TCBStatus != "" {
			s += " (" + p.TCBStatus + " per Intel)"
		}
		return s
	}
	t := p.TCB
	return fmt.Sprintf("bl %d tee %d snp %d ucode %d", t.Bootloader, t.TEE, t.SNP, t.Microcode)
}

// belowTCB says which component is below the minimum, or "".
func belowTCB(pr TEERequiredParams, p *tee.Platform) string {
	if p.Kind == results.TEESEVSNP && pr.MinTCB != nil {
		m, t := pr.MinTCB, p.TCB
		for _, c := range []struct {
			name      string
			got, want uint8
		}{{"bootloader", t.Bootloader, m.Bootloader}, {"tee", t.TEE, m.TEE}, {"snp", t.SNP, m.SNP}, {"microcode", t.Microcode, m.Microcode}} {
			if c.got < c.want {
				return fmt.Sprintf("TCB %s SPL %d is below the minimum %d", c.name, c.got, c.want)
			}
		}
	}
	if p.Kind == results.TEETDX && pr.MinTEETCBSVN != "" {
		want, _ := hex.DecodeString(pr.MinTEETCBSVN)
		for i := range want {
			if i >= len(p.TCB.TEETCBSVN) || p.TCB.TEETCBSVN[i] < want[i] {
				return fmt.Sprintf("TEE_TCB_SVN %x is below the minimum %x at component %d", p.TCB.TEETCBSVN, want, i)
			}
		}
	}
	return ""
}

// TEEMeasurementParams: tee.measurement.
type TEEMeasurementParams struct {
	// Measurements are the accepted launch measurements (96 hex digits:
	// SEV-SNP MEASUREMENT or TDX MRTD).
	Measurements []string `yaml:"measurements"`
	TEETrust     `yaml:",inline"`
}

func checkMeasurements(p TEEMeasurementParams) error {
	if err := checkTestRoots(p.TestRoots); err != nil {
		return err
	}
	if len(p.Measurements) == 0 {
		return fmt.Errorf("needs at least one measurement")
	}
	for _, m := range p.Measurements {
		if b, err := hex.DecodeString(m); err != nil || len(b) != 48 {
			return fmt.Errorf("measurement %q is not 96 hex digits (48 bytes)", m)
		}
	}
	return nil
}

var claimTEEMeasurement = claimKind("tee.measurement",
	"The confidential VM was launched with one of these measurements (SEV-SNP MEASUREMENT, TDX MRTD), in a verified report.",
	"tee.measurement: {measurements: [a1b2...96 hex digits]}",
	[]string{"tee"}, checkMeasurements,
	func(pr TEEMeasurementParams, f Facts) Outcome {
		p, ref, miss := teeGate(f, pr.TEETrust, "tee.measurement")
		if miss != nil {
			return *miss
		}
		got := hex.EncodeToString(p.Measurement)
		fig := teeFigure(p, got[:16]+"…")
		if slices.ContainsFunc(pr.Measurements, func(m string) bool { return strings.EqualFold(m, got) }) {
			return pass(fmt.Sprintf("launch measurement %s, signed by %s", got, p.Word()), fig, ref)
		}
		return fail(fmt.Sprintf("launch measurement %s is none of the %d expected (measurement)", got, len(pr.Measurements)), fig, ref)
	})
