package lab_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/lab/labtest"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/run"
	"github.com/sovbench/sovbench/scenarios/suite"
)

const fleetSize = 50

// fleetSSHUser logs in on the fleet: a /bin/sh system user, unlocked.
const fleetSSHUser = "sovbench-ssh"

// fleetLab is an auditor host and fleetSize hosts, each running a real sshd
// on its lab address with one shared host key.
type fleetLab struct {
	lab        *lab.Lab
	auditNS    string
	hosts      []string
	key        string
	knownHosts string
	agent      string
	sshd       []int // the sshd listeners' process IDs
}

func startFleet(t *testing.T) *fleetLab {
	t.Helper()
	labtest.RequireRoot(t)
	for _, tool := range []string{"/usr/sbin/sshd", "ssh-keygen", "useradd"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (scripts/deps installs openssh-server): %v", tool, err)
		}
	}
	if exec.Command("id", fleetSSHUser).Run() != nil {
		if out, err := exec.Command("useradd", "--system", "--shell", "/bin/sh", "--home-dir", "/nonexistent", "--no-create-home", fleetSSHUser).CombinedOutput(); err != nil {
			t.Fatalf("useradd: %v: %s", err, out)
		}
	}
	exec.Command("usermod", "-p", "*", fleetSSHUser).Run()

	var hosts strings.Builder
	for i := 1; i <= fleetSize; i++ {
		fmt.Fprintf(&hosts, "      - {name: h%d}\n", i)
	}
	l := labtest.Up(t, `lab: fleet
providers:
  - name: audit
    location: {lat: 49.61, lon: 6.13}
    egress: {policy: open}
    hosts: [{name: op}]
  - name: fleet
    location: {lat: 49.61, lon: 6.13}
    egress: {policy: open}
    hosts:
`+hosts.String()+`services:
  - {name: lm-ashburn, kind: landmark, at: internet, location: {lat: 39.04, lon: -77.49}}
`)
	dir, err := os.MkdirTemp("", "sovbench-fleet-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, k := range []string{"host", "client"} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, k)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v: %s", err, out)
		}
	}
	pub, _ := os.ReadFile(filepath.Join(dir, "client.pub"))
	os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o644)
	hostPub, _ := os.ReadFile(filepath.Join(dir, "host.pub"))
	f := strings.Fields(string(hostPub))
	fl := &fleetLab{lab: l, auditNS: labtest.Namespace(t, l, "audit/op"), key: filepath.Join(dir, "client"), knownHosts: filepath.Join(dir, "known_hosts")}
	os.WriteFile(fl.knownHosts, []byte(fmt.Sprintf("198.18.2.* %s %s\n", f[0], f[1])), 0o644)
	os.MkdirAll("/run/sshd", 0o755)
	for i := 1; i <= fleetSize; i++ {
		addr := fmt.Sprintf("198.18.2.%d", i)
		cfg := filepath.Join(dir, fmt.Sprintf("sshd_%d", i))
		os.WriteFile(cfg, []byte(fmt.Sprintf("ListenAddress %s:22\nHostKey %s/host\nAuthorizedKeysFile %s/authorized_keys\nPidFile none\nUsePAM no\nStrictModes no\nPermitRootLogin no\nAllowUsers %s\nPasswordAuthentication no\nMaxStartups 100\n", addr, dir, dir, fleetSSHUser)), 0o600)
		cmd := exec.Command("ip", "netns", "exec", labtest.Namespace(t, l, fmt.Sprintf("fleet/h%d", i)), "/usr/sbin/sshd", "-D", "-e", "-f", cfg)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		fl.hosts = append(fl.hosts, addr)
		fl.sshd = append(fl.sshd, cmd.Process.Pid) // ip netns exec execs sshd in place
	}
	// The agent: the slim agent binary, as the runner copies by default,
	// readable by the SSH user.
	bin, err := os.ReadFile(labtest.AgentBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	fl.agent = filepath.Join(dir, "sovbench-agent")
	os.WriteFile(fl.agent, bin, 0o755)
	// Wait until every sshd listens.
	deadline := time.Now().Add(20 * time.Second)
	for _, h := range fl.hosts {
		for {
			c, err := lab.Dial(context.Background(), fl.auditNS, "tcp", h+":22")
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("sshd on %s does not answer: %v", h, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return fl
}

// identityProbes is the fleet suite's default work: the host's identity
// and the operator's jurisdiction, a few milliseconds of CPU and no waiting.
const identityProbes = `  - probe: jurisdiction
    params: {operator: Clarence}
  - probe: host
`

// locationProbes adds what a location audit does: paced round trips to a
// landmark across the Atlantic, mostly waiting on the network.
func (fl *fleetLab) locationProbes(t testing.TB) string {
	addr, err := fl.lab.Addr("lm-ashburn")
	if err != nil {
		t.Fatal(err)
	}
	return identityProbes + fmt.Sprintf(`  - probe: rtt
    params:
      count: 10
      interval: 100ms
      methods: [tcp]
      landmarks: [{name: lm-ashburn, address: %s, lat: 39.04, lon: -77.49}]
`, addr)
}

// blackholed is a lab address no namespace holds: the forwarder drops what
// is sent there without an answer, as a firewall that drops does.
const blackholed = "198.18.250.1"

// egressProbes adds what watching a disconnected platform does: TCP, UDP
// and ICMP towards a dropped destination, each waiting out the same 3 s
// attempt timeout as the seed suites, with the landmark as the reachable
// control.
func (fl *fleetLab) egressProbes(t testing.TB) string {
	addr, err := fl.lab.Addr("lm-ashburn")
	if err != nil {
		t.Fatal(err)
	}
	return identityProbes + fmt.Sprintf(`  - probe: egress
    params:
      attempt_timeout: 3s
      families: [ip4]
      destinations:
        - {host: %s, port: 7, protocol: tcp, category: provider, control: true}
        - {host: %s, port: 9000, protocol: tcp, category: internet}
        - {host: %s, port: 9000, protocol: udp, category: internet}
        - {host: %s, protocol: icmp, category: internet}
`, addr, blackholed, blackholed, blackholed)
}

// run runs the fleet suite with probes over the first n hosts from the
// auditor host.
func (fl *fleetLab) run(t testing.TB, n int, probes string) *results.Report {
	s, err := suite.Parse("fleet.yaml", []byte(fmt.Sprintf(`suite: fleet
provider: {name: fleet}
budget: 2m
target_concurrency: %d
targets:
  - name: fleet
    kind: ssh
    hosts: [%s]
    ssh: {user: %s, key: %s, known_hosts: %s}
probes:
%sclaims:
  - jurisdiction.within: [EU]
`, fleetSize, strings.Join(fl.hosts[:n], ", "), fleetSSHUser, fl.key, fl.knownHosts, probes)))
	if err != nil {
		t.Fatal(err)
	}
	r := &run.Runner{AgentPath: fl.agent, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return lab.Dial(ctx, fl.auditNS, network, addr)
	}}
	return r.Run(context.Background(), s)
}

func TestFiftyLabHostsOverSSH(t *testing.T) {
	fl := startFleet(t)
	start := time.Now()
	rep := fl.run(t, fleetSize, identityProbes)
	t.Logf("%d hosts over SSH in %v", fleetSize, time.Since(start))
	if rep.Status != results.RunComplete {
		t.Fatalf("run %s: %s", rep.Status, rep.Interruption)
	}
	if len(rep.Verdicts) != fleetSize {
		t.Fatalf("%d verdicts, want one per host", len(rep.Verdicts))
	}
	for _, v := range rep.Verdicts {
		if v.Status != results.StatusPass {
			t.Errorf("%s: %s (%s)", v.Target, v.Status, v.Reason)
		}
	}
	for _, e := range rep.Evidence {
		if e.Failure != nil || (e.Probe == "host" && e.Host == nil) {
			t.Errorf("%s: %v", e.ID, e.Failure)
		}
	}
	// With the agent in place (scripts/bench/fleet.sh reads these lines):
	// one host against the whole fleet, in the same run.
	// The machine's CPU time shows what each host costs (sshd, shell,
	// agent, SSH client, forwarder), which bounds the fan-out on few cores.
	workloads := []struct{ name, probes string }{
		{"identity", identityProbes}, {"location", fl.locationProbes(t)}, {"egress", fl.egressProbes(t)},
	}
	for _, w := range workloads {
		for _, n := range []int{1, fleetSize} {
			start, cpu, hostsCPU, auditor := time.Now(), machineCPU(t), fl.hostsCPU(t), processCPU()
			rep := fl.run(t, n, w.probes)
			if rep.Status != results.RunComplete {
				t.Fatalf("warm %s run of %d: %s", w.name, n, rep.Interruption)
			}
			for _, e := range rep.Evidence {
				if e.Failure != nil {
					t.Errorf("warm %s run of %d: %s: %v", w.name, n, e.ID, e.Failure)
				}
			}
			audit, used, onHosts := processCPU()-auditor, machineCPU(t)-cpu, fl.hostsCPU(t)-hostsCPU
			per := func(d time.Duration) time.Duration { return (d / time.Duration(n)).Round(10 * time.Microsecond) }
			t.Logf("warm %s suite: %d hosts in %v (auditor CPU %v per host: runner, SSH client, forwarder; hosts' own %v per host: sshd, shell, agent; machine CPU %v per host, other work on the machine included)",
				w.name, n, time.Since(start).Round(time.Millisecond), per(audit), per(onHosts), per(used))
		}
	}
}

// hostsCPU is the CPU time the fleet's hosts have spent in their SSH
// sessions: each sshd listener's own time and that of the sessions it has
// reaped (sshd-session, the shell, the agent). On a real fleet this time is
// spent on fifty machines; in the lab it shares the auditor's cores.
func (fl *fleetLab) hostsCPU(t testing.TB) time.Duration {
	// A session's time counts once its sshd has reaped it, which may be
	// after the runner has hung up: wait for every session to end.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		busy := 0
		for _, pid := range fl.sshd {
			if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid)); len(strings.TrimSpace(string(b))) > 0 {
				busy++
			}
		}
		if busy == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d hosts still have SSH sessions 10 s after the run", busy)
		}
	}
	var ticks int64
	for _, pid := range fl.sshd {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			t.Fatal(err)
		}
		_, rest, _ := strings.Cut(string(b), ") ") // the command name may hold spaces
		f := strings.Fields(rest)                  // f[0] is field 3, state
		for _, v := range f[11:15] {               // utime stime cutime cstime
			var n int64
			fmt.Sscan(v, &n)
			ticks += n
		}
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

// processCPU is the CPU time of this process: the auditor's side of a run
// (runner, SSH clients, the lab's forwarder), apart from the hosts' own and
// from whatever else the machine runs.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineCPU is the busy time of all CPUs so far, from /proc/stat.
func machineCPU(t testing.TB) time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	var busy int64
	for i, v := range f[1:9] {
		if i == 3 || i == 4 { // idle, iowait; guest time is already in user
			continue
		}
		var n int64
		fmt.Sscan(v, &n)
		busy += n
	}
	return time.Duration(busy) * time.Second / 100 // USER_HZ
}
