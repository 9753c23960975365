package sign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/sovbench/sovbench/results"
)

// PredicateType is the in-toto predicateType of a signed report: the
// predicate is a Report of schema sovbench.report/v2.
const PredicateType = "https://sovbench.dev/report/v2"

// PayloadType is the DSSE payloadType of a signed report.
const PayloadType = "application/vnd.in-toto+json"

// Subject is one in-toto ResourceDescriptor of a signed report's statement.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// Statement is the in-toto Statement v1 a signed report carries, with the
// report as predicate.
//
// The statement is written with encoding/json rather than through the
// bindings' protobuf types: their predicate is a structpb.Struct, which holds
// every number as a float64 and would corrupt integers above 2^53 (TPM
// firmware versions, clocks). The bindings still validate every statement
// signed or read (ValidateStatement).
type Statement struct {
	Type          string          `json:"_type"`
	Subject       []Subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     *results.Report `json:"predicate"`
	// records are the bytes each evidence record has in the signed payload
	// (DecodeStatement), hashed instead of encoding the records again.
	records [][]byte
}

// Records returns the bytes each evidence record of a decoded statement
// has in its signed payload (nil for a statement built in memory): the
// records' encoding/json encoding when the payload is as SignReport writes
// it, for results.EvidenceDigestFrom.
func (st *Statement) Records() [][]byte {
	if st.Predicate == nil || len(st.records) != len(st.Predicate.Evidence) {
		return nil
	}
	return st.records
}

// targetIdentity is what a target's subject digest covers.
type targetIdentity struct {
	Target   results.Target `json:"target"`
	Evidence []recordRef    `json:"evidence"`
}

// recordRef names one evidence record by its subject digest.
type recordRef struct {
	ID     string `json:"id"`
	SHA256 string `json:"sha256"`
}

// Subjects lists the subjects a statement about r must have, in order:
//
//   - "suite/<name>": the suite's SHA-256 (Report.Suite.SHA256);
//   - "target/<name>" per target: SHA-256 of the JSON encoding of
//     {"target": <Target>, "evidence": [{"id": <id>, "sha256": <digest>}, ...]}
//     listing the target's identity evidence (records with host or TPM
//     details) by their evidence subject digests;
//   - "evidence/<id>" per evidence record: SHA-256 of the record's JSON
//     encoding (encoding/json of results.Evidence).
func Subjects(r *results.Report) ([]Subject, error) {
	return subjects(r, nil)
}

// subjects is Subjects, hashing records[i] as evidence i's encoding when
// records is not nil (Statement.Records).
func subjects(r *results.Report, records [][]byte) ([]Subject, error) {
	out := make([]Subject, 0, 1+len(r.Targets)+len(r.Evidence))
	out = append(out, Subject{Name: "suite/" + r.Suite.Name, Digest: map[string]string{"sha256": r.Suite.SHA256}})
	digests := make([]string, len(r.Evidence))
	for i := range r.Evidence {
		if records != nil {
			sum := sha256.Sum256(records[i])
			digests[i] = hex.EncodeToString(sum[:])
			continue
		}
		d, err := jsonSHA256(&r.Evidence[i])
		if err != nil {
			return nil, fmt.Errorf("encoding evidence %s: %w", r.Evidence[i].ID, err)
		}
		digests[i] = d
	}
	for _, t := range r.Targets {
		id := targetIdentity{Target: t, Evidence: []recordRef{}}
		for i := range r.Evidence {
			e := &r.Evidence[i]
			if e.Target == t.Name && (e.Host != nil || e.TPM != nil) {
				id.Evidence = append(id.Evidence, recordRef{ID: e.ID, SHA256: digests[i]})
			}
		}
		d, err := jsonSHA256(id)
		if err != nil {
			return nil, fmt.Errorf("encoding identity of target %s: %w", t.Name, err)
		}
		out = append(out, Subject{Name: "target/" + t.Name, Digest: map[string]string{"sha256": d}})
	}
	for i := range r.Evidence {
		out = append(out, Subject{Name: "evidence/" + r.Evidence[i].ID, Digest: map[string]string{"sha256": digests[i]}})
	}
	return out, nil
}

func jsonSHA256(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// NewStatement builds the in-toto statement for r.
func NewStatement(r *results.Report) (*Statement, error) {
	subs, err := Subjects(r)
	if err != nil {
		return nil, err
	}
	return &Statement{Type: intoto.StatementTypeUri, Subject: subs, PredicateType: PredicateType, Predicate: r}, nil
}

// ValidateStatement checks the statement's header with the in-toto v1
// bindings (type, subjects with well-formed digests, predicateType) and that
// it is ours.
func ValidateStatement(st *Statement) error {
	pb := &intoto.Statement{Type: st.Type, PredicateType: st.PredicateType, Predicate: &structpb.Struct{}}
	for _, s := range st.Subject {
		pb.Subject = append(pb.Subject, &intoto.ResourceDescriptor{Name: s.Name, Digest: s.Digest})
	}
	if err := pb.Validate(); err != nil {
		return fmt.Errorf("validating in-toto statement: %w", err)
	}
	if st.Type != intoto.StatementTypeUri {
		return fmt.Errorf("statement _type %q, want %q", st.Type, intoto.StatementTypeUri)
	}
	if st.PredicateType != PredicateType {
		return fmt.Errorf("predicateType %q, want %q", st.PredicateType, PredicateType)
	}
	if st.Predicate == nil {
		return errors.New("statement has no predicate")
	}
	return nil
}

// SignReport wraps r in an in-toto statement, signs it as a DSSE envelope
// with k and returns the envelope file's bytes (EncodeEnvelope).
func SignReport(ctx context.Context, r *results.Report, k *Key) ([]byte, error) {
	st, err := NewStatement(r)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encoding statement: %w", err)
	}
	// The bindings validate the header of what we built, the body encodes
	// exactly that; re-reading the body (the predicate as a protobuf Struct)
	// would only cost time.
	if err := ValidateStatement(st); err != nil {
		return nil, err
	}
	env, err := signEnvelope(ctx, k, PayloadType, body)
	if err != nil {
		return nil, fmt.Errorf("signing report: %w", err)
	}
	return EncodeEnvelope(env)
}

// EncodeEnvelope is the one byte encoding of an envelope file: indented
// JSON and a final newline. ParseEnvelope accepts nothing else.
func EncodeEnvelope(env *Envelope) ([]byte, error) {
	if b, ok := appendEnvelope(env); ok {
		return b, nil
	}
	b, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding envelope: %w", err)
	}
	return append(b, '\n'), nil
}

// appendEnvelope writes what json.MarshalIndent(env, "", "  ") and a
// newline do, without its scans and copies of the long payload, for an
// envelope with signatures whose every string is plain ASCII that JSON
// does not escape (as signing makes them); ok is false for any other, which
// EncodeEnvelope leaves to encoding/json. TestEncodeEnvelopeIsMarshalIndent
// holds the two alike.
func appendEnvelope(env *Envelope) (b []byte, ok bool) {
	if len(env.Signatures) == 0 || !plainJSON(env.PayloadType) || !plainJSON(env.Payload) {
		return nil, false
	}
	n := len(env.PayloadType) + len(env.Payload) + 64
	for _, s := range env.Signatures {
		if !plainJSON(s.KeyID) || !plainJSON(s.Sig) {
			return nil, false
		}
		n += len(s.KeyID) + len(s.Sig) + 48
	}
	b = make([]byte, 0, n)
	b = append(append(append(b, "{\n  \"payloadType\": \""...), env.PayloadType...), "\",\n  \"payload\": \""...)
	b = append(append(b, env.Payload...), "\",\n  \"signatures\": ["...)
	for i, s := range env.Signatures {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(append(append(b, "\n    {\n      \"keyid\": \""...), s.KeyID...), "\",\n      \"sig\": \""...)
		b = append(append(b, s.Sig...), "\"\n    }"...)
	}
	return append(b, "\n  ]\n}\n"...), true
}

// plainJSON says whether encoding/json writes s as is between quotes.
func plainJSON(s string) bool {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// IsEnvelope reports whether data looks like a DSSE envelope rather than a
// plain report: a JSON object whose first field is "payloadType", as
// EncodeEnvelope writes it. It does not validate anything.
func IsEnvelope(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n")
	if len(t) == 0 || t[0] != '{' {
		return false
	}
	t = bytes.TrimLeft(t[1:], " \t\r\n")
	return bytes.HasPrefix(t, []byte(`"payloadType"`))
}
