package controlplane

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
	"gopkg.in/yaml.v3"
)

// slowServer is a loopback HTTPS server that waits delay before answering.
func slowServer(t *testing.T, delay time.Duration) (*httptest.Server, string) {
	t.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay) // the injected server time
		fmt.Fprint(w, strings.Repeat("x", 64<<10))
	}))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, ca
}

func runControlPlane(t *testing.T, params string) results.ControlPlaneDetails {
	t.Helper()
	p, err := newControlPlane(yamlDecoder(params))
	if err != nil {
		t.Fatalf("params: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ev, err := p.Run(ctx, probes.Target{Name: "local"})
	if err != nil || ev.ControlPlane == nil {
		t.Fatalf("run: %v %+v", err, ev)
	}
	return *ev.ControlPlane
}

func TestControlPlanePhases(t *testing.T) {
	for _, tc := range []struct {
		name   string
		delay  time.Duration
		origin string
	}{
		{"a server that answers at once is local", 0, results.OriginLocal},
		{"a server that waits 40ms fits a remote hop", 40 * time.Millisecond, results.OriginRemote},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, ca := slowServer(t, tc.delay)
			d := runControlPlane(t, fmt.Sprintf("url: %s/api\ncount: 4\ninterval: 1ms\nca_file: %s\nlocal_allowance: 10ms\n", srv.URL, ca))
			if len(d.Requests) != 4 {
				t.Fatalf("%d requests", len(d.Requests))
			}
			for i, r := range d.Requests {
				if r.Failure != nil || r.Status != 200 {
					t.Fatalf("request %d: %v status %d", i, r.Failure, r.Status)
				}
				// Every request opens its own connection and handshake.
				if r.Connect <= 0 || r.TLS <= 0 || r.Transfer <= 0 || r.Processing < results.Duration(tc.delay) {
					t.Fatalf("request %d phases %+v", i, r)
				}
				if r.Total < r.Connect+r.TLS+r.Processing {
					t.Fatalf("request %d: total %v shorter than its phases", i, r.Total)
				}
			}
			if d.ServerTime.D() < tc.delay-d.RTT.D() || d.Origin.Verdict != tc.origin {
				t.Fatalf("server time %v, origin %+v", d.ServerTime, d.Origin)
			}
			if d.CertSubject == "" || !strings.Contains(d.CertIssuer, "Acme") {
				t.Errorf("certificate %q issued by %q", d.CertSubject, d.CertIssuer)
			}
			if d.MaxDistanceKm <= 0 || d.MaxDistanceStrictKm <= d.MaxDistanceKm {
				t.Errorf("distance bounds %v / %v", d.MaxDistanceKm, d.MaxDistanceStrictKm)
			}
		})
	}
}

func TestControlPlaneTLSFailures(t *testing.T) {
	srv, ca := slowServer(t, 0)
	sum := sha256.Sum256(srv.Certificate().RawSubjectPublicKeyInfo)
	good := base64.StdEncoding.EncodeToString(sum[:])
	bad := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for _, tc := range []struct {
		name, params string
		class        results.FailureClass
	}{
		{"a certificate from an unknown CA is intercepted", "", results.ClassTLSIntercepted},
		{"a key that matches no pin is intercepted", "ca_file: " + ca + "\npins: [" + bad + "]\n", results.ClassTLSIntercepted},
		{"a key that matches its pin is accepted", "ca_file: " + ca + "\npins: [" + good + "]\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := runControlPlane(t, "url: "+srv.URL+"\ncount: 1\n"+tc.params)
			f := d.Requests[0].Failure
			switch {
			case tc.class == "" && f != nil:
				t.Fatalf("failure %v", f)
			case tc.class != "" && (f == nil || f.Class != tc.class):
				t.Fatalf("failure %v, want %s", f, tc.class)
			case tc.class != "" && d.Origin.Verdict != results.OriginUnknown:
				t.Fatalf("origin %+v without a successful request", d.Origin)
			}
		})
	}
}

func TestOriginOf(t *testing.T) {
	for _, tc := range []struct {
		name           string
		rtt, server    time.Duration
		trips          int
		verdict        string
		frontKm, hopKm float64
	}{
		{"a near front end with a quick server is local", time.Millisecond, 2 * time.Millisecond, 1, results.OriginLocal, 99.9, 0},
		{"a near front end waiting 60ms on a backend fits a 6000 km hop", time.Millisecond, 60 * time.Millisecond, 1, results.OriginRemote, 99.9, 5995.8},
		{"60ms for a backend exchange of two round trips fits a 3000 km hop, not 6000", time.Millisecond, 60 * time.Millisecond, 2, results.OriginRemote, 99.9, 2997.9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := OriginOf(tc.rtt, tc.server, 10*time.Millisecond, tc.trips)
			if o.Verdict != tc.verdict || o.FrontEndKm != tc.frontKm || o.RemoteHopKm != tc.hopKm {
				t.Fatalf("got %+v", o)
			}
		})
	}
}

// newControlPlane builds the probe from parameters decoded as a suite
// decodes them: the kind's defaults, then decode, then Validate.
func newControlPlane(decode probes.Decoder) (probes.Probe, error) {
	p, err := probes.DecodeParams(probes.ControlPlaneName, decode)
	if err != nil {
		return nil, err
	}
	return New(*p.(*probes.ControlPlaneParams))
}

func yamlDecoder(text string) probes.Decoder {
	return func(v any) error {
		dec := yaml.NewDecoder(strings.NewReader(text))
		dec.KnownFields(true)
		return dec.Decode(v)
	}
}
