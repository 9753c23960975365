package frameworks

import (
	"strings"
	"testing"
)

func TestEmbeddedTableParses(t *testing.T) {
	if _, err := load(); err != nil {
		t.Fatal(err)
	}
	cs := For("egress.disconnected")
	if len(cs) == 0 || cs[0].Role != RoleDirect || cs[0].Source == "" {
		t.Fatalf("egress.disconnected: %+v", cs)
	}
	var c3a bool
	for _, c := range cs {
		c3a = c3a || c.Ref == "SOV-4-09-C"
	}
	if !c3a {
		t.Errorf("egress.disconnected lacks BSI C3A SOV-4-09-C: %+v", cs)
	}
	if got := Short(For("location.in")); got != "SecNumCloud §19.2 · C5 PSS-12 · C3A SOV-3" {
		t.Errorf("Short(location.in) = %q", got)
	}
	if got := Short(For("tpm.required")); !strings.Contains(got, "§19.6 a–f*") {
		t.Errorf("supporting criteria are not marked: %q", got)
	}
	if For("no.such.claim") != nil {
		t.Error("a kind the table lacks has criteria")
	}
}

func TestBadTablesAreRefused(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"an unknown key", "frameworks: {}\ncriteria: {}\nclaims: {}\nextra: 1\n", "field extra not found"},
		{"a claim naming no criterion", "frameworks: {}\ncriteria: {}\nclaims: {a.b: [{criterion: x, role: direct}]}\n", `no criterion "x"`},
		{"a criterion naming no framework", "frameworks: {}\ncriteria: {x: {framework: f, ref: r, title: t}}\nclaims: {a.b: [{criterion: x, role: direct}]}\n", `no framework "f"`},
		{"a role that is not direct or supporting", "frameworks: {f: {name: F, source: S}}\ncriteria: {x: {framework: f, ref: r, title: t}}\nclaims: {a.b: [{criterion: x, role: maybe}]}\n", `role "maybe"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parse([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

// TestNoClaimMapsToSourceCodeBackups: BSI C3A SOV-6 asks for EU-based
// source-code backups, which nothing sovbench measures can show; a claim
// kind mapped to it would put an unfounded criterion in every table.
func TestNoClaimMapsToSourceCodeBackups(t *testing.T) {
	tab, err := load()
	if err != nil {
		t.Fatal(err)
	}
	for kind, cs := range tab {
		for _, c := range cs {
			if c.Ref == "SOV-6" {
				t.Errorf("%s names C3A SOV-6 (source-code backups)", kind)
			}
		}
	}
}
