package tee

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-tdx-guest/abi"
	"github.com/google/go-tdx-guest/pcs"
	pb "github.com/google/go-tdx-guest/proto/tdx"
	"github.com/google/go-tdx-guest/verify"

	"github.com/sovbench/sovbench/results"
)

// tdAttrDebug is TD_ATTRIBUTES bit 0 (TUD.DEBUG): the TD runs in debug
// mode and the host can read its memory.
const tdAttrDebug = 0x01

func verifyTDX(d *results.TEEDetails, o Options, want []byte) (*Platform, error) {
	parsed, err := abi.QuoteToProto(d.Report)
	if err != nil {
		return nil, refuse(ReasonInput, err, "TDX quote does not parse")
	}
	q, ok := parsed.(*pb.QuoteV4)
	if !ok {
		return nil, refuse(ReasonInput, nil, "TDX quote is %T, not version 4", parsed)
	}
	if err := abi.CheckQuoteV4(q); err != nil {
		return nil, refuse(ReasonInput, err, "TDX quote is malformed")
	}
	root, testRoot, err := tdxChain(q, d.Collateral, o)
	if err != nil {
		return nil, err
	}
	body := q.GetTdQuoteBody()
	if err := checkReportData(body.GetReportData(), want); err != nil {
		return nil, err
	}
	fmspc := ""
	if leaf, err := pckLeaf(q); err == nil {
		if ext, err := pcs.PckCertificateExtensions(leaf); err == nil {
			fmspc = ext.FMSPC
		}
	}
	attrs := body.GetTdAttributes()
	p := &Platform{
		Kind: results.TEETDX, Signer: "PCK", Endorser: "Intel", Product: fmspc, Root: root,
		TestSigned: testRoot != "", TestRoot: testRoot,
		TCB:         TCB{TEETCBSVN: body.GetTeeTcbSvn()},
		Measurement: body.GetMrTd(), Debug: len(attrs) > 0 && attrs[0]&tdAttrDebug != 0,
		Policy: fmt.Sprintf("TD_ATTRIBUTES %s, XFAM %s", hex.EncodeToString(attrs), hex.EncodeToString(body.GetXfam())),
	}
	if len(d.Collateral) > 0 {
		p.TCBStatus = string(pcs.TcbComponentStatusUpToDate) // verify.TdxQuote refuses any other status
	}
	if p.TestSigned {
		p.Endorser = "test root " + testRoot
	}
	return p, nil
}

// tdxChain verifies the quote (attestation key signature, QE report signed
// by the PCK, PCK chain, and the recorded collateral if any) to Intel's
// embedded root, else to a test root.
func tdxChain(q *pb.QuoteV4, col []results.TEECollateral, o Options) (root, testRoot string, err error) {
	check := func(c *x509.Certificate) error {
		pool := x509.NewCertPool()
		pool.AddCert(c)
		return verify.TdxQuote(q, &verify.Options{
			TrustedRoots: pool, Now: &verify.TimeSet{PckCertChain: o.Now, TcbInfo: o.Now, QeIdentity: o.Now, PckCrl: o.Now, RootCaCrl: o.Now}, GetCollateral: len(col) > 0, CheckRevocations: len(col) > 0,
			Getter: recorded(col),
		})
	}
	intelErr := check(intelRoot)
	if intelErr == nil {
		return intelRoot.Subject.CommonName, "", nil
	}
	if r := tdxReason(intelErr); r != ReasonChain {
		return "", "", refuse(r, intelErr, "the quote chains to Intel's root but does not verify")
	}
	var testErr error
	o.TestRoots.each(func(c *x509.Certificate, label string) bool {
		err := check(c)
		switch {
		case err == nil:
			root, testRoot = c.Subject.CommonName, label
			return true
		case tdxReason(err) != ReasonChain:
			testErr = refuse(tdxReason(err), err, "the quote chains to test root %s but does not verify", label)
			return true
		}
		return false
	})
	switch {
	case testRoot != "":
		return root, testRoot, nil
	case testErr != nil:
		return "", "", testErr
	}
	return "", "", refuse(ReasonChain, intelErr, "the PCK does not chain to Intel's SGX Root CA nor to any of %d test roots", o.TestRoots.Len())
}

// tdxReason names a go-tdx-guest refusal; it returns chain unless the error
// says the chain was fine and a signature or the collateral was not.
func tdxReason(err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, verify.ErrHashVerificationFail), strings.Contains(msg, "QE report"):
		return ReasonSignature
	case strings.Contains(msg, "collateral"), strings.Contains(msg, "tcbInfo"),
		strings.Contains(msg, "QeIdentity"), strings.Contains(msg, "CRL"), strings.Contains(msg, "TCB"), strings.Contains(msg, "Tcb"):
		return ReasonCollateral
	}
	return ReasonChain
}

// pckLeaf returns the first certificate of the quote's PCK chain
// (unverified; used only after verify.TdxQuote accepted the chain).
func pckLeaf(q *pb.QuoteV4) (*x509.Certificate, error) {
	chain := q.GetSignedData().GetCertificationData().GetQeReportCertificationData().GetPckCertificateChainData().GetPckCertChain()
	blk, _ := pem.Decode(chain)
	if blk == nil {
		return nil, errors.New("no PCK certificate")
	}
	return x509.ParseCertificate(blk.Bytes)
}

// recorded serves Intel PCS collateral from the evidence, by URL; nothing
// else is ever fetched.
type recorded []results.TEECollateral

// Get returns the recorded response for url.
func (r recorded) Get(url string) (map[string][]string, []byte, error) {
	for _, c := range r {
		if c.URL == url {
			return c.Header, c.Body, nil
		}
	}
	return nil, nil, fmt.Errorf("collateral %s was not recorded (the verifier fetches nothing)", url)
}
