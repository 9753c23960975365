package run

import (
	"slices"
	"testing"
)

func TestLabAgentsGetTheirFixtureAsAFlag(t *testing.T) {
	cases := []struct {
		name string
		host LabHost
		want []string
	}{
		{"a host with a fixture gets --lab-fixture", LabHost{Namespace: "sbx-acme-vm", Fixture: "/labs/hosts/gce"},
			[]string{"ip", "netns", "exec", "sbx-acme-vm", "/bin/sovbench", "agent", "--stdio", "--lab-fixture", "/labs/hosts/gce"}},
		{"a host without one shows the real machine", LabHost{Namespace: "sbx-acme-vm"},
			[]string{"ip", "netns", "exec", "sbx-acme-vm", "/bin/sovbench", "agent", "--stdio"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := labAgentArgv("/bin/sovbench", c.host); !slices.Equal(got, c.want) {
				t.Errorf("argv %q, want %q", got, c.want)
			}
		})
	}
}
