package rtt

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/landmarks"
)

// A landmark file's landmark is measured only with the methods it
// answers: an anchor that answers ICMP echo alone gets an icmp series and
// no tcp series that would only lose samples.
func TestRTTProbeMeasuresAnchorsWithWhatTheyAnswer(t *testing.T) {
	set, err := landmarks.NewSet("https://atlas.example/api/v2/anchors/", time.Unix(1.7e9, 0), []landmarks.Landmark{
		{Name: "lo.anchors", Country: "LU", Lat: 49.61, Lon: 6.13, IPv4: "127.0.0.1", Answers: []string{"icmp"}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(set)
	path := filepath.Join(t.TempDir(), "anchors.json")
	os.WriteFile(path, b, 0o644)
	d := runRTT(t, fmt.Sprintf("methods: [tcp, icmp]\ncount: 3\ninterval: 1ms\nlandmark_set: {file: %s, names: [lo.anchors]}\n", path))
	if len(d.Landmarks) != 1 || d.Landmarks[0].Method != "icmp" || len(d.Landmarks[0].Samples) != 3 {
		t.Fatalf("series %+v", d.Landmarks)
	}
	if !strings.Contains(d.LandmarkSource, set.SHA256) || !strings.Contains(d.LandmarkSource, "1 by name") {
		t.Errorf("evidence names its landmarks as %q", d.LandmarkSource)
	}
}
