package claims

import "testing"

// TestHypervisorPresentShowsTheVendor checks the figure the comparison
// table shows for hypervisor.present: whose hypervisor, or none.
func TestHypervisorPresentShowsTheVendor(t *testing.T) {
	cases := []struct {
		name, platform, figure string
		want                   bool
	}{
		{"a Hyper-V guest shows microsoft", "azure", "microsoft", true},
		{"a GCE guest shows kvm", "gce", "kvm", true},
		{"bare metal shows none", "bare-metal", "none", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eval, err := claimHypervisorPresent.parse(node(t, c.want).Decode)
			if err != nil {
				t.Fatal(err)
			}
			if o := eval(hostFacts(t, c.platform, nil)); o.Figure != c.figure {
				t.Errorf("figure %q (%s: %s), want %q", o.Figure, o.Status, o.Reason, c.figure)
			}
		})
	}
}
