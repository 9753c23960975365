package landmarks

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/internal/strictjson"
)

// Read reads and checks a landmark file, plain or signed (a DSSE envelope
// whose payload is an in-toto statement with the Set as predicate), no
// larger than lim's list-bytes bound (the whole Atlas anchor list is about
// 1 MB as a landmark file); the read stops when ctx is done. The signature
// is NOT checked here; the landmarks are checked against the digest the
// file states. Errors name the file.
func Read(ctx context.Context, path string, lim limits.Limits) (*Set, error) {
	data, err := lim.ReadFile(ctx, limits.ListBytes, path)
	if err != nil {
		return nil, fmt.Errorf("reading landmark file: %w", err)
	}
	s, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// envelope and statement are the parts of a signed landmark file Parse
// needs; the signature is checked elsewhere (results/sign).
type envelope struct {
	PayloadType string `json:"payloadType"`
	Payload     string `json:"payload"`
	Signatures  []struct {
		KeyID string `json:"keyid"`
		Sig   string `json:"sig"`
	} `json:"signatures"`
}

// Statement is the in-toto statement of a signed landmark file.
type Statement struct {
	Type          string    `json:"_type"`
	Subject       []Subject `json:"subject"`
	PredicateType string    `json:"predicateType"`
	Predicate     *Set      `json:"predicate"`
}

// Subject is an in-toto ResourceDescriptor: the signed landmark file's
// one subject is "landmarks/<source>" with the landmarks' digest.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// Parse decodes a landmark file's bytes, plain or signed, strictly
// (duplicate keys, unknown fields and trailing data are errors), and
// checks it (Set.Check). A signed file's subject must carry the digest.
func Parse(data []byte) (*Set, error) {
	if !isEnvelope(data) {
		var s Set
		if err := strictjson.Decode(data, &s); err != nil {
			return nil, fmt.Errorf("decoding landmark file: %w", err)
		}
		return &s, s.Check()
	}
	st, err := ParseStatement(data)
	if err != nil {
		return nil, err
	}
	return st.Predicate, nil
}

// ParseStatement decodes a signed landmark file's statement WITHOUT checking
// its signature, and checks the statement: our predicate type, one subject
// whose digest is the landmarks' digest, a valid Set.
func ParseStatement(data []byte) (*Statement, error) {
	var env envelope
	if err := strictjson.Decode(data, &env); err != nil {
		return nil, fmt.Errorf("decoding envelope: %w", err)
	}
	if env.PayloadType != "application/vnd.in-toto+json" {
		return nil, fmt.Errorf("envelope payloadType %q, want application/vnd.in-toto+json", env.PayloadType)
	}
	payload, err := base64.StdEncoding.Strict().DecodeString(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("envelope payload: %w", err)
	}
	return DecodeStatement(payload)
}

// DecodeStatement decodes a signed landmark file's payload (the in-toto
// statement) strictly and checks it as ParseStatement does.
func DecodeStatement(payload []byte) (*Statement, error) {
	var st Statement
	if err := strictjson.Decode(payload, &st); err != nil {
		return nil, fmt.Errorf("decoding statement: %w", err)
	}
	switch {
	case st.PredicateType != PredicateType:
		return nil, fmt.Errorf("predicateType %q, want %q", st.PredicateType, PredicateType)
	case st.Predicate == nil:
		return nil, errors.New("statement has no predicate")
	case len(st.Subject) != 1 || len(st.Subject[0].Digest) != 1:
		return nil, errors.New("statement: want one subject with one sha256 digest")
	}
	if err := st.Predicate.Check(); err != nil {
		return nil, err
	}
	if got := st.Subject[0].Digest["sha256"]; got != st.Predicate.SHA256 {
		return nil, &DigestError{Field: "subject " + st.Subject[0].Name, Want: got, Got: st.Predicate.SHA256}
	}
	return &st, nil
}

// SubjectOf is the one subject a signed landmark file's statement names.
func SubjectOf(s *Set) Subject {
	return Subject{Name: "landmarks/" + s.Source, Digest: map[string]string{"sha256": s.SHA256}}
}

// isEnvelope reports whether data is a JSON object with a payloadType: a
// DSSE envelope rather than a plain landmark file.
func isEnvelope(data []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return false
	}
	_, ok := top["payloadType"]
	return ok
}

// NewStatement is the in-toto statement that signs a landmark file: one
// subject (SubjectOf) and the set as predicate.
func NewStatement(s *Set) *Statement {
	return &Statement{Type: "https://in-toto.io/Statement/v1", Subject: []Subject{SubjectOf(s)}, PredicateType: PredicateType, Predicate: s}
}
