package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// streamFixture is an egress record of n destinations whose strings need
// escaping, and the same record with its destinations as a Stream.
func streamFixture(n int) (whole, streamed Evidence) {
	whole = Evidence{ID: "t/egress", Probe: "egress", Target: "t", Start: time.Unix(1, 0).UTC(),
		Egress: &EgressDetails{RunToken: `"destinations":null <&>`, Proxy: "http://x/?a=<b>",
			DNS: []DNSCheck{{Kind: "external", Name: "x."}}, Summary: EgressSummary{Destinations: n},
			Destinations: []EgressDestination{}}} // a Stream's list is never null
	for i := range n {
		whole.Egress.Destinations = append(whole.Egress.Destinations, EgressDestination{Host: fmt.Sprintf("198.18.0.%d", i%250), Port: i,
			Protocol: "tcp", Category: "<cat&>", Tried: true, Attempts: []EgressAttempt{{Method: "tcp", Class: "refused",
				Failure: &Failure{Class: "refused", Operation: "connect", Message: "dial tcp: <refused>"}}}})
	}
	eg := *whole.Egress
	eg.Destinations, eg.Stream = nil, sliceStream(whole.Egress.Destinations)
	streamed = whole
	streamed.Egress = &eg
	return whole, streamed
}

// A record written a destination at a time, from its list or its Stream,
// is the encoding json.Marshal gives the whole record (HTML escaping and all).
func TestWriteEvidenceJSONIsTheMarshalledRecord(t *testing.T) {
	for _, n := range []int{0, 3, streamFrom, 1000} {
		whole, streamed := streamFixture(n)
		want, err := json.Marshal(&whole)
		if err != nil {
			t.Fatal(err)
		}
		for name, ev := range map[string]Evidence{"list": whole, "stream": streamed} {
			var got bytes.Buffer
			if err := WriteEvidenceJSON(&got, &ev); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Fatalf("%d destinations from the %s: written\n%.300s\nwant\n%.300s", n, name, got.Bytes(), want)
			}
		}
		if len(whole.Egress.Destinations) != n || streamed.Egress.Stream.Len() != n {
			t.Fatalf("the caller's record lost its destinations")
		}
	}
}

// The digest of a record whose destinations are a Stream is the digest of
// the same record with them as its list, the one a verifier computes from
// the report; a changed destination changes it.
func TestEvidenceDigestHashesAStreamAsItsList(t *testing.T) {
	whole, streamed := streamFixture(300)
	other := Evidence{ID: "t/a", Probe: "host", Target: "t"}
	want := EvidenceDigestOf("run", "sum", "t", []Evidence{whole, other})
	if got := EvidenceDigestOf("run", "sum", "t", []Evidence{streamed, other}); !bytes.Equal(got, want) {
		t.Fatalf("streamed digest %x, want %x", got, want)
	}
	edited := append(sliceStream(nil), whole.Egress.Destinations...)
	edited[299].Port++
	streamed.Egress.Stream = edited
	if got := EvidenceDigestOf("run", "sum", "t", []Evidence{streamed, other}); bytes.Equal(got, want) {
		t.Fatal("an edited destination left the digest as it was")
	}
}
