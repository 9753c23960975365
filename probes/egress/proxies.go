package egress

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"

	"github.com/sovbench/sovbench/results"
)

// proxyEnvVars are the environment variables that name a proxy.
var proxyEnvVars = []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"}

// proxyLine matches a proxy setting in a shell, apt, wget, yum or systemd
// configuration line: a proxy keyword, then = or a space, then a URL or
// host:port.
// (Compiled on first use: every agent start links this package.)
var proxyLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(?:^|[\s"';{:])(?:https?_proxy|all_proxy|proxy|Acquire::https?::Proxy|DefaultEnvironment=.*?https?_proxy)\s*[=\s]\s*"?'?((?:https?://)?[A-Za-z0-9._\-\[\]:]+:\d+)`)
})

// pacProxy matches a PROXY entry of a PAC file.
var pacProxy = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)PROXY\s+([A-Za-z0-9._\-\[\]:]+:\d+)`)
})

// wpadLease matches a WPAD URL in a DHCP lease (option 252).
var wpadLease = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(?:wpad|option[- ]252|proxy-auto-config)[^"\n]*"?(https?://[^\s";]+)`)
})

// proxySet collects proxies without duplicates, first source kept.
type proxySet struct{ list []results.ProxyFound }

func (s *proxySet) add(raw, source string) {
	u := normaliseProxy(raw)
	if u == "" || slices.ContainsFunc(s.list, func(p results.ProxyFound) bool { return p.URL == u }) {
		return
	}
	s.list = append(s.list, results.ProxyFound{URL: u, Source: source})
}

// normaliseProxy turns "host:port" or a URL into http://host:port ("" when
// it names no host and port).
func normaliseProxy(raw string) string {
	raw = strings.Trim(strings.TrimSpace(raw), `"';`)
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || u.Port() == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// staticProxies are the proxies known before the run: the suite's, then
// the environment's.
func staticProxies(named string, env func(string) string) []results.ProxyFound {
	var s proxySet
	s.add(named, "suite")
	for _, k := range proxyEnvVars {
		s.add(env(k), "env:"+k)
	}
	return s.list
}

// filesUnder lists path, or the regular files directly in it when it is a
// directory.
func filesUnder(path string) []string {
	st, err := os.Stat(path)
	if err != nil {
		return nil
	}
	if !st.IsDir() {
		return []string{path}
	}
	ents, _ := os.ReadDir(path)
	var out []string
	for _, e := range ents {
		if e.Type().IsRegular() {
			out = append(out, filepath.Join(path, e.Name()))
		}
	}
	return out
}

// scanFiles feeds every line of the files under paths to match.
func scanFiles(paths []string, match func(path, line string)) {
	for _, p := range paths {
		for _, f := range filesUnder(p) {
			fh, err := os.Open(f)
			if err != nil {
				continue
			}
			sc := bufio.NewScanner(io.LimitReader(fh, 1<<20))
			for sc.Scan() {
				if line := sc.Text(); !strings.HasPrefix(strings.TrimSpace(line), "#") {
					match(f, line)
				}
			}
			fh.Close()
		}
	}
}

// configProxies finds proxies in system configuration files.
func configProxies(paths []string) []results.ProxyFound {
	var s proxySet
	scanFiles(paths, func(f, line string) {
		for _, m := range proxyLine().FindAllStringSubmatch(line, -1) {
			s.add(m[1], "file:"+f)
		}
	})
	return s.list
}

// leaseWPAD finds WPAD URLs in DHCP lease files.
func leaseWPAD(paths []string) map[string]string {
	out := map[string]string{}
	scanFiles(paths, func(f, line string) {
		if m := wpadLease().FindStringSubmatch(line); m != nil {
			out[m[1]] = "dhcp:" + f
		}
	})
	return out
}

// wpadNames are the WPAD host names of the host's search domains: wpad.D
// for each domain D and each parent of it with at least two labels.
func wpadNames(search []string) []string {
	var out []string
	for _, d := range search {
		labels := dns.SplitDomainName(d)
		for i := 0; len(labels)-i >= 1 && (i == 0 || len(labels)-i >= 2); i++ {
			n := "wpad." + strings.Join(labels[i:], ".")
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

// fetchPAC fetches a PAC file (at most 64 KiB) and returns its PROXY entries.
func fetchPAC(ctx context.Context, pacURL string, dial dialFunc) []string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pacURL, nil)
	if err != nil {
		return nil
	}
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: true, DialContext: dial}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	var out []string
	for _, m := range pacProxy().FindAllStringSubmatch(string(body), -1) {
		out = append(out, m[1])
	}
	return out
}

// gateways reads the gateways of the host's routing tables (IPv4 and IPv6).
func gateways(route4, route6 string) []net.IP {
	var out []net.IP
	scanFiles([]string{route4}, func(_, line string) {
		f := strings.Fields(line)
		if len(f) < 4 || f[1] == "Destination" {
			return
		}
		flags, _ := strconv.ParseUint(f[3], 16, 32)
		gw, err := hex.DecodeString(f[2])
		if err != nil || len(gw) != 4 || flags&0x2 == 0 {
			return
		}
		ip := net.IPv4(gw[3], gw[2], gw[1], gw[0])
		if !slices.ContainsFunc(out, ip.Equal) {
			out = append(out, ip)
		}
	})
	scanFiles([]string{route6}, func(_, line string) {
		f := strings.Fields(line)
		if len(f) < 10 {
			return
		}
		gw, err := hex.DecodeString(f[4])
		flags, _ := strconv.ParseUint(f[8], 16, 32)
		if err != nil || len(gw) != 16 || flags&0x2 == 0 || binary.BigEndian.Uint64(gw[:8])|binary.BigEndian.Uint64(gw[8:]) == 0 {
			return
		}
		ip := net.IP(gw)
		if !slices.ContainsFunc(out, ip.Equal) {
			out = append(out, ip)
		}
	})
	return out
}

// openPort reports whether a TCP connect to addr completes within timeout.
func openPort(ctx context.Context, addr string, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d := net.Dialer{KeepAlive: -1}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
