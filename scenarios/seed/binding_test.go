package seed_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/scenarios/seed"
)

// selfSigned returns a throwaway CA certificate's PEM.
func selfSigned(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "t"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// The templates need no lab: every seed suite renders and parses for a
// made-up provider (the seed lab's providers are bound in lab/seed).
func TestEverySuiteRendersForAMadeUpProvider(t *testing.T) {
	caPEM := selfSigned(t)
	b := seed.Binding{
		Provider: "acme", Operator: "Proximus Luxembourg", Host: "acme/vm1", Claims: "claims",
		Control: "198.18.1.101", API: "198.18.1.102", Metadata: "http://198.18.1.103", CAPEM: caPEM,
		Sink: "198.19.1.1", Vendor: "198.19.1.2", Replica: "198.19.1.3", Mirror: "198.19.1.4",
		Control6: "fd5b:1ab:0:1::65", Services: "198.18.1.104", Services6: "fd5b:1ab:0:1::68", Resolver: "198.18.1.105", Resolver6: "fd5b:1ab:0:1::69",
		FarEnds:   []seed.FarEnd{{Addr: "198.19.1.3", Category: "replication"}, {Addr: "fd5b:1ab:0:101::3", Category: "replication"}},
		Landmarks: []seed.Landmark{{Name: "lm-paris", Addr: "198.19.1.6", Lat: 48.86, Lon: 2.35}},
	}
	want := []string{"disconnected", "eu-residency", "jurisdiction", "no-foreign-replication", "no-third-party-telemetry", "trusted-cloud"}
	if got := seed.SuiteNames(); !slices.Equal(got, want) {
		t.Fatalf("suites %v, want %v", got, want)
	}
	for _, name := range want {
		t.Run(name, func(t *testing.T) {
			s, err := seed.Render(name, b)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != name || s.Provider.Name != "acme" || s.Targets[0].Host != "acme/vm1" {
				t.Errorf("suite %s for %s on %s", s.Name, s.Provider.Name, s.Targets[0].Host)
			}
		})
	}
}

// TestFullCoverageHasAControlForEveryWayOut checks the templates that use
// the full coverage: every method and family the sweep can try has a
// positive control inside the provider, so an honest sealed provider can
// pass (the rule in the claim catalogue's doc).
func TestFullCoverageHasAControlForEveryWayOut(t *testing.T) {
	b := seed.Binding{
		Provider: "acme", Operator: "Proximus Luxembourg", Host: "acme/vm1", Claims: "claims",
		Control: "198.18.1.101", API: "198.18.1.102", Metadata: "http://198.18.1.103", CAPEM: selfSigned(t),
		Sink: "198.19.1.1", Vendor: "198.19.1.2", Replica: "198.19.1.3", Mirror: "198.19.1.4",
		Control6: "fd5b:1ab:0:1::65", Services: "198.18.1.104", Services6: "fd5b:1ab:0:1::68", Resolver: "198.18.1.105", Resolver6: "fd5b:1ab:0:1::69",
		FarEnds:   []seed.FarEnd{{Addr: "198.19.1.3", Category: "replication"}, {Addr: "fd5b:1ab:0:101::3", Category: "replication"}},
		Landmarks: []seed.Landmark{{Name: "lm-paris", Addr: "198.19.1.6", Lat: 48.86, Lon: 2.35}},
	}
	for _, name := range []string{"disconnected", "no-foreign-replication"} {
		t.Run(name, func(t *testing.T) {
			s, err := seed.Render(name, b)
			if err != nil {
				t.Fatal(err)
			}
			p := s.Steps[0].Params.(*probes.EgressParams)
			controlled := map[string]bool{}
			for _, d := range p.Destinations {
				if d.Control {
					for _, m := range d.MethodsWith(nil) {
						controlled[m+"/"+familyOf(d.Host)] = true
					}
				}
			}
			if len(p.Sweep) != 2 {
				t.Fatalf("sweep %v: want both addresses of the far end", p.Sweep)
			}
			for _, sw := range p.Sweep {
				for _, d := range probes.CoverageDestinations(sw) {
					for _, m := range d.MethodsWith(nil) {
						k := m + "/" + familyOf(d.Host)
						if !strings.HasSuffix(m, "_proxy") && !controlled[k] {
							t.Errorf("%s is swept but has no positive control", k)
						}
					}
				}
			}
		})
	}
}

func familyOf(host string) string {
	if strings.Contains(host, ":") {
		return "ip6"
	}
	return "ip4"
}

// A provider with a confidential-VM fixture gets the tee probe and the
// tee claims in trusted-cloud, its test root named by fingerprint.
func TestTrustedCloudAttestsATEEFixture(t *testing.T) {
	b := seed.Binding{
		Provider: "acme", Operator: "Proximus Luxembourg", Host: "acme/vm1", Claims: "claims",
		Control: "198.18.1.101", API: "198.18.1.102", Metadata: "http://198.18.1.103", CAPEM: selfSigned(t),
		Sink: "198.19.1.1", Vendor: "198.19.1.2", Replica: "198.19.1.3", Mirror: "198.19.1.4",
		Control6: "fd5b:1ab:0:1::65", Services: "198.18.1.104", Services6: "fd5b:1ab:0:1::68", Resolver: "198.18.1.105", Resolver6: "fd5b:1ab:0:1::69",
		Landmarks: []seed.Landmark{{Name: "lm-paris", Addr: "198.19.1.6", Lat: 48.86, Lon: 2.35}},
		TEE:       &seed.TEE{Kind: "tdx", Root: "sha256:" + strings.Repeat("ab", 32)},
	}
	s, err := seed.Render("trusted-cloud", b)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, c := range s.Claims {
		kinds = append(kinds, c.Kind)
	}
	if !slices.Contains(kinds, "tee.required") || !slices.Contains(kinds, "tee.measurement") || !slices.Contains(kinds, "tee.endorsed_by") {
		t.Errorf("claims %v lack the tee claims", kinds)
	}
	if !strings.Contains(string(s.Source), "probe: tee") || !strings.Contains(string(s.Source), "sha256:abab") {
		t.Errorf("suite source lacks the tee probe or its root:\n%s", s.Source)
	}
}
