package sign

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
)

// FuzzParsePublicKey feeds the trusted-key parser arbitrary bytes. It must
// never panic, and a key it accepts must be an Ed25519 or P-256 key whose
// id is the id of what the PEM block encodes (a lying key file cannot pass
// under another key's id).
func FuzzParsePublicKey(f *testing.F) {
	for _, kt := range []KeyType{KeyEd25519, KeyECDSAP256} {
		k, err := GenerateKey(kt)
		if err != nil {
			f.Fatal(err)
		}
		der, err := x509.MarshalPKIXPublicKey(k.Public().Key)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte("not a key"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePublicKey("fuzz.pub", b)
		if err != nil {
			return
		}
		blk, _ := pem.Decode(b)
		key, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			t.Fatalf("accepted a key x509 cannot parse: %v", err)
		}
		id, err := KeyID(key)
		if err != nil || id != p.ID {
			t.Fatalf("key id %q, the block's key has %q (%v)", p.ID, id, err)
		}
	})
}
