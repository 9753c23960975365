package swtpm

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStart(t *testing.T) {
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and swtpm is missing: %v", err)
		}
		t.Skip(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	inst, err := Start(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("it listens on loopback and wrote its CA certificates", func(t *testing.T) {
		host, _, _ := net.SplitHostPort(inst.Addr)
		if !net.ParseIP(host).IsLoopback() {
			t.Fatalf("listening on %s", inst.Addr)
		}
		for _, p := range []string{inst.CACert, inst.IssuerCert} {
			if _, err := os.Stat(p); err != nil {
				t.Fatal(err)
			}
		}
		if inst.TCTI() != "swtpm:host=127.0.0.1,port="+inst.Addr[len("127.0.0.1:"):] {
			t.Fatalf("TCTI %s", inst.TCTI())
		}
	})
	t.Run("stopping twice is safe and closes the port", func(t *testing.T) {
		inst.Stop()
		inst.Stop()
		if c, err := net.DialTimeout("tcp", inst.Addr, time.Second); err == nil {
			c.Close()
			t.Fatal("swtpm still listening after Stop")
		}
	})
	t.Run("a provisioned directory starts again with the same CA", func(t *testing.T) {
		before, _ := os.ReadFile(inst.CACert)
		again, err := Start(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		defer again.Stop()
		after, _ := os.ReadFile(again.CACert)
		if string(before) != string(after) {
			t.Fatal("CA changed on restart")
		}
	})
}

// TestProvisionCancelled cuts swtpm_setup short at several points: before
// it starts swtpm, as swtpm starts (while its pid file exists), while the CA tool signs
// the EK certificates and after. Each time no process of it may be left,
// nor its pid file, nor anything that Provision or Start would take for a
// provisioned TPM; then provisioning the same directory succeeds.
func TestProvisionCancelled(t *testing.T) {
	if err := Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and swtpm is missing: %v", err)
		}
		t.Skip(err)
	}
	dir := t.TempDir()
	pidFiles := func() []string {
		m, _ := filepath.Glob("/tmp/.swtpm_setup.pidfile.*")
		return m
	}
	others := len(pidFiles()) // other runs' on a shared machine
	for _, c := range []struct {
		name  string
		after time.Duration // or when the process table matches
		when  func(cmdlines []string) bool
	}{
		{name: "at once", after: time.Millisecond},
		{name: "swtpm just started", when: func(cl []string) bool { return slicesContain(cl, "swtpm socket") }},
		{name: "swtpm started, its pid file made", when: func(cl []string) bool {
			return len(pidFiles()) > others && slicesContain(processesMentioning(dir), "swtpm socket")
		}},
		{name: "the CA tool signing", when: func(cl []string) bool { return slicesContain(cl, "swtpm_localca") }},
		{name: "late", after: 900 * time.Millisecond},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if c.after > 0 {
			ctx, cancel = context.WithTimeout(context.Background(), c.after)
		} else {
			go func() {
				for ctx.Err() == nil {
					if c.when(processesMentioning(dir)) {
						cancel()
						return
					}
					time.Sleep(time.Millisecond)
				}
			}()
		}
		err := Provision(ctx, dir)
		hit := ctx.Err() != nil
		cancel()
		if err == nil || !hit {
			t.Fatalf("%s: the run was not cut short (%v)", c.name, err)
		}
		if !strings.Contains(err.Error(), "swtpm_setup stopped") {
			t.Fatalf("%s: %v", c.name, err)
		}
		left := processesMentioning(dir)
		for deadline := time.Now().Add(2 * time.Second); len(left) > 0 && time.Now().Before(deadline); left = processesMentioning(dir) {
			time.Sleep(20 * time.Millisecond)
		}
		if len(left) > 0 {
			t.Fatalf("%s: still running: %q", c.name, left)
		}
		for _, p := range []string{"state", "ca", "provisioning"} {
			if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
				t.Fatalf("%s: %s is there", c.name, p)
			}
		}
		if left := pidFiles(); len(left) > others {
			t.Fatalf("%s: swtpm_setup's pid file is left: %v", c.name, left)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := Provision(ctx, dir); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"state/tpm2-00.permall", "ca/swtpm-localca-rootca-cert.pem", "ca/issuercert.pem"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "provisioning")); err == nil {
		t.Fatal("the staging directory is left")
	}
}

func slicesContain(lines []string, s string) bool {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// processesMentioning lists the live processes whose command line names s.
func processesMentioning(s string) []string {
	var found []string
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), s) {
			found = append(found, strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return found
}
