package rtt

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
	"gopkg.in/yaml.v3"
)

// echoServers starts a TCP listener and a UDP echo server on loopback and
// returns their ports.
func echoServers(t *testing.T) (tcpPort, udpPort int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			n, peer, err := pc.ReadFromUDP(buf)
			if err != nil {
				return
			}
			pc.WriteToUDP(buf[:n], peer)
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port, pc.LocalAddr().(*net.UDPAddr).Port
}

func runRTT(t *testing.T, params string) results.RTTDetails {
	t.Helper()
	p, err := newRTT(yamlDecoder(params))
	if err != nil {
		t.Fatalf("params: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ev, err := p.Run(ctx, probes.Target{Name: "local", Kind: "local"})
	if err != nil {
		t.Fatal(err)
	}
	if ev.RTT == nil {
		t.Fatal("no rtt details")
	}
	return *ev.RTT
}

func TestRTTLoopback(t *testing.T) {
	tcpPort, udpPort := echoServers(t)
	closed := closedPort(t, "tcp")
	_, closedTCP, _ := net.SplitHostPort(closed)
	for _, tc := range []struct {
		name   string
		method string
		port   string
		lost   int
		class  results.FailureClass
	}{
		{"TCP connect to a listener answers every sample", "tcp", fmt.Sprint(tcpPort), 0, ""},
		{"UDP echo answers every sample", "udp", fmt.Sprint(udpPort), 0, ""},
		{"ICMP echo to loopback is answered by the kernel", "icmp", "0", 0, ""},
		{"TCP connect to a closed port loses every sample as refused", "tcp", closedTCP, 5, results.ClassRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := runRTT(t, fmt.Sprintf(`methods: [%s]
count: 5
interval: 2ms
sample_timeout: 1s
landmarks:
  - {name: here, address: 127.0.0.1, lat: 49.787, lon: 6.068, tcp_port: %s, udp_port: %s}
  - {name: "Bissen,LU", address: 127.0.0.1, tcp_port: %[2]s, udp_port: %[3]s}
`, tc.method, tc.port, tc.port))
			if len(d.Landmarks) != 2 {
				t.Fatalf("want 2 series, got %d", len(d.Landmarks))
			}
			lm := d.Landmarks[1]
			if lm.Lat != 49.7873 || lm.Country != "LU" {
				t.Errorf("catalogue landmark resolved to %v,%v %s", lm.Lat, lm.Lon, lm.Country)
			}
			for _, l := range d.Landmarks {
				if l.Lost != tc.lost || len(l.Samples)+l.Lost != 5 || l.Summary.N != len(l.Samples) {
					t.Fatalf("%s: lost %d of %d samples (want %d lost), summary n=%d", l.Name, l.Lost, len(l.Samples)+l.Lost, tc.lost, l.Summary.N)
				}
				if tc.class != "" && (l.Failure == nil || l.Failure.Class != tc.class) {
					t.Fatalf("%s: failure %v, want class %s", l.Name, l.Failure, tc.class)
				}
				if tc.lost == 0 && (l.Summary.Min <= 0 || l.Summary.Min > l.Summary.P50 || l.Summary.P50 > l.Summary.P90) {
					t.Fatalf("%s: bad summary %+v", l.Name, l.Summary)
				}
			}
			if d.Overhead <= 0 {
				t.Errorf("overhead %v, want a measured value", d.Overhead)
			}
			if tc.lost == 0 && (d.Location == nil || d.Location.Empty || d.Location.AreaKm2 <= 0) {
				t.Errorf("location %+v", d.Location)
			}
		})
	}
}

func TestRTTPacesSamples(t *testing.T) {
	tcpPort, _ := echoServers(t)
	began := time.Now()
	runRTT(t, fmt.Sprintf("count: 5\ninterval: 40ms\nlandmarks: [{name: x, address: 127.0.0.1, lat: 1, lon: 1, tcp_port: %d}]\n", tcpPort))
	// Four intervals separate five samples.
	if took := time.Since(began); took < 160*time.Millisecond {
		t.Fatalf("5 samples 40ms apart took %v", took)
	}
}

func TestRTTParams(t *testing.T) {
	for _, tc := range []struct {
		name, params, err string
	}{
		{"a probe without landmarks is refused", "count: 3\n", "landmarks: needs at least one landmark"},
		{"an unknown method is named", "methods: [sctp]\nlandmarks: [{name: a, address: 127.0.0.1, lat: 1, lon: 1}]\n", `methods[0]: unknown method "sctp" (known: tcp, udp, icmp)`},
		{"a host name as address is refused", "landmarks: [{name: a, address: example.org, lat: 1, lon: 1}]\n", `landmarks[0]: address: "example.org" is not an IP address`},
		{"a landmark outside the catalogue needs coordinates", "landmarks: [{name: Atlantis, address: 127.0.0.1}]\n", `landmarks[0]: name: "Atlantis" is not in the landmark catalogue; give lat and lon`},
		{"half a position is refused", "landmarks: [{name: a, address: 127.0.0.1, lat: 1}]\n", "landmarks[0]: lat, lon: give both or neither"},
		{"a latitude beyond the pole is refused", "landmarks: [{name: a, address: 127.0.0.1, lat: 91, lon: 1}]\n", "landmarks[0]: lat, lon: 91, 1 is not a position"},
		{"zero samples is refused", "count: 0\nlandmarks: [{name: a, address: 127.0.0.1, lat: 1, lon: 1}]\n", "count: 0 is not between 1 and 10000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newRTT(yamlDecoder(tc.params))
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
		})
	}
}

func TestRTTCalibration(t *testing.T) {
	tcpPort, _ := echoServers(t)
	lm := func(name string) string {
		return fmt.Sprintf("  - {name: %q, address: 127.0.0.1, tcp_port: %d}\n", name, tcpPort)
	}
	t.Run("calibration pairs give the region a calibrated mode", func(t *testing.T) {
		d := runRTT(t, "count: 3\ninterval: 1ms\nlandmarks:\n"+lm("Bissen,LU")+lm("Luxembourg,LU")+lm("Ettelbruck,LU")+
			"calibration:\n  - {from: \"Bissen,LU\", to: \"Luxembourg,LU\", rtt: 2ms}\n  - {from: \"Bissen,LU\", to: \"Ettelbruck,LU\", rtt: 1ms}\n  - {from: \"Luxembourg,LU\", to: \"Ettelbruck,LU\", rtt: 3ms}\n")
		if d.Location == nil || d.Location.Mode != "calibrated" {
			t.Fatalf("location %+v", d.Location)
		}
	})
	t.Run("a pair naming an unknown landmark is refused", func(t *testing.T) {
		_, err := newRTT(yamlDecoder("landmarks:\n" + lm("Bissen,LU") + "calibration: [{from: \"Bissen,LU\", to: Paris, rtt: 2ms}]\n"))
		if err == nil || err.Error() != "calibration[0]: Bissen,LU and Paris must both be landmarks of the probe" {
			t.Fatalf("error %v", err)
		}
	})
}

// newRTT builds the probe from parameters decoded as a suite decodes them:
// the kind's defaults, then decode, then Validate.
func newRTT(decode probes.Decoder) (probes.Probe, error) {
	p, err := probes.DecodeParams(probes.RTTName, decode)
	if err != nil {
		return nil, err
	}
	return New(*p.(*probes.RTTParams))
}

func yamlDecoder(text string) probes.Decoder {
	return func(v any) error {
		dec := yaml.NewDecoder(strings.NewReader(text))
		dec.KnownFields(true)
		return dec.Decode(v)
	}
}

// closedPort returns a loopback TCP address nothing listens on.
func closedPort(t *testing.T, network string) string {
	t.Helper()
	l, err := net.Listen(network, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
