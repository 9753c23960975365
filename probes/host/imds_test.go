package host

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// fakeIMDS is a loopback metadata server speaking one flavour's protocol,
// strict about the request headers the real service demands.
type fakeIMDS struct {
	flavor        string
	awsV1         bool         // aws: serve without a token (old IMDSv1-only service)
	noFlavorReply bool         // gce: omit the Metadata-Flavor response header (an impostor)
	tokenless     atomic.Int32 // aws: GETs that came without a token
}

const awsToken = "AQAEAFakeTokenForLoopbackTests=="

func (f *fakeIMDS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch f.flavor + " " + r.Method + " " + r.URL.Path {
	case "aws PUT /latest/api/token":
		if f.awsV1 {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds") == "" {
			http.Error(w, "missing ttl", http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, awsToken)
	case "aws GET /latest/dynamic/instance-identity/document":
		if !f.awsV1 && r.Header.Get("X-aws-ec2-metadata-token") != awsToken {
			f.tokenless.Add(1)
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"accountId":"123456789012","architecture":"x86_64","availabilityZone":"eu-west-1a","imageId":"ami-0abcdef1234567890","instanceId":"i-0123456789abcdef0","instanceType":"m5.large","region":"eu-west-1"}`)
	case "gce GET /computeMetadata/v1/instance/":
		if r.Header.Get("Metadata-Flavor") != "Google" || r.URL.Query().Get("recursive") != "true" {
			http.Error(w, "Missing Metadata-Flavor:Google header.", http.StatusForbidden)
			return
		}
		if !f.noFlavorReply {
			w.Header().Set("Metadata-Flavor", "Google")
		}
		fmt.Fprint(w, `{"id":4520031799277581759,"name":"vm-1","hostname":"vm-1.c.example-project.internal","zone":"projects/123456789012/zones/europe-west1-b","machineType":"projects/123456789012/machineTypes/n2-standard-2"}`)
	case "azure GET /metadata/instance":
		if r.Header.Get("Metadata") != "true" || r.URL.Query().Get("api-version") == "" {
			http.Error(w, `{"error":"Bad request. Required metadata header not specified"}`, http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, `{"compute":{"azEnvironment":"AzurePublicCloud","location":"westeurope","name":"vm-1","vmId":"02aab8a4-74ef-476e-8182-f6d2ba4166a6","vmSize":"Standard_D2s_v5","subscriptionId":"8d10da13-8125-4ba9-a717-bf7490507b3d","zone":"1"}}`)
	case "openstack GET /openstack/latest/meta_data.json":
		fmt.Fprint(w, `{"uuid":"d8e02d56-2648-49a3-bf97-6be8f1204f38","name":"vm-1","hostname":"vm-1.novalocal","availability_zone":"nova","project_id":"f7ac731cc11f40efbc03a9f9e1d1d21f"}`)
	case "scaleway GET /conf":
		if r.URL.Query().Get("format") != "json" {
			fmt.Fprint(w, "ID=not-json\n")
			return
		}
		fmt.Fprint(w, `{"id":"5a2f9b1c-3d4e-4f5a-8b6c-7d8e9f0a1b2c","name":"scw-vm","hostname":"scw-vm","commercial_type":"DEV1-S","location":{"zone_id":"fr-par-1"},"project":"e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b","organization":"e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"}`)
	case "hetzner GET /hetzner/v1/metadata":
		fmt.Fprint(w, "availability-zone: fsn1-dc14\nhostname: vm-1\ninstance-id: 42424242\npublic-ipv4: 192.0.2.10\nregion: eu-central\n")
	case "oracle GET /opc/v2/instance/":
		if r.Header.Get("Authorization") != "Bearer Oracle" {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"id":"ocid1.instance.oc1.eu-frankfurt-1.abcdefg","displayName":"vm-1","canonicalRegionName":"eu-frankfurt-1","availabilityDomain":"Uocm:EU-FRANKFURT-1-AD-1","shape":"VM.Standard.E4.Flex","compartmentId":"ocid1.compartment.oc1..aaaa"}`)
	default:
		http.NotFound(w, r)
	}
}

// allAt points every flavour at base, so each test also proves the other
// flavours do not mistake this server for theirs. Nothing is ever dialled
// but loopback.
func allAt(base string) map[string]string {
	m := map[string]string{}
	for _, f := range probes.IMDSFlavors() {
		m[f] = base
	}
	return m
}

func imdsParams(base string) probes.HostParams {
	p := probes.DefaultHostParams()
	p.Metadata = true
	p.MetadataURLs = allAt(base)
	return p
}

func queryAgainst(t *testing.T, h http.Handler) []results.IMDSAnswer {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	rec := probes.Begin(&hostProbe{}, probes.Target{Name: "t"})
	return queryIMDS(context.Background(), imdsParams(srv.URL), rec)
}

func imdsAnswered(as []results.IMDSAnswer) []results.IMDSAnswer {
	var out []results.IMDSAnswer
	for _, a := range as {
		if a.Answered {
			out = append(out, a)
		}
	}
	return out
}

func TestIMDSDetectsEachFlavourAgainstALoopbackFake(t *testing.T) {
	cases := []struct {
		name, flavor, mode, field, value string
	}{
		{"AWS answers through the IMDSv2 token flow", "aws", "imdsv2", "instance_id", "i-0123456789abcdef0"},
		{"GCE answers with Metadata-Flavor: Google", "gce", "", "zone", "europe-west1-b"},
		{"GCE instance ids keep all their digits", "gce", "", "instance_id", "4520031799277581759"},
		{"Azure answers with Metadata: true", "azure", "", "location", "westeurope"},
		{"OpenStack answers meta_data.json", "openstack", "", "uuid", "d8e02d56-2648-49a3-bf97-6be8f1204f38"},
		{"Scaleway answers /conf as JSON", "scaleway", "", "zone", "fr-par-1"},
		{"Hetzner answers YAML metadata", "hetzner", "", "instance_id", "42424242"},
		{"Oracle answers with the Bearer Oracle header", "oracle", "", "region", "eu-frankfurt-1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := imdsAnswered(queryAgainst(t, &fakeIMDS{flavor: c.flavor}))
			if len(got) != 1 || got[0].Flavor != c.flavor {
				t.Fatalf("answered = %+v, want only %s", got, c.flavor)
			}
			if got[0].Mode != c.mode || got[0].Fields[c.field] != c.value || got[0].Failure != nil {
				t.Errorf("%s answer = %+v, want mode %q and %s=%s", c.flavor, got[0], c.mode, c.field, c.value)
			}
		})
	}
}

func TestIMDSAWSTokenIsRequiredAndUsed(t *testing.T) {
	f := &fakeIMDS{flavor: "aws"}
	srv := httptest.NewServer(f)
	defer srv.Close()
	// The fake refuses a GET without a token, as IMDSv2-only EC2 does.
	resp, err := http.Get(srv.URL + "/latest/dynamic/instance-identity/document")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || f.tokenless.Load() != 1 {
		t.Fatalf("tokenless GET = %d, want 401", resp.StatusCode)
	}
	p := imdsParams(srv.URL)
	p.MetadataFlavors = []string{"aws"}
	as := queryIMDS(context.Background(), p, probes.Begin(&hostProbe{}, probes.Target{}))
	if len(as) != 1 || !as[0].Answered || as[0].Mode != "imdsv2" {
		t.Errorf("aws = %+v, want answered via imdsv2", as)
	}
	if n := f.tokenless.Load(); n != 1 {
		t.Errorf("the probe sent %d tokenless GETs to an IMDSv2 service", n-1)
	}
}

func TestIMDSAWSFallsBackToV1AndSaysSo(t *testing.T) {
	got := imdsAnswered(queryAgainst(t, &fakeIMDS{flavor: "aws", awsV1: true}))
	if len(got) != 1 || got[0].Flavor != "aws" || got[0].Mode != "imdsv1" {
		t.Errorf("answered = %+v, want aws via imdsv1", got)
	}
}

func TestIMDSImpostorWithoutFlavorHeaderIsNotGCE(t *testing.T) {
	as := queryAgainst(t, &fakeIMDS{flavor: "gce", noFlavorReply: true})
	if got := imdsAnswered(as); len(got) != 0 {
		t.Fatalf("answered = %+v, want none", got)
	}
	for _, a := range as {
		if a.Flavor == "gce" && (a.Failure == nil || a.Failure.Class != results.ClassBogus) {
			t.Errorf("gce = %+v, want bogus_answer", a)
		}
	}
}

func TestIMDSSilentServicesAreRecordedWithTheirClass(t *testing.T) {
	as := queryAgainst(t, http.NotFoundHandler())
	if len(as) != len(probes.IMDSFlavors()) || len(imdsAnswered(as)) != 0 {
		t.Fatalf("answers = %+v", as)
	}
	for _, a := range as {
		if a.Failure == nil || a.Failure.Class != results.ClassHTTPError || a.Status != http.StatusNotFound {
			t.Errorf("%s = %+v, want http_error 404", a.Flavor, a)
		}
	}
}

// hangingListener accepts connections and never answers; it counts the
// connections the client gave up on.
func hangingListener(t *testing.T) (addr string, closedByClient *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedByClient = new(atomic.Int32)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						closedByClient.Add(1)
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String(), closedByClient
}

func TestHostFinishesWhenAMetadataServerNeverAnswers(t *testing.T) {
	addr, closed := hangingListener(t)
	p := imdsParams("http://" + addr)
	p.MetadataTimeout, p.MetadataRequestTimeout = 400*time.Millisecond, 150*time.Millisecond
	pr, err := NewFixture(p, fixtureRoot(t, "gce"))
	if err != nil {
		t.Fatal(err)
	}
	// A generous outer deadline: the probe must finish on its own, well before.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan results.Evidence, 1)
	go func() {
		ev, err := pr.Run(ctx, probes.Target{Name: "t"})
		if err != nil {
			t.Error(err)
		}
		done <- ev
	}()
	var ev results.Evidence
	select {
	case ev = <-done:
	case <-ctx.Done():
		t.Fatal("the host probe did not finish although its metadata phase is bounded")
	}
	if ctx.Err() != nil {
		t.Fatal("the probe finished only because the outer deadline passed")
	}
	d := ev.Host
	t.Logf("probe took %s with a %s metadata phase against a hanging server", ev.Duration, p.MetadataTimeout)
	if !d.MetadataQueried || len(d.Metadata) != len(probes.IMDSFlavors()) {
		t.Fatalf("metadata = %+v", d.Metadata)
	}
	for _, a := range d.Metadata {
		if a.Answered || a.Failure == nil || a.Failure.Class != results.ClassTimeout {
			t.Errorf("%s = %+v, want a timeout", a.Flavor, a)
		}
	}
	// The server side notices the client's close a moment after the probe
	// returns: wait for it rather than race it.
	for deadline := time.Now().Add(5 * time.Second); closed.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if closed.Load() == 0 {
		t.Error("the client never gave up a hanging connection")
	}
	if d.Operator.Name != probes.OpGoogle {
		t.Errorf("file signals lost when metadata hangs: operator %+v", d.Operator)
	}
}

func TestHostWithAnsweringMetadataRaisesConfidence(t *testing.T) {
	srv := httptest.NewServer(&fakeIMDS{flavor: "scaleway"})
	defer srv.Close()
	p := imdsParams(srv.URL)
	d, _ := runHost(t, p, fixtureRoot(t, "scaleway"), nil)
	if d.Operator.Name != probes.OpScaleway || d.Operator.Confidence != "high" {
		t.Errorf("operator = %+v, want Scaleway with high confidence", d.Operator)
	}
	hit := false
	for _, h := range d.Operator.Rules {
		hit = hit || (h.Rule == "scw-imds" && strings.HasPrefix(h.Source, srv.URL))
	}
	if !hit {
		t.Errorf("scw-imds did not fire with the loopback URL as source: %+v", d.Operator.Rules)
	}
}
