package labtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sovbench/sovbench/lab"
)

// RequireRoot skips the test without root privileges, or fails it when the
// CI environment variable is "true".
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("lab tests need root (network namespaces); CI=true, so this is a failure, not a skip")
	}
	t.Skip("lab tests need root (network namespaces)")
}

// Up parses the lab YAML, gives it a name unique to this test run, stands
// it up and removes it when the test ends.
func Up(t testing.TB, yamlText string) *lab.Lab {
	t.Helper()
	RequireRoot(t)
	topo, err := lab.Parse(t.Name()+".yaml", []byte(yamlText))
	if err != nil {
		t.Fatalf("parsing the test lab: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l, err := lab.Up(ctx, topo, lab.Options{Name: UniqueName(topo.Name)})
	if err != nil {
		t.Fatalf("starting the test lab: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Down(); err != nil {
			t.Errorf("removing the test lab: %v", err)
		}
	})
	return l
}

// UniqueName returns base with a random suffix, a valid lab name.
func UniqueName(base string) string {
	b := make([]byte, 3)
	rand.Read(b)
	if len(base) > 25 {
		base = base[:25]
	}
	return base + "-" + hex.EncodeToString(b)
}

// Namespace returns the namespace of host provider/host.
func Namespace(t testing.TB, l *lab.Lab, host string) string {
	t.Helper()
	ns, err := l.Namespace(host)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// Exec runs argv inside the host's namespace (ip netns exec) with a
// deadline and returns its standard output; a failure fails the test.
func Exec(t testing.TB, l *lab.Lab, host string, argv ...string) string {
	t.Helper()
	out, err := TryExec(l, host, 30*time.Second, argv...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TryExec is Exec that returns the error (with standard error) instead.
func TryExec(l *lab.Lab, host string, timeout time.Duration, argv ...string) (string, error) {
	ns, err := l.Namespace(host)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns}, argv...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("running %s in %s: %w: %s", strings.Join(argv, " "), host, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// built is one command built once per test process.
type built struct {
	once sync.Once
	path string
	err  error
}

var cli, slimAgent built

// Binary builds the sovbench command once per test process and returns its
// path: the CLI, which also acts as agent ("sovbench agent --stdio").
func Binary(t testing.TB) string {
	t.Helper()
	return cli.build(t, "sovbench", "github.com/sovbench/sovbench/cmd/sovbench", nil)
}

// AgentBinary builds the slim agent (cmd/sovbench-agent) once per test
// process, as it ships (static, stripped: see scripts/demo), and returns
// its path: what the runner copies to lab and SSH hosts by default.
func AgentBinary(t testing.TB) string {
	t.Helper()
	return slimAgent.build(t, "sovbench-agent", "github.com/sovbench/sovbench/cmd/sovbench-agent",
		[]string{"CGO_ENABLED=0"}, "-trimpath", "-ldflags=-s -w")
}

// build runs "go build" of pkg once, with env added to the environment.
func (b *built) build(t testing.TB, name, pkg string, env []string, flags ...string) string {
	t.Helper()
	b.once.Do(func() {
		var dir string
		dir, b.err = os.MkdirTemp("", "sovbench-labtest-")
		if b.err != nil {
			return
		}
		b.path = filepath.Join(dir, name)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", append(append([]string{"build", "-o", b.path}, flags...), pkg)...)
		cmd.Env = append(os.Environ(), env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("building %s: %w: %s", name, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}
