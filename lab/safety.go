package lab

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// ErrPrivilege is returned by Up when the process may not create network
// namespaces.
var ErrPrivilege = errors.New("the lab needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) to create network namespaces; run as root, e.g. sudo sovbench lab up FILE")

// checkPrivileges reports ErrPrivilege unless the effective capabilities
// include CAP_NET_ADMIN (12) and CAP_SYS_ADMIN (21).
func checkPrivileges() error {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return fmt.Errorf("reading capabilities: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		hex, ok := strings.CutPrefix(sc.Text(), "CapEff:")
		if !ok {
			continue
		}
		caps, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
		if err != nil {
			return fmt.Errorf("parsing capabilities %q: %w", hex, err)
		}
		if caps&(1<<12) == 0 || caps&(1<<21) == 0 {
			return ErrPrivilege
		}
		return nil
	}
	return fmt.Errorf("reading capabilities: no CapEff in /proc/self/status")
}

// checkTools makes sure the commands the lab runs are installed.
func checkTools() error {
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("the lab needs %s (Debian packages iproute2 and nftables; see scripts/deps): %w", tool, err)
		}
	}
	return nil
}

// checkRootNamespace refuses to go on when the namespace this process runs
// in (the root namespace) holds or routes any lab address: lab traffic must
// never meet a real interface.
func checkRootNamespace(ctx context.Context) error {
	var problems []string
	for _, args := range [][]string{{"-j", "addr", "show"}} {
		out, err := exec.CommandContext(ctx, "ip", args...).Output()
		if err != nil {
			return fmt.Errorf("listing root namespace addresses: %w", err)
		}
		var links []struct {
			IfName   string `json:"ifname"`
			AddrInfo []struct {
				Local     string `json:"local"`
				PrefixLen int    `json:"prefixlen"`
			} `json:"addr_info"`
		}
		if err := json.Unmarshal(out, &links); err != nil {
			return fmt.Errorf("decoding ip addr output: %w", err)
		}
		for _, l := range links {
			for _, a := range l.AddrInfo {
				if p, err := netip.ParsePrefix(fmt.Sprintf("%s/%d", a.Local, a.PrefixLen)); err == nil && overlapsLab(p) {
					problems = append(problems, fmt.Sprintf("address %s on %s", p, l.IfName))
				}
			}
		}
	}
	for _, fam := range []string{"-4", "-6"} {
		out, err := exec.CommandContext(ctx, "ip", "-j", fam, "route", "show", "table", "all").Output()
		if err != nil {
			return fmt.Errorf("listing root namespace routes: %w", err)
		}
		var routes []struct {
			Dst string `json:"dst"`
			Dev string `json:"dev"`
		}
		if err := json.Unmarshal(out, &routes); err != nil {
			return fmt.Errorf("decoding ip route output: %w", err)
		}
		for _, r := range routes {
			if p, ok := parseRouteDst(r.Dst); ok && p.Bits() > 0 && overlapsLab(p) {
				problems = append(problems, fmt.Sprintf("route %s dev %s", r.Dst, r.Dev))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("refusing to start: the root namespace already uses lab prefixes %s and %s (%s); remove them first",
			Prefix4, Prefix6, strings.Join(problems, "; "))
	}
	return nil
}

func parseRouteDst(dst string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(dst); err == nil {
		return p, true
	}
	if a, err := netip.ParseAddr(dst); err == nil {
		return hostPrefix(a), true
	}
	return netip.Prefix{}, false
}

func overlapsLab(p netip.Prefix) bool { return p.Overlaps(Prefix4) || p.Overlaps(Prefix6) }
