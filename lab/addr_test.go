package lab

import (
	"net/netip"
	"os"
	"testing"
)

func TestAddressPlan(t *testing.T) {
	p4, p6 := providerPrefixes(3)
	cases := []struct {
		name string
		got  string
		want string
	}{
		{"a provider owns a /24", p4.String(), "198.18.3.0/24"},
		{"and the matching IPv6 /64", p6.String(), "fd5b:1ab:0:3::/64"},
		{"a host's IPv6 twin is inside its provider's /64", V6Of(hostAddr(3, 2)).String(), "fd5b:1ab:0:3::2"},
		{"internet services sit in 198.19.1.0/24", internetServiceAddr(4).String(), "198.19.1.4"},
		{"and their twins in fd5b:1ab:0:101::/64", V6Of(internetServiceAddr(4)).String(), "fd5b:1ab:0:101::4"},
		{"provider services follow the hosts", providerServiceAddr(3, 1).String(), "198.18.3.101"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %s, want %s", c.got, c.want)
			}
		})
	}
	if !p6.Contains(V6Of(hostAddr(3, 2))) || p6.Contains(V6Of(hostAddr(4, 2))) {
		t.Error("a provider's /64 must hold its own hosts' twins and no other provider's")
	}
	for _, a := range []netip.Addr{hostAddr(3, 2), internetServiceAddr(9), internetAddr} {
		if sibling(sibling(a)) != a || sibling(a) != V6Of(a) {
			t.Errorf("sibling(%s) does not round-trip", a)
		}
	}
}

func requireRootOrSkip(t *testing.T) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal("lab tests need root; CI=true, so this fails instead of skipping")
	}
	t.Skip("lab tests need root")
}
