package sign

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// verify names the real cause of a rejection: a tampered payload under a
// trusted key's signature is "content changed", not "unknown key"; a
// re-formatted file is "re-formatted after signing", not a bare byte
// offset; a stranger's key is "unknown key" with its id. Each cause has
// its own typed error.
func TestRejectionsNameTheirCause(t *testing.T) {
	data, k := signFixture(t, KeyEd25519)
	trusted := []*PublicKey{k.Public()}
	env, err := ParseEnvelope(data)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a flipped verdict is content changed after signing", func(t *testing.T) {
		body, _ := base64.StdEncoding.DecodeString(env.Payload)
		flipped := bytes.Replace(body, []byte(`"status":"fail"`), []byte(`"status":"pass"`), 1)
		if bytes.Equal(flipped, body) {
			flipped = bytes.Replace(body, []byte(`"status":"pass"`), []byte(`"status":"fail"`), 1)
		}
		if bytes.Equal(flipped, body) {
			t.Fatal("the fixture has no verdict to flip")
		}
		tampered := *env
		tampered.Payload = base64.StdEncoding.EncodeToString(flipped)
		file, _ := EncodeEnvelope(&tampered)
		_, err := openSigned(file, trusted)
		var cc *ContentChangedError
		if !errors.As(err, &cc) || cc.KeyID != k.ID || !strings.Contains(err.Error(), "content changed after signing") {
			t.Errorf("error %v, want content changed naming key %s", err, k.ID)
		}
	})
	t.Run("a re-formatted file is named as re-formatted", func(t *testing.T) {
		var v any
		_ = json.Unmarshal(data, &v)
		reformatted, _ := json.MarshalIndent(v, "", "    ")
		_, err := openSigned(reformatted, trusted)
		var nc *NonCanonicalError
		if !errors.As(err, &nc) || !nc.Reformatted || !strings.Contains(err.Error(), "re-formatted after signing") {
			t.Errorf("error %v, want re-formatted", err)
		}
		compact, _ := json.Marshal(v)
		if _, err := openSigned(compact, trusted); !errors.As(err, &nc) || !nc.Reformatted {
			t.Errorf("compacted file: error %v, want re-formatted", err)
		}
	})
	t.Run("a damaged file is non-canonical but not called re-formatted", func(t *testing.T) {
		_, err := openSigned(data[:len(data)-10], trusted)
		var nc *NonCanonicalError
		if !errors.As(err, &nc) || nc.Reformatted {
			t.Errorf("error %v, want non-canonical, not re-formatted", err)
		}
	})
	t.Run("a stranger's key is an unknown key, named in full", func(t *testing.T) {
		other, _ := GenerateKey(KeyEd25519)
		_, err := openSigned(data, []*PublicKey{other.Public()})
		var uk *UnknownSignerError
		if !errors.As(err, &uk) || !strings.Contains(err.Error(), "unknown key "+k.ID) {
			t.Errorf("error %v, want unknown key %s", err, k.ID)
		}
		var cc *ContentChangedError
		if errors.As(err, &cc) {
			t.Error("an untrusted key's report is called changed")
		}
	})
}
