package sign

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/results/internal/testreport"
)

// A decoded statement's records are its evidence records' encoding/json
// encodings, byte for byte: what subjects and evidence digests hash
// instead of encoding every record again.
func TestRecordsAreTheRecordsEncodings(t *testing.T) {
	data, k := signFixture(t, KeyEd25519)
	st, err := openSigned(data, []*PublicKey{k.Public()})
	if err != nil {
		t.Fatal(err)
	}
	recs := st.Records()
	if len(recs) != len(st.Predicate.Evidence) || len(recs) == 0 {
		t.Fatalf("%d records for %d evidence records", len(recs), len(st.Predicate.Evidence))
	}
	for i := range recs {
		want, err := json.Marshal(&st.Predicate.Evidence[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(recs[i], want) {
			t.Errorf("record %d:\n%s\nencodes as\n%s", i, recs[i], want)
		}
	}
	if built, _ := NewStatement(testreport.Fixture(t)); built.Records() != nil {
		t.Error("a statement built in memory has records")
	}
}

// A record re-encoded after signing — the same values in other bytes, here
// a key spelled with an escape — is not the record the subjects (and a TPM
// quote's evidence digest) were computed over: refused, where decoding and
// encoding again would have hidden the change.
func TestReencodedRecordIsRefused(t *testing.T) {
	_, k := signFixture(t, KeyEd25519)
	st, _ := NewStatement(testreport.Fixture(t))
	body, _ := json.Marshal(st)
	i := bytes.Index(body, []byte(`"evidence":[`))
	j := bytes.Index(body[i:], []byte(`"target":`))
	if i < 0 || j < 0 {
		t.Fatal("the fixture has no evidence record with a target")
	}
	forged := append(append(append([]byte{}, body[:i+j]...), `"targe\u0074":`...), body[i+j+len(`"target":`):]...)
	var a, b Statement
	if json.Unmarshal(body, &a) != nil || json.Unmarshal(forged, &b) != nil || a.Predicate.Evidence[0].Target != b.Predicate.Evidence[0].Target {
		t.Fatal("the re-encoded payload does not decode to the same report")
	}
	_, err := openSigned(mustSignBody(t, k, forged), []*PublicKey{k.Public()})
	if err == nil || !strings.Contains(err.Error(), "subject evidence/") {
		t.Errorf("error %v, want the re-encoded record's subject refused", err)
	}
}
