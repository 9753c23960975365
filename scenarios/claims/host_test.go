package claims

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/probes/host"
	"github.com/sovbench/sovbench/results"
)

// hostFacts runs the real host probe on a fixture tree of probes/host/testdata.
func hostFacts(t *testing.T, platform string, edit func(*probes.HostParams)) Facts {
	t.Helper()
	p := probes.DefaultHostParams()
	if edit != nil {
		edit(&p)
	}
	pr, err := host.NewFixture(p, filepath.Join("..", "..", "probes", "host", "testdata", "hosts", platform))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := pr.Run(context.Background(), probes.Target{Name: "t", Kind: "local"})
	if err != nil {
		t.Fatal(err)
	}
	ev.ID = "t/host"
	return Facts{Target: "t", Evidence: []results.Evidence{ev}}
}

func TestHostClaimsOnFixtureEvidence(t *testing.T) {
	// A loopback GCE metadata server, for the metadata claim.
	gce := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Metadata-Flavor") != "Google" || !strings.HasPrefix(r.URL.Path, "/computeMetadata/v1/instance") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Metadata-Flavor", "Google")
		w.Write([]byte(`{"id":1234567890123456789,"zone":"projects/1/zones/europe-west1-b"}`))
	}))
	defer gce.Close()
	askLoopback := func(p *probes.HostParams) {
		p.Metadata = true
		p.MetadataURLs = map[string]string{}
		for _, f := range probes.IMDSFlavors() {
			p.MetadataURLs[f] = gce.URL
		}
	}
	gceFiles, gceIMDS := hostFacts(t, "gce", nil), hostFacts(t, "gce", askLoopback)
	hetzner, bare := hostFacts(t, "hetzner-cloud", nil), hostFacts(t, "bare-metal", nil)
	azure, empty := hostFacts(t, "azure", nil), hostFacts(t, "no-such-platform", nil)
	hyperscalers := []string{"Amazon", "Google", "Microsoft"}
	cases := []struct {
		name   string
		kind   Kind
		param  any
		facts  Facts
		want   results.Status
		reason string // a piece the reason must contain
	}{
		{"a GCE host fails operator.not_in hyperscalers", claimOperatorNotIn, hyperscalers, gceFiles, results.StatusFail, `gce-dmi-product="Google Compute Engine"`},
		// A host on a hyperscaler can borrow Hetzner's DMI strings, NIC prefix
		// and upstreams: claimed signals alone never pass (the attested twin is
		// TestOperatorFromVerifiedTPMFacts).
		{"Hetzner's signals do not pass operator.not_in hyperscalers", claimOperatorNotIn, hyperscalers, hetzner, results.StatusInconclusive, "claimed signals point to Hetzner (high confidence"},
		{"a tree without signals is inconclusive", claimOperatorNotIn, hyperscalers, empty, results.StatusInconclusive, "claimed values"},
		{"Hetzner's signals do not pass operator.in", claimOperatorIn, []string{"OVHcloud", "Hetzner"}, hetzner, results.StatusInconclusive, "can fail this claim but not pass it"},
		{"a tree without signals is inconclusive for operator.in too", claimOperatorIn, []string{"OVHcloud", "Hetzner"}, empty, results.StatusInconclusive, "claimed values"},
		{"Azure is not in the EU operator list", claimOperatorIn, []string{"OVHcloud", "Hetzner"}, azure, results.StatusFail, "not OVHcloud or Hetzner"},
		{"no hypervisor seen does not pass present: false (it can hide)", claimHypervisorPresent, false, bare, results.StatusInconclusive, "no hypervisor, claimed by"},
		{"no hypervisor seen fails present: true", claimHypervisorPresent, true, bare, results.StatusFail, "no hypervisor, claimed by"},
		{"a hypervisor seen passes present: true", claimHypervisorPresent, true, gceFiles, results.StatusPass, `CPUID signature "KVMKVMKVM"`},
		{"a GCE VM has one", claimHypervisorPresent, false, gceFiles, results.StatusFail, `CPUID signature "KVMKVMKVM"`},
		{"Hyper-V fails vendor_not_in microsoft", claimHypervisorVendorNotIn, []string{"microsoft", "vmware"}, azure, results.StatusFail, "hypervisor microsoft"},
		{"a signature works as a vendor name", claimHypervisorVendorNotIn, []string{"KVMKVMKVM"}, hetzner, results.StatusFail, "KVMKVMKVM"},
		// Hyper-V's signature can be shown by KVM and any signature hidden.
		{"KVM's signature does not pass vendor_not_in microsoft", claimHypervisorVendorNotIn, []string{"microsoft"}, hetzner, results.StatusInconclusive, "hypervisor kvm"},
		{"no hypervisor seen does not pass vendor_not_in", claimHypervisorVendorNotIn, []string{"kvm"}, bare, results.StatusInconclusive, "no hypervisor"},
		{"Microsoft Corporation DMI fails dmi_vendor_not_in Microsoft", claimDMIVendorNotIn, hyperscalers, azure, results.StatusFail, `DMI sys_vendor "Microsoft Corporation" (claimed`},
		{"Dell DMI strings do not pass dmi_vendor_not_in (anyone can write them)", claimDMIVendorNotIn, hyperscalers, bare, results.StatusInconclusive, `sys_vendor="Dell Inc."`},
		{"no DMI is inconclusive", claimDMIVendorNotIn, hyperscalers, empty, results.StatusInconclusive, "no DMI vendor string"},
		{"metadata not asked is inconclusive", claimMetadataServiceNotIn, []string{"aws", "gce"}, gceFiles, results.StatusInconclusive, "metadata: false"},
		{"an answering GCE server fails service_not_in gce", claimMetadataServiceNotIn, []string{"aws", "gce", "azure"}, gceIMDS, results.StatusFail, "gce metadata service answered at " + gce.URL},
		{"silence from the listed services is not evidence (a firewall makes it)", claimMetadataServiceNotIn, []string{"aws", "azure"}, gceIMDS, results.StatusInconclusive, "no answer from aws, azure metadata services at 127.0.0.1:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eval, err := c.kind.parse(node(t, c.param).Decode)
			if err != nil {
				t.Fatal(err)
			}
			o := eval(c.facts)
			if o.Status != c.want || !strings.Contains(o.Reason, c.reason) {
				t.Errorf("%s: %s (%s), want %s containing %q", c.kind.Name, o.Status, o.Reason, c.want, c.reason)
			}
			if len(o.Evidence) != 1 || o.Evidence[0] != "t/host" {
				t.Errorf("evidence refs = %v, want [t/host]", o.Evidence)
			}
		})
	}
}
