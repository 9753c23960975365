package plan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results"
)

// A record with a large sweep, written a destination at a time, is the
// same line json.Encoder writes whole (HTML escaping and all).
func TestWriteEvidenceStreamsTheSameBytes(t *testing.T) {
	for _, n := range []int{0, 3, 256, 1000} {
		ev := results.Evidence{ID: "t/egress", Probe: "egress", Target: "t", Start: time.Unix(1, 0).UTC(),
			Egress: &results.EgressDetails{RunToken: `"destinations":null <&>`, Proxy: "http://x/?a=<b>",
				DNS: []results.DNSCheck{{Kind: "external", Name: "x."}}, Summary: results.EgressSummary{Destinations: n}}}
		for i := range n {
			ev.Egress.Destinations = append(ev.Egress.Destinations, results.EgressDestination{Host: fmt.Sprintf("198.18.0.%d", i%250), Port: i,
				Protocol: "tcp", Category: "<cat&>", Tried: true, Attempts: []results.EgressAttempt{{Method: "tcp", Class: "refused",
					Failure: &results.Failure{Class: "refused", Operation: "connect", Message: "dial tcp: <refused>"}}}})
		}
		var want, got bytes.Buffer
		if err := json.NewEncoder(&want).Encode(ev); err != nil {
			t.Fatal(err)
		}
		bw := bufio.NewWriter(&got)
		if err := writeEvidence(bw, json.NewEncoder(bw), ev); err != nil {
			t.Fatal(err)
		}
		bw.Flush()
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("%d destinations: streamed line differs:\n%.300s\nwant\n%.300s", n, got.Bytes(), want.Bytes())
		}
		if n > 0 && len(ev.Egress.Destinations) != n {
			t.Fatalf("the caller's record lost its destinations")
		}
	}
}
