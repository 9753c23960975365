// Package pgtest starts a throwaway PostgreSQL server for tests and
// benchmarks in any package: initdb into a temporary directory, the server
// on 127.0.0.1 (a free port) and on a unix socket in that directory, and
// everything stopped and removed when the test ends. It sends no traffic
// anywhere but loopback and its own socket.
//
// PostgreSQL refuses to run as root, so under root the server runs as the
// system user "sovbench-pg", created on first use (like the SSH tests'
// "sovbench-ssh").
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// User is the system user the server runs as when the test runs as root.
const User = "sovbench-pg"

// Server is one running PostgreSQL server.
type Server struct {
	dir  string // data directory and socket directory live under it
	port int
	cmd  *exec.Cmd
	// exited is closed when cmd has exited.
	exited chan struct{}
	log    string
	cred   *syscall.Credential // nil: as this process's user
}

// BinDir finds the directory holding PostgreSQL's initdb and postgres:
// $SOVBENCH_PG_BIN, then the newest /usr/lib/postgresql/<version>/bin
// (Debian installs them there, off PATH), then PATH.
func BinDir() (string, error) {
	has := func(dir string) bool {
		for _, b := range []string{"initdb", "postgres"} {
			if fi, err := os.Stat(filepath.Join(dir, b)); err != nil || fi.Mode()&0o111 == 0 {
				return false
			}
		}
		return true
	}
	if d := os.Getenv("SOVBENCH_PG_BIN"); d != "" {
		if !has(d) {
			return "", fmt.Errorf("finding PostgreSQL: SOVBENCH_PG_BIN=%s has no initdb and postgres", d)
		}
		return d, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return versionOf(b) - versionOf(a) })
	for _, d := range dirs {
		if has(d) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("postgres"); err == nil && has(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	return "", errors.New("finding PostgreSQL: no initdb and postgres in /usr/lib/postgresql/*/bin or on PATH (scripts/deps installs postgresql)")
}

// versionOf is the major version in /usr/lib/postgresql/<version>/bin.
func versionOf(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

// Start starts a server for tb and stops and removes it when tb ends. It
// does not fsync (a test database need not survive a crash), which makes
// creating tables several times faster. Without PostgreSQL the test is
// skipped, except under CI=true, where it fails: CI installs postgresql
// (scripts/deps), so its absence there is a gap, not a choice.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return startFor(tb, "-c", "fsync=off")
}

// StartDurable is Start with PostgreSQL's durable defaults (every commit
// flushed to disk), for benchmarks whose numbers must hold in production.
func StartDurable(tb testing.TB) *Server {
	tb.Helper()
	return startFor(tb)
}

func startFor(tb testing.TB, flags ...string) *Server {
	tb.Helper()
	bin, err := BinDir()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("CI=true and PostgreSQL is missing: %v", err)
		}
		tb.Skipf("PostgreSQL not installed: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := start(ctx, bin, flags)
	if s != nil {
		tb.Cleanup(s.stop)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func start(ctx context.Context, bin string, flags []string) (*Server, error) {
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sovbench-pg-")
	if err != nil {
		return nil, fmt.Errorf("starting PostgreSQL: %w", err)
	}
	s := &Server{dir: dir, cred: cred, log: filepath.Join(dir, "postgres.log")}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return s, fmt.Errorf("starting PostgreSQL: %w", err)
		}
	}
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "--pgdata", filepath.Join(dir, "data"),
		"--username", "sovbench", "--auth", "trust", "--encoding", "UTF8", "--locale", "C", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return s, fmt.Errorf("starting PostgreSQL: initdb: %w: %s", err, out)
	}
	// A free port can be taken between choosing and binding it: try again.
	for range 3 {
		if err = s.run(ctx, bin, flags); err == nil {
			return s, nil
		}
	}
	return s, err
}

// runAs is the user the server runs as: this one, or User under root.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	if _, err := user.Lookup(User); err != nil {
		out, err := exec.Command("useradd", "--system", "--shell", "/usr/sbin/nologin", "--home-dir", "/nonexistent", "--no-create-home", User).CombinedOutput()
		if err != nil && !bytes.Contains(out, []byte("already exists")) {
			return nil, fmt.Errorf("creating user %s: %w: %s", User, err, out)
		}
	}
	u, err := user.Lookup(User)
	if err != nil {
		return nil, fmt.Errorf("looking up user %s: %w", User, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// run starts postgres on a free loopback port and waits until it accepts
// connections.
func (s *Server) run(ctx context.Context, bin string, flags []string) error {
	port, err := freePort()
	if err != nil {
		return fmt.Errorf("starting PostgreSQL: %w", err)
	}
	logf, err := os.Create(s.log)
	if err != nil {
		return fmt.Errorf("starting PostgreSQL: %w", err)
	}
	defer logf.Close()
	s.port = port
	args := append([]string{"-D", filepath.Join(s.dir, "data"), "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-k", s.dir,
		"-c", "max_connections=100", "-c", "shared_buffers=32MB"}, flags...)
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), args...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("starting PostgreSQL: %w", err)
	}
	exited := make(chan struct{})
	s.exited = exited
	go func() { s.cmd.Wait(); close(exited) }()
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		c, err := pgx.Connect(cctx, s.URL("postgres"))
		cancel()
		if err == nil {
			c.Close(ctx)
			return nil
		}
		select {
		case <-exited:
			out, _ := os.ReadFile(s.log)
			s.cmd = nil
			return fmt.Errorf("starting PostgreSQL: postgres exited: %s", out)
		case <-ctx.Done():
			return fmt.Errorf("starting PostgreSQL: not ready: %w (last: %v)", ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// stop shuts the server down (fast shutdown, then SIGKILL to its process
// group after 10 s) and removes its directory.
func (s *Server) stop() {
	if s.cmd != nil {
		s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.exited
		}
	}
	os.RemoveAll(s.dir)
}

// URL is a postgres:// URL of database db over TCP to 127.0.0.1.
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://sovbench@127.0.0.1:%d/%s?sslmode=disable", s.port, url.PathEscape(db))
}

// SocketURL is a postgres:// URL of database db over the server's unix socket.
func (s *Server) SocketURL(db string) string {
	return fmt.Sprintf("postgres://sovbench@/%s?host=%s&port=%d&sslmode=disable", url.PathEscape(db), url.QueryEscape(s.dir), s.port)
}

var schemas atomic.Int64

// Fresh returns the TCP URL of an empty namespace for tb: a new schema in
// database "postgres", made the URL's search_path, so everything a test
// creates without naming a schema lands in it. A schema costs a fraction
// of a new database.
func (s *Server) Fresh(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := fmt.Sprintf("t%d", schemas.Add(1))
	c, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		tb.Fatalf("connecting to PostgreSQL: %v", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("creating schema %s: %v", name, err)
	}
	return s.URL("postgres") + "&search_path=" + name
}

// CPUTime is the CPU time the server's processes have used so far: the
// postmaster, its children (each backend is its own session, so a process
// group does not find them) and the children that have exited and been
// reaped. Benchmarks add it to their own, so a
// store that moves work into another process does not look cheaper.
func (s *Server) CPUTime() (time.Duration, error) {
	if s.cmd == nil {
		return 0, errors.New("reading PostgreSQL CPU time: not running")
	}
	pids, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, fmt.Errorf("reading PostgreSQL CPU time: %w", err)
	}
	pm := strconv.Itoa(s.cmd.Process.Pid)
	postmaster := "/proc/" + pm + "/stat"
	var ticks int64
	for _, p := range pids {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // exited meanwhile
		}
		// Fields after the parenthesised command: state ppid pgrp … (stat(5)).
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		n := 0
		switch {
		case len(f) < 15:
		case p == postmaster:
			n = 4 // utime, stime, and its reaped children's cutime, cstime
		case f[1] == pm:
			n = 2
		}
		for _, v := range f[11 : 11+n] {
			t, _ := strconv.ParseInt(v, 10, 64)
			ticks += t
		}
	}
	return time.Duration(ticks) * time.Second / 100, nil // USER_HZ is 100 on Linux
}
