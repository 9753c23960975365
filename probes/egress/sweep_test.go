package egress

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// specsOf is every destination of l, in order.
func specsOf(l *specList) []dest {
	out := make([]dest, l.len())
	for i := range out {
		out[i] = l.at(i)
	}
	return out
}

// A destination with ports is one destination per port, in increasing
// order, between the destinations declared around it; a sweep's coverage
// read a destination at a time is probes.CoverageDestinations, normalised.
func TestSpecListExpandsPortsAndSweepsInOrder(t *testing.T) {
	p, err := newEgress(yamlDecoder(`destinations:
  - {host: 198.18.0.1, port: 22, protocol: tcp}
  - {host: 198.18.0.2, ports: "7,5-6", protocol: udp, category: c, control: true}
  - {host: 198.18.0.3, protocol: https}
sweep: [{host: far.example, category: s, tcp_ports: "40001-40002,22", udp_ports: "50000"}]`))
	if err != nil {
		t.Fatal(err)
	}
	l := p.(*egressProbe).specs
	var want []dest
	for _, d := range []probes.DestinationSpec{
		{Host: "198.18.0.1", Port: 22, Protocol: "tcp", ServerName: "198.18.0.1"},
		{Host: "198.18.0.2", Port: 5, Protocol: "udp", Category: "c", Control: true, ServerName: "198.18.0.2"},
		{Host: "198.18.0.2", Port: 6, Protocol: "udp", Category: "c", Control: true, ServerName: "198.18.0.2"},
		{Host: "198.18.0.2", Port: 7, Protocol: "udp", Category: "c", Control: true, ServerName: "198.18.0.2"},
		{Host: "198.18.0.3", Port: 443, Protocol: "https", ServerName: "198.18.0.3"},
	} {
		want = append(want, dest{DestinationSpec: d})
	}
	cover := probes.CoverageDestinations(probes.SweepSpec{Host: "far.example", Category: "s", TCPPorts: "40001-40002,22", UDPPorts: "50000"})
	for _, d := range cover {
		if err := d.Normalise("sweep"); err != nil {
			t.Fatal(err)
		}
		want = append(want, dest{DestinationSpec: d})
	}
	if got := specsOf(&l); fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Fatalf("destinations\n%+v\nwant\n%+v", got, want)
	}
	if n := len(want) - len(cover); n != 5 {
		t.Fatalf("%d declared destinations, want 5", n)
	}
}

// A streamed sweep (the agent's writer) writes the bytes of the record
// whose destination list is the one Run builds otherwise: plain connects
// kept compactly, others whole, random ports after.
func TestStreamedSweepWritesTheRecordItsListWould(t *testing.T) {
	open, closed := openTCP(t, "127.0.0.1"), closedPort(t, "tcp")
	oh, op := hostPort(t, open)
	ch, cp := hostPort(t, closed)
	p, err := newEgress(yamlDecoder(fmt.Sprintf(`attempt_timeout: 1s
random_ports: 2
destinations:
  - {host: %s, port: %d, protocol: tcp, control: true}
  - {host: %s, ports: "%d,%d", protocol: tcp}
  - {host: %s, port: %d, protocol: http}`, oh, op, ch, cp, op, ch, cp)))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := p.Run(probes.WithStreamedEvidence(context.Background()), probes.Target{Name: "t"})
	if err != nil {
		t.Fatal(err)
	}
	eg := ev.Egress
	if eg.Stream == nil || eg.Destinations != nil {
		t.Fatalf("streamed run: stream %v, list of %d", eg.Stream, len(eg.Destinations))
	}
	list := eg.AllDestinations()
	if len(list) != 6 || !list[0].Reachable || list[1].Port == list[2].Port || list[3].Protocol != "http" || !list[4].RandomPort {
		t.Fatalf("destinations %+v", list)
	}
	var got bytes.Buffer
	if err := results.WriteEvidenceJSON(&got, &ev); err != nil {
		t.Fatal(err)
	}
	whole := *eg
	whole.Stream, whole.Destinations = nil, list
	ev.Egress = &whole
	want, err := json.Marshal(&ev)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("streamed\n%s\nwant\n%s", got.Bytes(), want)
	}
}
