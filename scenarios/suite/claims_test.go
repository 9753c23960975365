package suite

import (
	"strings"
	"testing"

	"github.com/sovbench/sovbench/scenarios/claims"
	"gopkg.in/yaml.v3"
)

// The loader's checks of claim parameters: decoded strictly, checked by the
// claim kind, placed in the file (claims_test.go in scenarios/claims tests
// what the claims decide).

func TestEgressClaimParams(t *testing.T) {
	for _, c := range []struct {
		name  string
		kind  claims.Kind
		param any
		err   string
	}{
		{"disconnected: false is refused", mustKind(t, "egress.disconnected"), false, "t.yaml: claims[0]: only `true` is meaningful; drop the claim instead"},
		{"an empty block list is refused", mustKind(t, "egress.blocked"), []string{}, "t.yaml: claims[0]: needs at least one category"},
		{"an empty allow-list is refused", mustKind(t, "egress.allowed_only"), []string{}, "t.yaml: claims[0]: needs at least one destination"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseClaim(c.kind, "t.yaml", node(t, c.param), "claims[0]")
			if err == nil || err.Error() != c.err {
				t.Fatalf("error %v, want %q", err, c.err)
			}
		})
	}
}

func TestHostClaimParametersAreChecked(t *testing.T) {
	cases := []struct {
		name  string
		kind  claims.Kind
		param any
		want  string
	}{
		{"an unknown metadata flavour is named", mustKind(t, "metadata.service_not_in"), []string{"aws", "gcp"},
			`t.yaml: claims[0]: unknown metadata flavour "gcp" (known: aws, gce, azure, openstack, scaleway, hetzner, oracle)`},
		{"an empty vendor list is refused", mustKind(t, "hypervisor.vendor_not_in"), []string{}, "t.yaml: claims[0]: needs at least one name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseClaim(c.kind, "t.yaml", node(t, c.param), "claims[0]")
			if err == nil || err.Error() != c.want {
				t.Errorf("error = %v\nwant    %s", err, c.want)
			}
		})
	}
}

func TestLocationClaimParams(t *testing.T) {
	for _, c := range []struct {
		name  string
		kind  claims.Kind
		param any
		err   string
	}{
		{"an unknown country code is refused", mustKind(t, "location.in"), "XX", `t.yaml: claims[0]: "XX" is not an ISO 3166-1 alpha-2 country code`},
		{"a place needs two coordinates", mustKind(t, "location.within_km"), claims.WithinKm{Of: []float64{1}, Km: 5}, "t.yaml: claims[0]: of: want [lat, lon] in degrees, got [1]"},
		{"a distance must be positive", mustKind(t, "control_plane.max_distance_km"), -1.0, "t.yaml: claims[0]: must be a positive number of km"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseClaim(c.kind, "t.yaml", node(t, c.param), "claims[0]")
			if err == nil || err.Error() != c.err {
				t.Fatalf("error %v, want %q", err, c.err)
			}
		})
	}
}

func TestTPMClaimParametersAreChecked(t *testing.T) {
	cases := []struct {
		name  string
		kind  claims.Kind
		param string
		want  string
	}{
		{"a PCR value that is not SHA-256 is refused", mustKind(t, "tpm.pcr_policy"), "{pcrs: {7: abcd}}", `t.yaml:1: claims[0]: pcrs: 7: "abcd" is not 64 hex digits (SHA-256)`},
		{"an empty manufacturer list is refused", mustKind(t, "tpm.manufacturer_in"), "{manufacturers: []}", "t.yaml:1: claims[0]: needs at least one manufacturer"},
		{"an unknown key is refused", mustKind(t, "tpm.required"), "{hardwar: true}", "hardwar"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(c.param), &n); err != nil {
				t.Fatal(err)
			}
			_, err := parseClaim(c.kind, "t.yaml", n.Content[0], "claims[0]")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v\nwant      %s", err, c.want)
			}
		})
	}
}

// mustKind returns the catalogued claim kind called name.
func mustKind(t *testing.T, name string) claims.Kind {
	t.Helper()
	k, ok := claims.Lookup(name)
	if !ok {
		t.Fatalf("no claim kind %s", name)
	}
	return k
}

func node(t *testing.T, v any) *yaml.Node {
	t.Helper()
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		t.Fatal(err)
	}
	return &n
}
