package probes

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/landmarks"
)

// writeLandmarkFile writes a landmark file of lms and returns its path and
// the landmarks' digest.
func writeLandmarkFile(t *testing.T, lms []landmarks.Landmark) (string, string) {
	t.Helper()
	set, err := landmarks.NewSet("https://atlas.example/api/v2/anchors/", time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), lms, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(set)
	path := filepath.Join(t.TempDir(), "anchors.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, set.SHA256
}

func decodeRTT(t *testing.T, text string) (*RTTParams, error) {
	t.Helper()
	p, err := DecodeParams(RTTName, func(v any) error {
		dec := yaml.NewDecoder(strings.NewReader(text))
		dec.KnownFields(true)
		return dec.Decode(v)
	})
	if err != nil {
		return nil, err
	}
	return p.(*RTTParams), nil
}

func TestLandmarkSetParams(t *testing.T) {
	cert := "3 0 1 " + strings.Repeat("ab", 32)
	path, digest := writeLandmarkFile(t, []landmarks.Landmark{
		{Name: "lu-lux.anchors", Country: "LU", Lat: 49.61, Lon: 6.13, IPv4: "192.0.2.1", IPv6: "2001:db8::1", Answers: []string{"icmp", "tcp/80", "tcp/443"}, TLSA: cert},
		{Name: "de-fra.anchors", Country: "DE", Lat: 50.11, Lon: 8.68, IPv4: "192.0.2.2", Answers: []string{"tcp/80"}},
		{Name: "us-ash.anchors", Country: "US", Lat: 39.04, Lon: -77.49, IPv4: "192.0.2.3", Answers: []string{"icmp"}},
	})
	p, err := decodeRTT(t, "methods: [icmp, tcp]\nlandmark_set: {file: "+path+", sha256: "+digest+", nearest: {to: Luxembourg, n: 2}, far: {n: 1, min_km: 3000}}\n")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("anchors become landmarks measured with what they answer", func(t *testing.T) {
		if len(p.Landmarks) != 3 || p.LandmarkSet != nil || !strings.Contains(p.LandmarkSource, digest) {
			t.Fatalf("landmarks %+v, set %v, source %q", p.Landmarks, p.LandmarkSet, p.LandmarkSource)
		}
		lux, fra := p.Landmarks[0], p.Landmarks[1]
		if lux.TCPPort != 443 || !lux.Answers("icmp") || !lux.Answers("tcp") || lux.Answers("udp") || lux.TLS == nil ||
			lux.TLS.Port != 443 || lux.TLS.ServerName != "lu-lux.anchors" || !strings.HasPrefix(lux.TLS.Pins[0], "cert-sha256/") {
			t.Errorf("lu-lux: %+v %+v", lux, lux.TLS)
		}
		if fra.TCPPort != 80 || fra.Answers("icmp") || fra.TLS != nil {
			t.Errorf("de-fra answers only tcp/80: %+v", fra)
		}
	})
	t.Run("the plan carries the landmarks, not the file", func(t *testing.T) {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(`"landmark_source"`)) {
			t.Fatalf("the plan does not say where the landmarks came from: %s", b)
		}
		if bytes.Contains(b, []byte(`"landmark_set"`)) {
			t.Fatalf("the file travels in the plan: %s", b)
		}
		os.Remove(path) // the agent's host has no such file
		again, err := DecodeParams(RTTName, func(v any) error {
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			return dec.Decode(v)
		})
		if err != nil {
			t.Fatal(err)
		}
		if r := again.(*RTTParams); len(r.Landmarks) != 3 || r.LandmarkSource != p.LandmarkSource {
			t.Errorf("the agent decoded %+v", r)
		}
	})
}

func TestLandmarkSetErrors(t *testing.T) {
	path, _ := writeLandmarkFile(t, []landmarks.Landmark{
		{Name: "lu-lux.anchors", Country: "LU", Lat: 49.61, Lon: 6.13, IPv4: "192.0.2.1", Answers: []string{"icmp"}},
	})
	for _, tc := range []struct {
		name, params, says string
	}{
		{"a pin of other landmarks", "landmark_set: {file: " + path + ", sha256: " + strings.Repeat("0", 64) + ", nearest: {to: Paris, n: 1}}", "landmark_set: sha256: the landmarks hash to"},
		{"a missing file", "landmark_set: {file: /nonexistent/anchors.json, nearest: {to: Paris, n: 1}}", "landmark_set: file: reading landmark file"},
		{"no rule", "landmark_set: {file: " + path + "}", "landmark_set: needs a rule"},
		{"anchors that answer none of the methods", "methods: [udp]\nlandmark_set: {file: " + path + ", nearest: {to: Paris, n: 1}}", "answers none of the probe's methods [udp]"},
		{"an unknown landmark method", "landmarks: [{name: a, address: 192.0.2.1, lat: 1, lon: 1, methods: [http]}]", `methods[0]: unknown method "http"`},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			_, err := decodeRTT(t, tc.params+"\n")
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v, want %q", err, tc.says)
			}
		})
	}
}
