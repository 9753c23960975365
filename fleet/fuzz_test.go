package fleet

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sovbench/sovbench/fleet/api"
)

// FuzzSubmitBody posts arbitrary bodies as an enrolled agent: whatever the
// body, the verifier answers 200 or a 4xx refusal with a JSON code, never a
// 5xx or a panic.
func FuzzSubmitBody(f *testing.F) {
	ts := newTestServer(f)
	c := ts.enrolled(f, "fuzz")
	n, err := c.Nonce(f.Context(), "fleet-host")
	if err != nil {
		f.Fatal(err)
	}
	good, _ := json.Marshal(api.Submission{Suite: "fleet-host", Nonce: n.Nonce})
	f.Add(good)
	f.Add([]byte(`{"suite":"fleet-host","nonce":"AAAA","evidence":[{"id":"host/host","probe":"host","target":"host","tpm":{}}]}`))
	f.Add([]byte(`{"suite":1}`))
	f.Add([]byte(`[]`))
	h := ts.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/v1/submit", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+c.Credential)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK {
			return
		}
		var ae api.Error
		if rec.Code >= 500 || json.Unmarshal(rec.Body.Bytes(), &ae) != nil || ae.Code == "" {
			t.Fatalf("status %d body %q for %q", rec.Code, rec.Body.String(), body)
		}
	})
}
