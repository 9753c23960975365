package lab_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/lab/labtest"
)

const smallLab = `
lab: small
internet: {location: {lat: 50.11, lon: 8.68}}
providers:
  - name: acme
    location: {lat: 49.61, lon: 6.13}
    egress: {policy: drop}
    hosts: [{name: vm, dns: [sink]}]
services:
  - {name: sink, kind: sink, at: internet, params: {tcp: [80]}}
`

// rootLinks lists the root namespace's devices.
func rootLinks(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("ip", "-o", "link", "show").Output()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(line); len(f) > 1 {
			names = append(names, strings.TrimSuffix(f[1], ":"))
		}
	}
	slices.Sort(names)
	return names
}

// labNamespaces lists the namespaces that carry a lab id's prefix.
func labNamespaces(t *testing.T, id string) []string {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(f[0], id+"-") {
			names = append(names, f[0])
		}
	}
	return names
}

// startCLI runs "sovbench lab up" and waits until the lab is ready.
func startCLI(t *testing.T, bin, file, name string) (*exec.Cmd, *lab.State) {
	t.Helper()
	cmd := exec.Command(bin, "lab", "up", "--name", name, file)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); lab.Stop(t.Context(), name, time.Second) })
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if s, err := lab.ReadState(name); err == nil && s.Ready && s.PID == cmd.Process.Pid {
			return cmd, s
		}
	}
	t.Fatal("the lab did not become ready within a minute")
	return nil, nil
}

func TestLabUpThenDownLeavesNothingBehind(t *testing.T) {
	labtest.RequireRoot(t)
	bin := labtest.Binary(t)
	file := filepath.Join(t.TempDir(), "small.yaml")
	os.WriteFile(file, []byte(smallLab), 0o644)
	cases := []struct {
		name string
		stop func(t *testing.T, cmd *exec.Cmd, name string)
	}{
		{"SIGTERM makes up remove its lab", func(t *testing.T, cmd *exec.Cmd, name string) {
			cmd.Process.Signal(syscall.SIGTERM)
			if err := cmd.Wait(); err != nil {
				t.Errorf("lab up after SIGTERM: %v", err)
			}
		}},
		{"lab down stops a running up", func(t *testing.T, cmd *exec.Cmd, name string) {
			if out, err := exec.Command(bin, "lab", "down", name).CombinedOutput(); err != nil {
				t.Fatalf("lab down: %v: %s", err, out)
			}
			cmd.Wait()
		}},
		{"lab down cleans up after up was killed with SIGKILL", func(t *testing.T, cmd *exec.Cmd, name string) {
			cmd.Process.Kill()
			cmd.Wait()
			if out, err := exec.Command(bin, "lab", "down", name).CombinedOutput(); err != nil {
				t.Fatalf("lab down: %v: %s", err, out)
			}
		}},
		{"the next up removes a lab whose process was killed", func(t *testing.T, cmd *exec.Cmd, name string) {
			cmd.Process.Kill()
			cmd.Wait()
			labtest.Up(t, smallLab)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := rootLinks(t)
			name := labtest.UniqueName("cli")
			cmd, st := startCLI(t, bin, file, name)
			if got := labNamespaces(t, st.ID); len(got) != 2 {
				t.Fatalf("running lab has namespaces %v, want 2", got)
			}
			if _, err := os.Stat("/etc/netns/" + st.Namespaces[1] + "/resolv.conf"); err != nil {
				t.Errorf("host resolv.conf: %v", err)
			}
			checkStatusJSON(t, bin, name)
			c.stop(t, cmd, name)
			if got := labNamespaces(t, st.ID); len(got) != 0 {
				t.Errorf("namespaces left behind: %v", got)
			}
			if _, err := os.Stat(st.Dir()); !os.IsNotExist(err) {
				t.Errorf("state directory left behind: %v", err)
			}
			if _, err := os.Stat("/etc/netns/" + st.Namespaces[1]); !os.IsNotExist(err) {
				t.Errorf("/etc/netns entry left behind: %v", err)
			}
			if after := rootLinks(t); !slices.Equal(before, after) {
				t.Errorf("root namespace links changed:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

func TestLabUpWithoutPrivilegeSaysItNeedsRoot(t *testing.T) {
	labtest.RequireRoot(t)
	bin := labtest.Binary(t)
	dir, err := os.MkdirTemp("", "sovbench-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, p := range []string{dir, filepath.Dir(bin), bin} {
		os.Chmod(p, 0o755)
	}
	file := filepath.Join(dir, "small.yaml")
	os.WriteFile(file, []byte(smallLab), 0o644)
	out, err := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
		bin, "lab", "up", file).CombinedOutput()
	if err == nil {
		t.Fatalf("lab up as nobody succeeded: %s", out)
	}
	if !strings.Contains(string(out), "the lab needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN)") {
		t.Errorf("lab up as nobody said %q; want the privilege message", out)
	}
}

// checkStatusJSON reads "lab status -o json NAME" and checks the ground
// truth and reachability it prints.
func checkStatusJSON(t *testing.T, bin, name string) {
	t.Helper()
	out, err := exec.Command(bin, "lab", "status", "-o", "json", name).Output()
	if err != nil {
		t.Fatalf("lab status: %v", err)
	}
	var st []lab.Status
	if err := json.Unmarshal(out, &st); err != nil || len(st) != 1 || st[0].Topology == nil {
		t.Fatalf("lab status -o json: %v: %s", err, out)
	}
	p := st[0].Topology.Providers[0]
	if !st[0].Running || p.Location.Lat != 49.61 || len(p.Hosts) != 1 {
		t.Errorf("status truth: running %v, provider %+v", st[0].Running, p)
	}
	if r := p.Hosts[0].Reach; len(r) != 1 || r[0].To != "sink" || r[0].Expect != lab.ExpectTimeout {
		t.Errorf("status reach of the drop host: %+v, want sink: timeout", r)
	}
	for ns, links := range st[0].Links {
		for _, l := range links {
			if !strings.HasPrefix(l, "lo ") && !strings.HasPrefix(l, "sbt0 ") && !strings.HasPrefix(l, "sbd0 ") {
				t.Errorf("namespace %s has link %s: only lo, the forwarder's TUN and the blackhole may exist", ns, l)
			}
		}
	}
}

func TestLabUpDetachReturnsWhenReady(t *testing.T) {
	labtest.RequireRoot(t)
	bin := labtest.Binary(t)
	file := filepath.Join(t.TempDir(), "small.yaml")
	os.WriteFile(file, []byte(smallLab), 0o644)
	name := labtest.UniqueName("detach")
	t.Cleanup(func() { lab.Stop(t.Context(), name, time.Second) })
	if out, err := exec.Command(bin, "lab", "up", "--detach", "--name", name, file).CombinedOutput(); err != nil {
		t.Fatalf("lab up --detach: %v: %s", err, out)
	}
	st, err := lab.ReadState(name)
	if err != nil || !st.Ready || !st.Alive() || st.Holder != "sovbench lab up" {
		t.Fatalf("after --detach returned: state %+v, %v; want a ready, live, CLI-held lab", st, err)
	}
	if out, err := exec.Command(bin, "lab", "exec", name+":acme/vm", "--", "ip", "-o", "addr", "show", "dev", "sbt0").Output(); err != nil || !strings.Contains(string(out), "198.18.1.1/32") {
		t.Errorf("lab exec: %v: %s", err, out)
	}
	if out, err := exec.Command(bin, "lab", "down", name).CombinedOutput(); err != nil {
		t.Fatalf("lab down: %v: %s", err, out)
	}
	if got := labNamespaces(t, st.ID); len(got) != 0 || st.Alive() {
		t.Errorf("after lab down: namespaces %v, process alive %v", got, st.Alive())
	}
}
