package attest

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/google/go-tpm/legacy/tpm2"
)

// tpmReader reads big-endian TPM wire structures; a short read sets err and
// yields zeros, so a parse checks err once at the end.
type tpmReader struct {
	b   []byte
	err error
}

func (r *tpmReader) take(n int) []byte {
	if r.err != nil || n > len(r.b) {
		r.err = errShort
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *tpmReader) u8() byte {
	if v := r.take(1); v != nil {
		return v[0]
	}
	return 0
}

func (r *tpmReader) u16() uint16 {
	if v := r.take(2); v != nil {
		return binary.BigEndian.Uint16(v)
	}
	return 0
}

func (r *tpmReader) u32() uint32 {
	if v := r.take(4); v != nil {
		return binary.BigEndian.Uint32(v)
	}
	return 0
}

func (r *tpmReader) u64() uint64 {
	if v := r.take(8); v != nil {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// tpm2b reads a TPM2B: a 16-bit size and that many bytes.
func (r *tpmReader) tpm2b() []byte { return r.take(int(r.u16())) }

// decodeQuote decodes a TPMS_ATTEST of type quote by hand (go-tpm's
// reflective decoder is a sixth of an RSA signature check): magic, type,
// qualified signer (skipped: nothing reads it), extra data, clock info,
// firmware version, exactly one PCR selection and the PCR digest, and
// nothing after it. The result is UNVERIFIED until its signature is.
func decodeQuote(b []byte) (*tpm2.AttestationData, error) {
	r := &tpmReader{b: b}
	// One allocation for the result: the structure, its quote info and
	// room for a selection of all 24 PCRs.
	a := &struct {
		att  tpm2.AttestationData
		info tpm2.QuoteInfo
		pcrs [24]int
	}{}
	att := &a.att
	att.Magic, att.Type = r.u32(), tpm2.TagAttestQuote
	typ := r.u16()
	if r.err == nil && att.Magic != tpmGenerated {
		return nil, fmt.Errorf("magic 0x%08x is not TPM_GENERATED", att.Magic)
	}
	if r.err == nil && typ != uint16(tpm2.TagAttestQuote) {
		return nil, fmt.Errorf("type 0x%x is not a quote", typ)
	}
	r.tpm2b() // qualifiedSigner
	att.ExtraData = r.tpm2b()
	att.ClockInfo = tpm2.ClockInfo{Clock: r.u64(), ResetCount: r.u32(), RestartCount: r.u32(), Safe: r.u8()}
	att.FirmwareVersion = r.u64()
	if n := r.u32(); r.err == nil && n != 1 {
		return nil, fmt.Errorf("%d PCR selections, want 1", n)
	}
	sel := tpm2.PCRSelection{Hash: tpm2.Algorithm(r.u16()), PCRs: a.pcrs[:0]}
	for j, m := range r.take(int(r.u8())) {
		for k := range 8 {
			if m&(1<<k) != 0 {
				sel.PCRs = append(sel.PCRs, 8*j+k)
			}
		}
	}
	a.info = tpm2.QuoteInfo{PCRSelection: sel, PCRDigest: r.tpm2b()}
	att.AttestedQuoteInfo = &a.info
	switch {
	case r.err != nil:
		return nil, r.err
	case len(r.b) != 0:
		return nil, errors.New("trailing data after the PCR digest")
	}
	return att, nil
}
