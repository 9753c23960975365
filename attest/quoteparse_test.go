package attest_test

import (
	"reflect"
	"testing"

	"github.com/google/go-tpm/legacy/tpm2"

	. "github.com/sovbench/sovbench/attest"
)

// The hand decoder of quotes reads what go-tpm's decoder reads from a real
// quote (RSA and ECC AK), and refuses every truncation of it and any byte
// after it.
func TestParseQuoteAgreesWithGoTPM(t *testing.T) {
	for _, ecc := range []bool{false, true} {
		req := request(t, "quote parse")
		req.ECCAK = ecc
		d := collectSim(t, req, false)
		q := d.Quotes[0].Quote
		got, err := ParseQuote(q)
		if err != nil {
			t.Fatal(err)
		}
		want, err := tpm2.DecodeAttestationData(q)
		if err != nil {
			t.Fatal(err)
		}
		want.QualifiedSigner = tpm2.Name{} // not read
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("hand decoder %+v\ngo-tpm %+v", got, want)
		}
		for n := range len(q) {
			if _, err := ParseQuote(q[:n]); err == nil {
				t.Fatalf("a quote cut to %d of %d bytes parses", n, len(q))
			}
		}
		if _, err := ParseQuote(append(q[:len(q):len(q)], 0)); err == nil {
			t.Fatal("a quote with a trailing byte parses")
		}
	}
}
