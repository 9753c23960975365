package seed_test

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/lab/seed"
	seedsuites "github.com/sovbench/sovbench/scenarios/seed"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// TestSuitesRender needs no lab: every seed suite renders and parses for
// every provider of the lab file, bound to made-up addresses.
func TestSuitesRender(t *testing.T) {
	topo, err := seed.Topology()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"disconnected", "eu-residency", "jurisdiction", "no-foreign-replication", "no-third-party-telemetry", "trusted-cloud"}
	if got := seedsuites.SuiteNames(); !slices.Equal(got, want) {
		t.Fatalf("suites %v, want %v", got, want)
	}
	for _, p := range topo.Providers {
		if seed.QAOnly(p) {
			continue // the location QA's providers run only seed.HostileSuite (#17)
		}
		b := seedsuites.Binding{
			Provider: p.Name, Operator: p.Operator, Host: p.Name + "/vm1", Claims: "claims",
			Control: "198.18.1.101", API: "198.18.1.102", Metadata: "http://198.18.1.103", CAPEM: testCA,
			Sink: "198.19.1.1", Vendor: "198.19.1.2", Replica: "198.19.1.3", Mirror: "198.19.1.4",
			Control6: "fd5b:1ab:0:1::65", Services: "198.18.1.104", Services6: "fd5b:1ab:0:1::68", Resolver: "198.18.1.105", Resolver6: "fd5b:1ab:0:1::69",
			FarEnds:   []seedsuites.FarEnd{{Addr: "198.19.1.3", Category: "replication"}, {Addr: "fd5b:1ab:0:101::3", Category: "replication"}},
			Landmarks: []seedsuites.Landmark{{Name: "lm-paris", Addr: "198.19.1.6", Lat: 48.86, Lon: 2.35}},
		}
		for _, name := range want {
			t.Run(name+" binds to "+p.Name, func(t *testing.T) {
				s, err := seedsuites.Render(name, b)
				if err != nil {
					t.Fatal(err)
				}
				// The suite is embedded in every report: it carries the
				// lab CA inline, never a file of this machine.
				if strings.Contains(string(s.Source), "ca_file") {
					t.Fatalf("suite names a CA file:\n%s", s.Source)
				}
				if s.Name != name || s.Provider.Name != p.Name || s.Targets[0].Host != p.Name+"/vm1" {
					t.Fatalf("suite %s for %s on %s", s.Name, s.Provider.Name, s.Targets[0].Host)
				}
			})
		}
	}
}

// testCA is a throwaway self-signed certificate for rendering suites.
const testCA = `-----BEGIN CERTIFICATE-----
MIIBbTCCAROgAwIBAgIUHwNa1TDf6HkPrcFv38iw9P0pB0UwCgYIKoZIzj0EAwIw
DDEKMAgGA1UEAwwBdDAeFw0yNjExMjMxMTIyMjFaFw0zNjExMjAxMTIyMjFaMAwx
CjAIBgNVBAMMAXQwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQmbTBjpZ5Tk1Vh
lwrRBIFdn0XIVnj2d6Qn+2GipCJzt1IPQRld4uX7lEhF+nzE1h1HmDKj/Uj0tGFp
7mVEgkBco1MwUTAdBgNVHQ4EFgQUUmdwkzKaHerQBL39hRdSJqdgwoUwHwYDVR0j
BBgwFoAUUmdwkzKaHerQBL39hRdSJqdgwoUwDwYDVR0TAQH/BAUwAwEB/zAKBggq
hkjOPQQDAgNIADBFAiEA0jtrnNfuqMngs2zZX65sP11/7TIkeNKtU238IacEE5QC
IDLtaWDgVZCy4uWi5Iek4cSl+gibQr8hGiRNBBI68/WV
-----END CERTIFICATE-----
`
