package egress

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// These tests compare our open/closed/filtered classification with Debian's
// nmap on targets inside a network namespace the test creates: 127.0.0.0/8
// of that namespace, where a listener process holds the open ports and an
// nftables input rule drops everything to 127.0.2.0/24 (blackholed). No
// packet leaves the namespace.

const helperEnv = "SOVB_EGRESS_HELPER"

// TestEgressHelperProcess is not a test: it is the process the comparison
// starts inside the namespace, as a listener or as the probe.
func TestEgressHelperProcess(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "":
		return
	case "listen":
		helperListen()
	case "probe":
		helperProbe()
	}
	os.Exit(0)
}

func helperListen() {
	for _, p := range strings.Split(os.Getenv("SOVB_TCP"), ",") {
		l, err := net.Listen("tcp4", "0.0.0.0:"+p)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
	}
	for _, p := range strings.Split(os.Getenv("SOVB_UDP"), ",") {
		if p == "" {
			continue
		}
		c, err := net.ListenPacket("udp4", "0.0.0.0:"+p)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		go func() {
			buf := make([]byte, 1500)
			for {
				n, from, err := c.ReadFrom(buf)
				if err != nil {
					return
				}
				c.WriteTo(buf[:n], from)
			}
		}()
	}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n') // until the test closes stdin
}

func helperProbe() {
	params, err := os.ReadFile(os.Getenv("SOVB_PARAMS"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	p, err := newEgress(yamlDecoder(string(params)))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ev, err := p.Run(context.Background(), probes.Target{Name: "ns"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(ev.Egress)
}

// requireRootNetns skips without root, or fails when CI=true.
func requireRootNetns(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() == 0 {
		for _, bin := range []string{"ip", "nft", "nmap", "/usr/bin/time"} {
			if _, err := exec.LookPath(bin); err != nil {
				tb.Fatalf("%s is missing (scripts/deps installs it): %v", bin, err)
			}
		}
		return
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal("the nmap comparison needs root (network namespaces); CI=true, so this is a failure")
	}
	tb.Skip("the nmap comparison needs root (network namespaces)")
}

// scanNetns creates a namespace with lo up, 127.0.2.0/24 blackholed and a
// listener on tcp and udp ports; it is removed when the test ends.
func scanNetns(tb testing.TB, tcp, udp []int) string {
	tb.Helper()
	requireRootNetns(tb)
	b := make([]byte, 3)
	rand.Read(b)
	ns := "sovb-eg-" + hex.EncodeToString(b)
	mustRun(tb, "", "ip", "netns", "add", ns)
	tb.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	mustRun(tb, "", "ip", "-n", ns, "link", "set", "lo", "up")
	// ICMP port-unreachable answers are rate limited per namespace; both tools need them all.
	mustRun(tb, "", "ip", "netns", "exec", ns, "sh", "-c", "echo 0 > /proc/sys/net/ipv4/icmp_ratelimit")
	mustRun(tb, "table inet egtest {\n chain in {\n  type filter hook input priority 0; policy accept;\n  ip daddr 127.0.2.0/24 drop\n }\n}\n",
		"ip", "netns", "exec", ns, "nft", "-f", "-")
	cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestEgressHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"=listen", "SOVB_TCP="+joinInts(tcp), "SOVB_UDP="+joinInts(udp))
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		tb.Fatalf("listener: %q", line)
	}
	return ns
}

func mustRun(tb testing.TB, stdin string, argv ...string) {
	tb.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("%s: %v: %s", strings.Join(argv, " "), err, out)
	}
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// measured is one tool's run: its wall time and peak RSS.
type measured struct {
	wall   time.Duration
	cpu    time.Duration // user + system
	maxRSS int64         // bytes
}

// runIn runs argv inside ns under GNU time, which forks the tool and
// reports the tool's own peak RSS. The kernel's rusage of a child this
// process starts cannot: Go starts it with vfork, and a vforked child
// inherits this process's peak (tens of MB after a large scan).
func runIn(tb testing.TB, ns string, env []string, argv ...string) ([]byte, measured) {
	tb.Helper()
	return runInWith(tb, ns, env, nil, argv...)
}

// runInWith is runIn with stdin (nil: none).
func runInWith(tb testing.TB, ns string, env []string, stdin []byte, argv ...string) ([]byte, measured) {
	tb.Helper()
	peak := filepath.Join(tb.TempDir(), "peak")
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns, "/usr/bin/time", "-f", "%M", "-o", peak}, argv...)...)
	cmd.Env = append(os.Environ(), env...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	m := measured{wall: time.Since(start)}
	if err != nil {
		tb.Fatalf("%s: %v: %s", strings.Join(argv, " "), err, stderr.String())
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b, err := os.ReadFile(peak)
	if err != nil {
		tb.Fatalf("%s: no peak RSS from time: %v", strings.Join(argv, " "), err)
	}
	kib, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		tb.Fatalf("peak RSS %q: %v", b, err)
	}
	m.maxRSS = kib * 1024
	return out, m
}

// runOurs runs the egress probe inside ns on the destinations and returns
// "ip:port/proto" -> state.
func runOurs(tb testing.TB, ns string, params string) (map[string]string, measured) {
	tb.Helper()
	f, err := os.CreateTemp("", "egress-params-*.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	defer os.Remove(f.Name())
	f.WriteString(params)
	f.Close()
	out, m := runIn(tb, ns, []string{helperEnv + "=probe", "SOVB_PARAMS=" + f.Name()}, os.Args[0], "-test.run=^TestEgressHelperProcess$")
	var d results.EgressDetails
	if err := json.Unmarshal(out, &d); err != nil {
		tb.Fatalf("decoding our evidence: %v: %.200s", err, out)
	}
	return statesOf(d), m
}

// statesOf maps every destination of d to nmap's vocabulary, by
// "ip:port/proto".
func statesOf(d results.EgressDetails) map[string]string {
	states := map[string]string{}
	for _, dst := range d.Destinations {
		a := dst.Attempts[0]
		proto := "tcp"
		if a.Method == results.MethodUDP {
			proto = "udp"
		}
		states[a.Address+"/"+proto] = ourState(a, proto)
	}
	return states
}

// ourState maps an attempt's class to nmap's vocabulary.
func ourState(a results.EgressAttempt, proto string) string {
	switch a.Class {
	case results.ClassOK:
		return "open"
	case string(results.ClassRefused):
		return "closed"
	case string(results.ClassTimeout):
		if proto == "udp" {
			return "open|filtered"
		}
		return "filtered"
	case string(results.ClassUnreachable):
		return "filtered"
	}
	return a.Class
}

// destParams renders egress parameters for every address × port.
func destParams(addrs []string, tcp, udp []int, extra string) string {
	var b strings.Builder
	b.WriteString(extra + "random_ports: -1\ndestinations:\n")
	for _, a := range addrs {
		for _, p := range tcp {
			fmt.Fprintf(&b, "  - {host: %s, port: %d, protocol: tcp}\n", a, p)
		}
		for _, p := range udp {
			fmt.Fprintf(&b, "  - {host: %s, port: %d, protocol: udp}\n", a, p)
		}
	}
	return b.String()
}
