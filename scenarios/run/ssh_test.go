package run

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/scenarios/plan"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// sshServer is a real OpenSSH sshd on a loopback port.
type sshServer struct {
	addr       string
	key        string // client private key
	knownHosts string
	dir        string
}

func requireRootTool(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil || os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s as root is required in CI (scripts/deps installs it): %v", tool, err)
		}
		t.Skipf("needs root and %s", tool)
	}
}

func keygen(t *testing.T, path string) {
	t.Helper()
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// sshUser is the account the tests log in as: a system user with /bin/sh,
// created once, so that no login runs a heavy interactive shell setup.
const sshUser = "sovbench-ssh"

func ensureSSHUser(t *testing.T) {
	t.Helper()
	if exec.Command("id", sshUser).Run() != nil {
		if out, err := exec.Command("useradd", "--system", "--shell", "/bin/sh", "--home-dir", "/nonexistent", "--no-create-home", sshUser).CombinedOutput(); err != nil {
			t.Fatalf("creating test user %s: %v: %s", sshUser, err, out)
		}
	}
	// With UsePAM no, sshd refuses keys for a locked account ("!" password);
	// "*" means no password and not locked.
	if out, err := exec.Command("usermod", "-p", "*", sshUser).CombinedOutput(); err != nil {
		t.Fatalf("unlocking test user %s: %v: %s", sshUser, err, out)
	}
}

// publicDir is a temporary directory the unprivileged SSH user can read.
func publicDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sovbench-ssh-test-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// startSSHD starts sshd on 127.0.0.1 with fresh host and client keys.
func startSSHD(t *testing.T) *sshServer {
	t.Helper()
	sshd := "/usr/sbin/sshd"
	requireRootTool(t, sshd)
	ensureSSHUser(t)
	dir := publicDir(t)
	keygen(t, filepath.Join(dir, "host"))
	keygen(t, filepath.Join(dir, "client"))
	port := freePort(t)
	pub, _ := os.ReadFile(filepath.Join(dir, "client.pub"))
	os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o644)
	hostPub, _ := os.ReadFile(filepath.Join(dir, "host.pub"))
	fields := strings.Fields(string(hostPub))
	os.WriteFile(filepath.Join(dir, "known_hosts"), []byte(fmt.Sprintf("[127.0.0.1]:%d %s %s\n", port, fields[0], fields[1])), 0o600)
	cfg := fmt.Sprintf(`ListenAddress 127.0.0.1:%d
HostKey %s/host
AuthorizedKeysFile %s/authorized_keys
PidFile none
UsePAM no
StrictModes no
PermitRootLogin no
AllowUsers `+sshUser+`
PasswordAuthentication no
KbdInteractiveAuthentication no
`, port, dir, dir)
	os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(cfg), 0o600)
	os.MkdirAll("/run/sshd", 0o755)
	cmd := exec.Command(sshd, "-D", "-e", "-f", filepath.Join(dir, "sshd_config"))
	cmd.Stderr = &strings.Builder{}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sshd did not listen: %s", cmd.Stderr)
		}
	}
	return &sshServer{addr: addr, key: filepath.Join(dir, "client"), knownHosts: filepath.Join(dir, "known_hosts"), dir: dir}
}

// agentScript is what gets copied to the host: a wrapper that runs (a
// readable copy of) this test binary as the agent; with a fixture, the
// agent reads it in place of this machine (--lab-fixture, as the lab
// starts agents), so the host's evidence is known.
func agentScript(t *testing.T, fixture string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := publicDir(t)
	bin, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(dir, "scenarios.test")
	os.WriteFile(copyPath, bin, 0o755)
	p := filepath.Join(dir, "agent")
	argv := copyPath
	if fixture != "" {
		argv += " --" + plan.LabFixtureFlag + " " + shellQuote(fixture)
	}
	os.WriteFile(p, []byte("#!/bin/sh\n"+agentEnv+"=1 exec "+argv+"\n"), 0o755)
	return p
}

// publicFixtureRoot is fixtureRoot in a directory the SSH user can read.
func publicFixtureRoot(t *testing.T) string {
	t.Helper()
	root := filepath.Join(publicDir(t), "root")
	if err := os.CopyFS(root, os.DirFS(fixtureRoot(t))); err != nil {
		t.Fatal(err)
	}
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			os.Chmod(p, fi.Mode()|0o755&^0o022)
		}
		return nil
	})
	return root
}

func sshSuite(t *testing.T, targets string) *suite.Suite {
	t.Helper()
	s, err := suite.Parse("ssh.yaml", []byte(`suite: fleet
provider: {name: p}
budget: 1m
targets:
`+targets+`
probes:
  - probe: host
claims:
  - hypervisor.present: false
`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSSHTargetsRunTheAgentOverRealSSH(t *testing.T) {
	srv := startSSHD(t)
	root := publicFixtureRoot(t)
	closed := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	targets := fmt.Sprintf(`  - name: h
    kind: ssh
    hosts: [%q, %q]
    ssh: {user: `+sshUser+`, key: %s, known_hosts: %s}
`, srv.addr, closed, srv.key, srv.knownHosts)
	r := &Runner{AgentPath: agentScript(t, root)}
	rep := r.Run(context.Background(), sshSuite(t, targets))
	good := rep.FindEvidence("h@" + srv.addr + "/host")
	if good == nil || good.Host == nil || good.Host.Kernel.Value != "6.1.0-test" {
		t.Fatalf("evidence from the ssh host = %+v (interruption: %s)", good, rep.Interruption)
	}
	bad := rep.FindEvidence("h@" + closed + "/host")
	if bad == nil || bad.Failure == nil || bad.Failure.Class != results.ClassRefused {
		t.Fatalf("evidence of the unreachable host = %+v, want a refused failure", bad)
	}
	if rep.Status != results.RunIncomplete || !strings.Contains(rep.Interruption, closed) {
		t.Errorf("report status %s (%q), want incomplete naming the failed host", rep.Status, rep.Interruption)
	}
	// Second run: the agent is already there with the same digest.
	remote := "/tmp/sovbench-agent-"
	matches, _ := filepath.Glob(remote + "*")
	if len(matches) == 0 {
		t.Fatal("agent binary was not copied to the host")
	}
	before, _ := os.Stat(matches[0])
	time.Sleep(10 * time.Millisecond)
	warm := r.Run(context.Background(), sshSuite(t, fmt.Sprintf("  - {name: h, kind: ssh, address: %q, ssh: {user: %s, key: %s, known_hosts: %s}}\n", srv.addr, sshUser, srv.key, srv.knownHosts)))
	after, _ := os.Stat(matches[0])
	if !after.ModTime().Equal(before.ModTime()) {
		t.Error("agent binary copied again although the host had the same one")
	}
	if ev := warm.FindEvidence("h/host"); ev == nil || ev.Host == nil || ev.Host.Kernel.Value != "6.1.0-test" {
		t.Errorf("warm run's evidence = %+v (interruption: %s)", ev, warm.Interruption)
	}
	// A path of the user's choosing: copied once, hashed there on every run.
	dir := publicDir(t)
	os.Chmod(dir, 0o1777) // the SSH user writes there
	chosen := filepath.Join(dir, "my-agent")
	for i := range 2 {
		rep := r.Run(context.Background(), sshSuite(t, fmt.Sprintf("  - {name: h, kind: ssh, address: %q, ssh: {user: %s, key: %s, known_hosts: %s, agent_path: %s}}\n", srv.addr, sshUser, srv.key, srv.knownHosts, chosen)))
		if ev := rep.FindEvidence("h/host"); ev == nil || ev.Host == nil {
			t.Fatalf("run %d with agent_path: evidence %+v (interruption: %s)", i, ev, rep.Interruption)
		}
	}
	if fi, err := os.Stat(chosen); err != nil || fi.Mode()&0o111 == 0 {
		t.Errorf("agent not installed executable at agent_path: %v %v", fi, err)
	}
	t.Cleanup(func() {
		for _, m := range matches {
			os.Remove(m)
		}
	})
}

func TestSSHHostKeyMismatchIsRefused(t *testing.T) {
	srv := startSSHD(t)
	keygen(t, filepath.Join(srv.dir, "other"))
	otherPub, _ := os.ReadFile(filepath.Join(srv.dir, "other.pub"))
	f := strings.Fields(string(otherPub))
	host, port, _ := net.SplitHostPort(srv.addr)
	wrong := filepath.Join(srv.dir, "wrong_known_hosts")
	os.WriteFile(wrong, []byte(fmt.Sprintf("[%s]:%s %s %s\n", host, port, f[0], f[1])), 0o600)
	empty := filepath.Join(srv.dir, "empty_known_hosts")
	os.WriteFile(empty, nil, 0o600)
	for name, kh := range map[string]string{"a changed host key": wrong, "an unknown host": empty} {
		t.Run(name, func(t *testing.T) {
			x := sshExecutor{address: srv.addr, spec: suite.SSHSpec{User: sshUser, Key: srv.key, KnownHosts: kh}, agent: agentScript(t, "")}
			err := x.execute(context.Background(), plan.Plan{}, func(results.Evidence) {})
			if err == nil {
				t.Fatal("connected despite the host key")
			}
			want := map[string]string{"a changed host key": "does not match", "an unknown host": "is not in"}[name]
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		})
	}
}

// A copy cut short (the connection broke, so the remote cat saw EOF early)
// must never become the agent that later runs skip copying.
func TestSSHStartScriptInstallsOnlyACompleteCopy(t *testing.T) {
	dir := t.TempDir()
	bin := []byte("#!/bin/sh\necho agent \"$@\"\n")
	sum := sha256.Sum256(bin)
	path := filepath.Join(dir, "agent")
	script := startScript(fmt.Sprintf("[ -x %s ]", shellQuote(path)), shellQuote(path), hex.EncodeToString(sum[:]))
	run := func(stdin []byte) (string, error) {
		cmd := exec.Command("sh", "-c", script)
		cmd.Stdin = bytes.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(bin[:len(bin)-5])
	if err == nil || !strings.Contains(out, "not installed") {
		t.Fatalf("truncated copy: err %v, output %q", err, out)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("truncated copy left %v", entries)
	}
	if out, err := run(bin); err != nil || strings.TrimSpace(out) != "need" {
		t.Fatalf("complete copy: err %v, output %q", err, out)
	}
	if out, err := run(nil); err != nil || out != "have\nagent agent --stdio\n" {
		t.Fatalf("installed agent: err %v, output %q", err, out)
	}
}
