package lab

import (
	"testing"
	"time"
)

// The lab's canary view keeps only the arrivals that carry the token, as
// whole records of where they arrived.
func TestCanaryArrivalsFilterByToken(t *testing.T) {
	at := time.Unix(5, 0).UTC()
	arr := []Arrival{
		{Time: at, Service: "sink", Proto: "udp", Local: "198.19.1.1:4500", Peer: "198.18.3.2:40000", Payload: "SOVBENCH-EGRESS 0123abcd-7\n"},
		{Time: at, Service: "sink", Proto: "udp", Local: "198.19.1.1:4500", Peer: "198.18.3.2:40001", Payload: "SOVBENCH-EGRESS ffffffff-7\n"},
		{Time: at, Service: "sink", Proto: "tcp", Local: "198.19.1.1:22", Peer: "198.18.3.2:40002"},
	}
	got := canaryArrivals(arr, "0123abcd")
	if len(got) != 1 || got[0].Destination != "198.19.1.1:4500" || got[0].Canary != "sink" || got[0].Proto != "udp" || !got[0].Time.Equal(at) {
		t.Fatalf("canary arrivals %+v", got)
	}
	if got := canaryArrivals(arr, ""); len(got) != 0 {
		t.Fatalf("an empty token matched %d arrivals", len(got))
	}
}
