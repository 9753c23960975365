package landmarks

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/internal/limits"
)

// testLandmarks are anchors at real places (coordinates of their cities).
func testLandmarks() []Landmark {
	mk := func(name, cc string, lat, lon float64, v4 string) Landmark {
		return Landmark{Name: name, Country: cc, Lat: lat, Lon: lon, IPv4: v4, ProbeID: len(name), Answers: []string{"icmp", "tcp/80", "tcp/443"}}
	}
	v6only := mk("de-ber-v6.anchors", "DE", 52.52, 13.405, "")
	v6only.IPv6 = "2001:db8::1"
	return []Landmark{
		mk("lu-lux.anchors", "LU", 49.6117, 6.13, "192.0.2.1"),
		mk("lu-bet.anchors", "LU", 49.68, 6.22, "192.0.2.2"),
		mk("de-fra.anchors", "DE", 50.1109, 8.6821, "192.0.2.3"),
		mk("de-dus.anchors", "DE", 51.2277, 6.7735, "192.0.2.4"),
		mk("de-muc.anchors", "DE", 48.1351, 11.582, "192.0.2.5"),
		v6only,
		mk("fr-par.anchors", "FR", 48.8566, 2.3522, "192.0.2.6"),
		mk("fr-mrs.anchors", "FR", 43.2965, 5.3698, "192.0.2.7"),
		mk("be-bru.anchors", "BE", 50.8505, 4.3488, "192.0.2.8"),
		mk("nl-ams.anchors", "NL", 52.374, 4.8897, "192.0.2.9"),
		mk("us-ash.anchors", "US", 39.0437, -77.4875, "192.0.2.10"),
		mk("us-sjc.anchors", "US", 37.3382, -121.8863, "192.0.2.11"),
		mk("jp-tyo.anchors", "JP", 35.6895, 139.6917, "192.0.2.12"),
		mk("sg-sin.anchors", "SG", 1.2897, 103.8501, "192.0.2.13"),
	}
}

func testSet(t *testing.T) *Set {
	t.Helper()
	s, err := NewSet("https://atlas.example/api/v2/anchors/", time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC), testLandmarks(), []string{"1 disabled anchor left out"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func writeJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "landmarks.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// envelopeOf wraps a set as a signed landmark file would be (the signature
// is not checked by Read, so a placeholder stands in for it).
func envelopeOf(t *testing.T, st Statement) []byte {
	t.Helper()
	payload, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]any{"payloadType": "application/vnd.in-toto+json", "payload": base64.StdEncoding.EncodeToString(payload),
		"signatures": []map[string]string{{"keyid": strings.Repeat("ab", 32), "sig": "c2ln"}}}
	b, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadLandmarkFiles(t *testing.T) {
	set := testSet(t)
	t.Run("a plain file reads back with its digest", func(t *testing.T) {
		got, err := Read(t.Context(), writeJSON(t, set), limits.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if got.SHA256 != set.SHA256 || len(got.Landmarks) != len(set.Landmarks) || got.Landmarks[0].Name != "be-bru.anchors" {
			t.Errorf("read %+v", got)
		}
	})
	t.Run("a signed file reads back through its statement", func(t *testing.T) {
		st := Statement{Type: "https://in-toto.io/Statement/v1", Subject: []Subject{SubjectOf(set)}, PredicateType: PredicateType, Predicate: set}
		got, err := Parse(envelopeOf(t, st))
		if err != nil || got.SHA256 != set.SHA256 {
			t.Fatalf("%v %+v", err, got)
		}
	})
	bad := []struct {
		name string
		data func() []byte
		says string
	}{
		{"a landmark moved after the fetch breaks the digest", func() []byte {
			s := *set
			s.Landmarks = slices.Clone(s.Landmarks)
			s.Landmarks[3].Lat += 1
			b, _ := json.Marshal(s)
			return b
		}, "the landmarks hash to"},
		{"a duplicate key is refused", func() []byte {
			b, _ := json.Marshal(set)
			return append([]byte(`{"format":"x",`), b[1:]...)
		}, "duplicate key"},
		{"an unknown field is refused", func() []byte {
			b, _ := json.Marshal(set)
			return append([]byte(`{"extra":1,`), b[1:]...)
		}, "unknown field"},
		{"trailing data is refused", func() []byte { b, _ := json.Marshal(set); return append(b, "{}"...) }, "after"},
		{"another format is refused", func() []byte {
			s := *set
			s.Format = "sovbench.landmarks/v0"
			b, _ := json.Marshal(s)
			return b
		}, "format"},
		{"a signed file whose subject names other landmarks is refused", func() []byte {
			sub := SubjectOf(set)
			sub.Digest = map[string]string{"sha256": strings.Repeat("0", 64)}
			return envelopeOf(t, Statement{Type: "https://in-toto.io/Statement/v1", Subject: []Subject{sub}, PredicateType: PredicateType, Predicate: set})
		}, "subject landmarks/"},
		{"a signed report is not a landmark file", func() []byte {
			return envelopeOf(t, Statement{Type: "https://in-toto.io/Statement/v1", Subject: []Subject{SubjectOf(set)}, PredicateType: "https://sovbench.dev/report/v2", Predicate: set})
		}, "predicateType"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.data())
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v, want an error saying %q", err, tc.says)
			}
		})
	}
	t.Run("a file over the size limit is refused before decoding", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "big.json")
		max := limits.Limits{}.Max(limits.ListBytes)
		if err := os.WriteFile(path, make([]byte, max+1), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(t.Context(), path, limits.Limits{}); err == nil || !strings.Contains(err.Error(), "is too large") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestLandmarkChecks(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Landmark)
		says string
	}{
		{"no address", func(l *Landmark) { l.IPv4 = "" }, "no address"},
		{"an IPv6 address as ipv4", func(l *Landmark) { l.IPv4 = "2001:db8::1" }, "not an IPv4"},
		{"a lower-case country", func(l *Landmark) { l.Country = "lu" }, "upper-case"},
		{"null island", func(l *Landmark) { l.Lat, l.Lon = 0, 0 }, "not a position"},
		{"an unknown answer", func(l *Landmark) { l.Answers = []string{"udp/7"} }, "answers"},
		{"a broken TLSA record", func(l *Landmark) { l.TLSA = "3 1 1 zz" }, "tlsa"},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			lms := testLandmarks()
			tc.edit(&lms[0])
			_, err := NewSet("src", time.Now(), lms, nil)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v, want %q", err, tc.says)
			}
		})
	}
	t.Run("a name twice is refused", func(t *testing.T) {
		lms := testLandmarks()
		lms[1].Name = lms[0].Name
		if _, err := NewSet("src", time.Now(), lms, nil); err == nil || !strings.Contains(err.Error(), "twice") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestTLSAPins(t *testing.T) {
	hex32 := strings.Repeat("0a", 32)
	for _, tc := range []struct {
		rec, pin string
	}{
		{"_443._tcp.lu-lux.anchors.atlas.ripe.net. IN TLSA 3 1 1 " + hex32, "sha256/CgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgo="},
		{"3 0 1 " + hex32, "cert-sha256/CgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgo="},
		{"1 1 1 " + strings.ToUpper(hex32), "sha256/CgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgo="},
		{"2 1 1 " + hex32, ""}, // a CA constraint names no server key
		{"3 1 2 " + strings.Repeat("0a", 64), ""},
	} {
		l := Landmark{TLSA: tc.rec}
		if got := l.Pin(); got != tc.pin {
			t.Errorf("%q: pin %q, want %q", tc.rec, got, tc.pin)
		}
	}
	for _, rec := range []string{"", "3 1 1", "3 1 1 0a", "TLSA x 1 1 " + hex32, "3 1 300 " + hex32} {
		if _, err := ParseTLSA(rec); err == nil {
			t.Errorf("%q: parsed", rec)
		}
	}
}

func FuzzParse(f *testing.F) {
	set, _ := NewSet("https://atlas.example/api/v2/anchors/", time.Unix(1, 0), testLandmarks(), nil)
	b, _ := json.Marshal(set)
	f.Add(b)
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data)
		if err == nil && s.Check() != nil {
			t.Fatal("Parse accepted a set Check refuses")
		}
	})
}
