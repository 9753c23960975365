package attest_test

import (
	"bytes"
	"encoding/pem"
	"os"
	"testing"

	. "github.com/sovbench/sovbench/attest"
)

// The store keeps the certificates it parsed, keyed by their full bytes: a
// certificate that differs from a cached one in its last byte (its
// signature) is parsed anew and does not chain, and the genuine one still
// does, before and after.
func TestCertCacheNeverAnswersForOtherBytes(t *testing.T) {
	s := BundledRoots()
	b, err := os.ReadFile("testdata/ekcerts/pca_tpm_rsa_sign_cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	genuine := blk.Bytes
	forged := bytes.Clone(genuine)
	forged[len(forged)-1] ^= 1
	for i, tc := range []struct {
		der    []byte
		chains bool
	}{{genuine, true}, {forged, false}, {genuine, true}, {forged, false}} {
		cert, chains, err := s.VerifyCert(tc.der, at)
		if cert == nil || !bytes.Equal(cert.Raw, tc.der) {
			t.Fatalf("round %d: the certificate returned is not the one given", i)
		}
		if got := err == nil && len(chains) > 0; got != tc.chains {
			t.Fatalf("round %d: chains %t (%v), want %t", i, got, err, tc.chains)
		}
	}
}
