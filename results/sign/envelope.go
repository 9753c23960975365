package sign

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unsafe"

	asmbase64 "github.com/segmentio/asm/base64"

	"github.com/sovbench/sovbench/internal/strictjson/exact"
	"github.com/sovbench/sovbench/results"
)

// ParseEnvelope decodes an envelope file. It accepts exactly the bytes
// EncodeEnvelope writes and nothing else: the file is read against that
// fixed layout (field order, spacing, final newline) and every value must be
// plain ASCII that JSON does not escape. A payloadType other than
// PayloadType, a missing signature, a key id that is not 64 lower-case hex
// digits and base64 that is not canonical standard encoding are errors too.
// So no byte of a signed report can change without the change being
// rejected here or by the signature. The signature itself is not checked
// (VerifySignature).
//
// Reading the fixed layout instead of running a JSON decoder and comparing
// with a re-encoding gives the same answer (TestCanonicalEnvelope) at a
// fraction of the cost; verification speed matters when a compare table
// verifies hundreds of reports.
func ParseEnvelope(data []byte) (*Envelope, error) {
	return parseEnvelope(data, false)
}

// ParseEnvelopeShared is ParseEnvelope without copying the payload's text
// (65 KB for a demo report): the envelope's Payload shares data's memory,
// so data must not change while the envelope is in use. A verifier that
// reads a file once and keeps only what it decoded uses it.
func ParseEnvelopeShared(data []byte) (*Envelope, error) {
	return parseEnvelope(data, true)
}

func parseEnvelope(data []byte, share bool) (*Envelope, error) {
	p := &layout{b: data, share: share}
	env := &Envelope{}
	p.lit("{\n  \"payloadType\": \"")
	env.PayloadType = p.str("payloadType")
	p.lit("\",\n  \"payload\": \"")
	var body, pae []byte
	env.Payload, body, pae = p.payload(env.PayloadType)
	p.lit("\",\n  \"signatures\": [")
	for p.err == nil && !p.at("\n  ]\n}\n") {
		if len(env.Signatures) > 0 {
			p.lit(",")
		}
		p.lit("\n    {\n      \"keyid\": \"")
		id := p.str("keyid")
		p.lit("\",\n      \"sig\": \"")
		sig := p.str("sig")
		p.lit("\"\n    }")
		env.Signatures = append(env.Signatures, Signature{KeyID: id, Sig: sig})
	}
	p.lit("\n  ]\n}\n")
	if p.err == nil && p.i != len(data) {
		p.err = &layoutError{offset: p.i, detail: fmt.Sprintf("data after the end at byte %d", p.i)}
	}
	if p.err != nil {
		return nil, nonCanonical(data, p.err)
	}
	if env.PayloadType != PayloadType {
		return nil, fmt.Errorf("envelope payloadType %q, want %q", env.PayloadType, PayloadType)
	}
	if body == nil {
		var err error
		if body, err = strictBase64(env.Payload); err != nil {
			return nil, fmt.Errorf("envelope payload: %w", err)
		}
	}
	env.decoded = &decodedPayload{of: env.Payload, body: body, typ: env.PayloadType, pae: pae}
	if len(env.Signatures) == 0 {
		return nil, errors.New("envelope has no signature")
	}
	for i, s := range env.Signatures {
		if b, err := hex.DecodeString(s.KeyID); err != nil || len(b) != 32 || hex.EncodeToString(b) != s.KeyID {
			return nil, fmt.Errorf("envelope signatures[%d].keyid %q: want 64 lower-case hex digits", i, s.KeyID)
		}
		if _, err := strictBase64(s.Sig); err != nil {
			return nil, fmt.Errorf("envelope signatures[%d].sig: %w", i, err)
		}
	}
	return env, nil
}

// layout reads an envelope file against EncodeEnvelope's fixed layout; the
// first mismatch is kept in err and stops all further reading.
type layout struct {
	b   []byte
	i   int
	err error
	// share: the payload's text shares b's memory (ParseEnvelopeShared).
	share bool
}

func (p *layout) at(s string) bool { return bytes.HasPrefix(p.b[p.i:], []byte(s)) }

func (p *layout) lit(s string) {
	if p.err != nil {
		return
	}
	if !p.at(s) {
		at := p.i + firstDiff(p.b[p.i:], []byte(s))
		p.err = &layoutError{offset: at, detail: fmt.Sprintf("byte %d should begin %q", at, s[at-p.i:])}
		return
	}
	p.i += len(s)
}

// str reads a string value up to its closing quote; only printable ASCII
// that JSON does not escape is allowed.
func (p *layout) str(field string) string {
	if p.err != nil {
		return ""
	}
	end := bytes.IndexByte(p.b[p.i:], '"')
	if end < 0 {
		p.err = fmt.Errorf("envelope %s: unterminated string at byte %d", field, p.i)
		return ""
	}
	v := p.b[p.i : p.i+end]
	for j, c := range v {
		if c < 0x20 || c > 0x7e || c == '\\' || c == '<' || c == '>' || c == '&' {
			p.err = fmt.Errorf("envelope %s: character %q at byte %d is not allowed", field, c, p.i+j)
			return ""
		}
	}
	p.i += end
	return string(v)
}

// payload reads the payload's string and decodes it, right after the
// head of its PAE (the bytes signatures are over: pae, body its tail), so
// that verifying does not copy it again. Canonical standard base64 without
// a line break (which the decoder skips) is printable ASCII that JSON does
// not escape, so a payload that decodes needs no check byte by byte; one
// that does not is read by str, which names a bad byte, and decoded again
// later for its error (body nil).
func (p *layout) payload(payloadType string) (text string, body, pae []byte) {
	if p.err != nil {
		return "", nil, nil
	}
	if end := bytes.IndexByte(p.b[p.i:], '"'); end >= 0 {
		v := p.b[p.i : p.i+end]
		if bytes.IndexByte(v, '\n') < 0 && bytes.IndexByte(v, '\r') < 0 {
			n := base64.StdEncoding.DecodedLen(len(v)) - bytes.Count(v[max(0, len(v)-2):], []byte("="))
			head := paeHead(payloadType, n, base64.StdEncoding.DecodedLen(len(v)))
			buf := head[:cap(head)]
			if m, err := fastStrict.Decode(buf[len(head):], v); err == nil && m == n {
				p.i += end
				if text = unsafe.String(unsafe.SliceData(v), len(v)); !p.share {
					text = strings.Clone(text)
				}
				return text, buf[len(head) : len(head)+n], buf[:len(head)+n]
			}
		}
	}
	return p.str("payload"), nil, nil
}

// fastStrict decodes as base64.StdEncoding.Strict() does, with AVX2 where
// the CPU has it: whole 32-byte blocks of the alphabet first, the rest
// (padding, its bits, any byte outside the alphabet and all after it) by
// encoding/base64 itself. That decoder skips line breaks; payload refuses
// them before. TestFastBase64AgreesWithStd holds the two alike.
var fastStrict = asmbase64.StdEncoding.Strict()

func strictBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decoding base64: %w", err)
	}
	return b, nil
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// UnknownSignerError says no signature of an envelope names a trusted key.
type UnknownSignerError struct {
	KeyIDs  []string // the key ids the envelope names
	Trusted int      // how many keys were trusted
}

func (e *UnknownSignerError) Error() string {
	return fmt.Sprintf("no signature by a trusted key: signed by unknown key %s, not among the %d trusted key(s) given",
		strings.Join(e.KeyIDs, ", "), e.Trusted)
}

// ContentChangedError says a signature names a trusted key but does not
// verify with it: the signed bytes changed after signing (or the signature
// was never made by that key; the two cannot be told apart, and neither
// is accepted).
type ContentChangedError struct {
	KeyID string // the trusted key the signature names
}

func (e *ContentChangedError) Error() string {
	return fmt.Sprintf("content changed after signing: the signature naming trusted key %s does not match the signed content", e.KeyID)
}

// VerifySignature checks env's signatures against the trusted keys and
// returns the key id of the first trusted key whose signature verifies,
// together with the payload. A signature counts only when its keyid names
// the key that verifies it. Use ParseEnvelope first.
func VerifySignature(ctx context.Context, env *Envelope, keys []*PublicKey) (string, []byte, error) {
	var ids []string
	for _, s := range env.Signatures {
		ids = append(ids, s.KeyID)
	}
	byID := map[string]bool{}
	var vs []*PublicKey
	for _, k := range keys {
		if !byID[k.ID] {
			byID[k.ID] = true
			vs = append(vs, k)
		}
	}
	if len(vs) == 0 {
		return "", nil, errors.New("no trusted keys")
	}
	accepted, payload, err := verifyEnvelope(ctx, env, vs)
	if err == nil {
		for _, a := range accepted {
			if a.sig.KeyID == a.keyID && byID[a.keyID] {
				return a.keyID, payload, nil
			}
		}
	}
	for _, id := range ids {
		if byID[id] {
			return "", nil, &ContentChangedError{KeyID: id}
		}
	}
	return "", nil, &UnknownSignerError{KeyIDs: ids, Trusted: len(vs)}
}

// DecodeStatement decodes a signed report's payload strictly — a key twice
// in one object (also when the spellings differ only in case: encoding/json
// would fill one field with the last), an unknown field, nesting deeper than
// strictjson.MaxDepth or data after the statement is an error — and
// validates it (ValidateStatement, report schema). Duplicate keys matter
// here: a reader that keeps the first value and one that keeps the last
// would read two different statements under one signature. The subjects are
// not checked against the report (CheckSubjects). The statement's strings
// share payload's memory: payload must not change afterwards.
func DecodeStatement(payload []byte) (*Statement, error) {
	var st Statement
	records, err := exact.DecodeSpans(payload, &st, "predicate", "evidence")
	if err != nil {
		return nil, fmt.Errorf("decoding statement: %w", err)
	}
	st.records = records
	if err := ValidateStatement(&st); err != nil {
		return nil, err
	}
	if st.Predicate.Schema != results.Schema {
		return nil, fmt.Errorf("predicate schema %q, want %q", st.Predicate.Schema, results.Schema)
	}
	return &st, nil
}

// CheckSubjects recomputes the subjects of the statement's report and
// returns one error per subject that is missing, unexpected or whose digest
// differs.
func CheckSubjects(st *Statement) []error {
	want, err := subjects(st.Predicate, st.Records())
	if err != nil {
		return []error{err}
	}
	got := map[string]string{}
	var errs []error
	for _, s := range st.Subject {
		if _, dup := got[s.Name]; dup {
			errs = append(errs, fmt.Errorf("subject %s: listed twice", s.Name))
		}
		got[s.Name] = s.Digest["sha256"]
		if len(s.Digest) != 1 {
			errs = append(errs, fmt.Errorf("subject %s: want exactly one digest, sha256", s.Name))
		}
	}
	for _, w := range want {
		g, ok := got[w.Name]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("subject %s: missing", w.Name))
		case g != w.Digest["sha256"]:
			errs = append(errs, fmt.Errorf("subject %s: sha256 %s, the report's record hashes to %s", w.Name, g, w.Digest["sha256"]))
		}
		delete(got, w.Name)
	}
	for _, name := range slices.Sorted(maps.Keys(got)) {
		errs = append(errs, fmt.Errorf("subject %s: not in the report", name))
	}
	return errs
}

// ReadUnverified extracts the report from an envelope file WITHOUT checking
// its signature, subjects or verdicts: use it only to display a report
// (show); anything that trusts the content must verify it first.
func ReadUnverified(data []byte) (*results.Report, error) {
	env, err := ParseEnvelope(data)
	if err != nil {
		return nil, err
	}
	payload, err := strictBase64(env.Payload)
	if err != nil {
		return nil, err
	}
	st, err := DecodeStatement(payload)
	if err != nil {
		return nil, err
	}
	return st.Predicate, nil
}
