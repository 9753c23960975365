package lab

import (
	"strings"
	"testing"
)

func TestEgressRulesFollowThePolicy(t *testing.T) {
	topo, err := Parse("t.yaml", []byte(`
lab: rules
internet: {location: {lat: 50.11, lon: 8.68}}
providers:
  - name: acme
    location: {lat: 49.61, lon: 6.13}
    egress: {policy: none}
    hosts:
      - {name: dark}
      - {name: drp, egress: {policy: drop}}
      - {name: alw, egress: {policy: allow, allow: [{to: sink, proto: tcp, ports: [80, 443]}]}}
      - {name: prx, egress: {policy: proxy_only, proxy: "sink:3128"}}
services:
  - {name: sink, kind: sink, at: internet, params: {tcp: [80]}}
`))
	if err != nil {
		t.Fatal(err)
	}
	configs := map[string]nsConfig{}
	for _, c := range nsConfigs(topo) {
		if c.host != nil {
			configs[c.host.Name] = c
		}
	}
	cases := []struct {
		name, host string
		in         func(nsConfig) string
		want       []string
		not        []string
	}{
		{"a disconnected host routes only its provider", "acme/dark", ipText,
			[]string{"route add 198.18.1.0/24 dev sbt0 src 198.18.1.1", "route add fd5b:1ab:0:1::/64 dev sbt0 src fd5b:1ab:0:1::1"},
			[]string{"198.18.0.0/15", "fd5b:1ab::/48", "default"}},
		{"a disconnected host needs no firewall", "acme/dark", nftText, nil, []string{"table"}},
		{"a drop host routes the lab into its blackhole", "acme/drp", ipText,
			[]string{"link add sbd0 type ifb", "route add 198.18.0.0/15 dev sbd0", "route add fd5b:1ab::/48 dev sbd0"}, []string{"default"}},
		{"an allow host accepts the listed ports of both addresses", "acme/alw", nftText,
			[]string{"ip daddr 198.19.1.1/32 tcp dport { 80, 443 } accept", "ip6 daddr fd5b:1ab:0:101::1/128 tcp dport { 80, 443 } accept",
				"meta l4proto tcp reject with tcp reset", "reject with icmpx admin-prohibited"}, nil},
		{"a proxy host accepts only the proxy port", "acme/prx", nftText,
			[]string{"ip daddr 198.19.1.1 tcp dport 3128 accept", "ip6 daddr fd5b:1ab:0:101::1 tcp dport 3128 accept"}, []string{"dport { 80"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := c.in(configs[c.host])
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("missing %q in:\n%s", w, text)
				}
			}
			for _, n := range c.not {
				if strings.Contains(text, n) {
					t.Errorf("unexpected %q in:\n%s", n, text)
				}
			}
		})
	}
}

func ipText(c nsConfig) string  { return strings.Join(c.ipLines(), "\n") }
func nftText(c nsConfig) string { return c.nftRules() }
