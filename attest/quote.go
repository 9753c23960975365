package attest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/bits"

	"github.com/google/go-tpm/legacy/tpm2"

	"github.com/sovbench/sovbench/results"
)

// tpmGenerated is TPM_GENERATED_VALUE: only the TPM writes it at the start
// of structures it signs, so a restricted key cannot be made to sign a
// forged TPMS_ATTEST.
const tpmGenerated = 0xff544347

// ParseQuote decodes a TPMS_ATTEST of type quote. It checks structure only:
// the result is UNVERIFIED until VerifyQuote has checked its signature.
func ParseQuote(b []byte) (*tpm2.AttestationData, error) {
	att, err := decodeQuote(b)
	if err != nil {
		return nil, fmt.Errorf("parsing quote: %w", err)
	}
	return att, nil
}

// checkSignature verifies a TPMT_SIGNATURE over msg with the AK.
func checkSignature(pub crypto.PublicKey, hash crypto.Hash, msg, sigBytes []byte) error {
	sig, err := tpm2.DecodeSignature(bytes.NewBuffer(sigBytes))
	if err != nil {
		return fmt.Errorf("decoding signature: %w", err)
	}
	var sh tpm2.Algorithm
	switch {
	case sig.RSA != nil:
		sh = sig.RSA.HashAlg
	case sig.ECC != nil:
		sh = sig.ECC.HashAlg
	default:
		return errors.New("signature has neither RSA nor ECC part")
	}
	h, err := sh.Hash()
	if err != nil || h != hash {
		return fmt.Errorf("signature hash %v is not the AK's %v", sh, hash)
	}
	d := h.New()
	d.Write(msg)
	sum := d.Sum(nil)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if sig.RSA == nil {
			return errors.New("ECC signature for an RSA AK")
		}
		if sig.Alg == tpm2.AlgRSAPSS {
			return rsa.VerifyPSS(k, h, sum, sig.RSA.Signature, nil)
		}
		return rsa.VerifyPKCS1v15(k, h, sum, sig.RSA.Signature)
	case *ecdsa.PublicKey:
		if sig.ECC == nil || !ecdsa.Verify(k, sum, sig.ECC.R, sig.ECC.S) {
			return errors.New("ECDSA signature does not verify")
		}
		return nil
	}
	return fmt.Errorf("AK type %T is not supported", pub)
}

// checkPCRDigest checks the quote's PCR selection and digest against the
// PCR values: the selection must name exactly the PCRs pcrs holds (a value
// the quote does not cover is not the TPM's word).
func checkPCRDigest(att *tpm2.AttestationData, pcrs *PCRValues) error {
	sel := att.AttestedQuoteInfo.PCRSelection
	if sel.Hash != tpm2.AlgSHA256 {
		return fail(StagePCRDigest, nil, "quote covers bank %v, want SHA-256", sel.Hash)
	}
	// decodeQuote lists a selection's PCRs from its bit mask: increasing,
	// each once, so at most 24 fit the values and the buffer.
	var buf [24 * sha256.Size]byte
	var mask uint32
	for k, i := range sel.PCRs {
		if !pcrs.Has(i) {
			return fail(StagePCRDigest, nil, "quote covers PCR %d, which the evidence does not carry", i)
		}
		mask |= 1 << i
		copy(buf[k*sha256.Size:], pcrs.v[i][:])
	}
	if sum := sha256.Sum256(buf[:len(sel.PCRs)*sha256.Size]); !bytes.Equal(sum[:], att.AttestedQuoteInfo.PCRDigest) {
		return &PCRMismatchError{Source: "quote"}
	}
	if extra := pcrs.set &^ mask; extra != 0 {
		return fail(StagePCRDigest, nil, "PCR %d is not covered by the quote", bits.TrailingZeros32(extra))
	}
	return nil
}

func verifyQuotes(d *results.TPMDetails, ak *checkedAK, nonce []byte, p *Platform) error {
	if len(d.Quotes) == 0 {
		return fail(StageInput, nil, "no quote")
	}
	var err error
	if p.PCRs, err = NewPCRValues(d.PCRs); err != nil {
		return err
	}
	atts := make([]*tpm2.AttestationData, len(d.Quotes))
	for i, q := range d.Quotes {
		att, err := verifyQuote(q, ak.ak.Public, ak.ak.Hash, nonce, &p.PCRs)
		if err != nil {
			return fmt.Errorf("quote %d: %w", i, err)
		}
		atts[i] = att
	}
	return checkConsistency(d, ak.created, atts, p)
}

// VerifyQuote checks one quote: signature by the AK, TPM_GENERATED magic,
// nonce, and the PCR digest over pcrs (SHA-256 bank). It is the hot path of
// the verification benchmark.
func VerifyQuote(q results.TPMQuote, pub crypto.PublicKey, hash crypto.Hash, nonce []byte, pcrs *PCRValues) error {
	_, err := verifyQuote(q, pub, hash, nonce, pcrs)
	return err
}

func verifyQuote(q results.TPMQuote, pub crypto.PublicKey, hash crypto.Hash, nonce []byte, pcrs *PCRValues) (*tpm2.AttestationData, error) {
	if err := checkSignature(pub, hash, q.Quote, q.Signature); err != nil {
		return nil, &SignatureError{Err: err}
	}
	att, err := ParseQuote(q.Quote)
	if err != nil {
		return nil, fail(StageInput, err, "signed quote does not parse")
	}
	if !bytes.Equal(att.ExtraData, nonce) {
		return nil, &NonceMismatchError{Want: nonce, Got: att.ExtraData}
	}
	if err = checkPCRDigest(att, pcrs); err != nil {
		return nil, err
	}
	return att, nil
}
