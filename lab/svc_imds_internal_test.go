package lab

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
)

// TestGCEMetadataAnswersRecursiveJSON checks the gce flavour's
// ?recursive=true answer, which the host probe asks for.
func TestGCEMetadataAnswersRecursiveJSON(t *testing.T) {
	svc, err := newIMDS(func(v any) error {
		v.(*imdsParams).Flavour = "gce"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := svc.(*imds)
	cases := []struct {
		name, url string
		status    int
		want      map[string]any
	}{
		{"the instance tree is one object with camelCase keys", "/computeMetadata/v1/instance/?recursive=true&alt=json", 200,
			map[string]any{"id": "1234567890123456789", "zone": "projects/123456789/zones/europe-west1-b",
				"machineType": "projects/123456789/machineTypes/n2-standard-2"}},
		{"the root nests directories", "/computeMetadata/v1/?recursive=true", 200,
			map[string]any{"project": map[string]any{"projectId": "sovbench-lab"}}},
		{"an empty directory is not found", "/computeMetadata/v1/nothing/?recursive=true", 404, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", c.url, nil)
			req.Header.Set("Metadata-Flavor", "Google")
			rec := httptest.NewRecorder()
			s.gce(rec, req)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			if c.want == nil {
				return
			}
			var got map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("not JSON: %v: %s", err, rec.Body)
			}
			for k, v := range c.want {
				if sub, ok := v.(map[string]any); ok {
					gotSub, _ := got[k].(map[string]any)
					for sk, sv := range sub {
						if gotSub[sk] != sv {
							t.Errorf("%s.%s = %v, want %v", k, sk, gotSub[sk], sv)
						}
					}
				} else if got[k] != v {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
			if rec.Header().Get("Metadata-Flavor") != "Google" {
				t.Error("no Metadata-Flavor: Google header")
			}
		})
	}
}
