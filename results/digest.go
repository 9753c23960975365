package results

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// evidenceDigestTag separates this digest's domain from every other SHA-256
// the harness computes.
const evidenceDigestTag = "sovbench.evidence-digest/v1\n"

// EvidenceDigest is the digest a TPM quote or a TEE report on target binds
// that target's evidence to: the quote's nonce (the report's REPORT_DATA) is
// SHA-256(verifier nonce ‖ EvidenceDigest(r, target)). See EvidenceDigestOf
// for the exact encoding.
func EvidenceDigest(r *Report, target string) []byte {
	return EvidenceDigestOf(r.RunID, r.Suite.SHA256, target, r.Evidence)
}

// EvidenceDigestOf computes the evidence digest from its parts, so a runner
// can compute it before the report is complete: once every non-binding probe of
// the target has finished, pass the evidence gathered so far (records of
// other targets are ignored). It is SHA-256 over
//
//	"sovbench.evidence-digest/v1\n" ‖ runID ‖ "\n" ‖ suiteSHA256 ‖ "\n" ‖
//	target ‖ "\n" ‖
//	for each record of target, sorted by ID: uint64 big-endian len(J) ‖ J
//
// where J is the record's encoding/json encoding (json.Marshal of
// results.Evidence) and the records that bind evidence (IsBindingEvidence:
// the TPM and TEE families) are left out: a quote cannot cover itself, and
// a TPM quote and a TEE report of the same target bind the same digest.
// Records measured from outside the host (IsOutsideEvidence) are left out
// too: the host never saw them, and the report's signature covers them.
// Per target, so each target's quote can be taken as soon as that
// target's other probes are done; sorting by ID makes the digest independent
// of the order in which probes finished. A record whose destinations are a
// Stream is hashed in its WriteEvidenceJSON bytes, which are its
// json.Marshal encoding with the Stream's destinations.
func EvidenceDigestOf(runID, suiteSHA256, target string, evidence []Evidence) []byte {
	return EvidenceDigestFrom(runID, suiteSHA256, target, evidence, nil)
}

// EvidenceDigestFrom is EvidenceDigestOf where encoded, if not nil, holds
// each record's encoding/json encoding (encoded[i] for evidence[i]), such
// as the bytes a signed report carries it in: a verifier hashes those
// instead of encoding every record again. A record encoded otherwise than
// when the quote was taken fails to match, as an edited one does.
func EvidenceDigestFrom(runID, suiteSHA256, target string, evidence []Evidence, encoded [][]byte) []byte {
	if encoded != nil && len(encoded) != len(evidence) {
		encoded = nil
	}
	recs := make([]int, 0, len(evidence))
	for i := range evidence {
		if evidence[i].Target == target && !IsBindingEvidence(&evidence[i]) && !IsOutsideEvidence(&evidence[i]) {
			recs = append(recs, i)
		}
	}
	slices.SortStableFunc(recs, func(a, b int) int { return strings.Compare(evidence[a].ID, evidence[b].ID) })
	h := sha256.New()
	h.Write([]byte(evidenceDigestTag + runID + "\n" + suiteSHA256 + "\n" + target + "\n"))
	var n [8]byte
	for _, i := range recs {
		var j []byte
		var err error
		switch {
		case encoded != nil:
			j = encoded[i]
		case evidence[i].Egress != nil && evidence[i].Egress.Stream != nil:
			// Hashed as it is written, never held whole: its length
			// first, then its bytes.
			if err = hashStreamed(h, &evidence[i]); err == nil {
				continue
			}
			j = []byte("unencodable: " + err.Error())
		default:
			if j, err = json.Marshal(&evidence[i]); err != nil {
				// Evidence holds only plain data; a failure here is a bug in a
				// details type, and hashing the error text keeps the digest
				// deterministic and mismatching.
				j = []byte("unencodable: " + err.Error())
			}
		}
		binary.BigEndian.PutUint64(n[:], uint64(len(j)))
		h.Write(n[:])
		h.Write(j)
	}
	return h.Sum(nil)
}

// IsTPMEvidence reports whether e belongs to the TPM family, whose records
// the evidence digest leaves out.
func IsTPMEvidence(e *Evidence) bool {
	return e.TPM != nil || strings.HasPrefix(e.Probe, "tpm")
}

// IsTEEEvidence reports whether e belongs to the TEE family (SEV-SNP, TDX).
func IsTEEEvidence(e *Evidence) bool {
	return e.TEE != nil || strings.HasPrefix(e.Probe, "tee")
}

// IsBindingEvidence reports whether e binds the rest of its target's
// evidence (TPM quote, TEE report), so the evidence digest leaves it out.
func IsBindingEvidence(e *Evidence) bool {
	return IsTPMEvidence(e) || IsTEEEvidence(e)
}

// IsOutsideEvidence reports whether e was measured from outside the host
// (the inbound family: round trips towards it; canary: what the
// auditor's far ends recorded), not by its agent. It goes
// by the probe alone: details an agent attached to another probe's record
// must not take that record out of the digest its quote binds.
func IsOutsideEvidence(e *Evidence) bool {
	return e.Probe == "inbound" || e.Probe == "canary"
}

// hashStreamed writes a streamed record to h as the digest takes a record:
// uint64 big-endian length, then the bytes, both from WriteEvidenceJSON
// (counted in a first pass, hashed in a second).
func hashStreamed(h io.Writer, e *Evidence) error {
	var c countingWriter
	if err := WriteEvidenceJSON(&c, e); err != nil {
		return err
	}
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(c.n))
	h.Write(n[:])
	hw := &countingWriter{w: h}
	if err := WriteEvidenceJSON(hw, e); err != nil {
		return err
	}
	if hw.n != c.n {
		return fmt.Errorf("evidence %s: %d bytes hashed, %d counted", e.ID, hw.n, c.n)
	}
	return nil
}
