package swtpm

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
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
	for _, c := range []struct {
		name  string
		after time.Duration // or when the process table matches
		when  func(cmdlines []string) bool
	}{
		{name: "at once", after: time.Millisecond},
		{name: "swtpm just started", when: func(cl []string) bool { return slicesContain(cl, "swtpm socket") }},
		{name: "swtpm started, its pid file made", when: func(cl []string) bool {
			return slicesContain(cl, "swtpm socket") && slicesContain(cl, "file=/tmp/.swtpm_setup.pidfile.")
		}},
		{name: "the CA tool signing", when: func(cl []string) bool { return slicesContain(cl, "swtpm_localca") }},
		{name: "late", after: 900 * time.Millisecond},
	} {
		// A point seen only in the process table can pass unseen on a
		// loaded machine (the run ends before the watcher looks): try
		// again then, from nothing, rather than call that a failure.
		hit := false
		for try := 0; try < 8 && !hit; try++ {
			hit = provisionCutShort(t, dir, c.name, c.after, c.when)
		}
		if !hit {
			t.Fatalf("%s: never cut short in 8 runs", c.name)
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

// provisionCutShort runs Provision on dir and cancels it after a delay or
// when the process table matches when. It reports false when the run ended
// before being cut (and leaves dir empty for another try); when it was cut,
// it checks that nothing of the run is left.
func provisionCutShort(t *testing.T, dir, name string, after time.Duration, when func([]string) bool) bool {
	t.Helper()
	before := pidFiles()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	if after > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), after)
	} else {
		go func() {
			for ctx.Err() == nil {
				if when(processesMentioning(dir)) {
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
	if err == nil {
		for _, p := range []string{"state", "ca"} {
			if err := os.RemoveAll(filepath.Join(dir, p)); err != nil {
				t.Fatal(err)
			}
		}
		return false
	}
	if !hit {
		t.Fatalf("%s: failed without being cut short: %v", name, err)
	}
	if !strings.Contains(err.Error(), "swtpm_setup stopped") {
		t.Fatalf("%s: %v", name, err)
	}
	left := processesMentioning(dir)
	for deadline := time.Now().Add(2 * time.Second); len(left) > 0 && time.Now().Before(deadline); left = processesMentioning(dir) {
		time.Sleep(20 * time.Millisecond)
	}
	if len(left) > 0 {
		t.Fatalf("%s: still running: %q", name, left)
	}
	for _, p := range []string{"state", "ca", "provisioning"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
			t.Fatalf("%s: %s is there", name, p)
		}
	}
	if left := orphanPidFiles(before); len(left) > 0 {
		t.Fatalf("%s: swtpm_setup's pid file is left: %v", name, left)
	}
	return true
}

func pidFiles() []string {
	m, _ := filepath.Glob("/tmp/.swtpm_setup.pidfile.*")
	return m
}

// orphanPidFiles lists the swtpm_setup pid files made since before that no
// live process names. Other swtpm_setup runs on the machine (other test
// packages, other users) make such files too, but theirs are named by
// their swtpm's command line and removed when they end: a file that stays
// unnamed for two seconds is a leftover.
func orphanPidFiles(before []string) []string {
	var orphans []string
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		orphans = orphans[:0]
		for _, f := range pidFiles() {
			if !slices.Contains(before, f) && len(processesMentioning(f)) == 0 {
				orphans = append(orphans, f)
			}
		}
		if len(orphans) == 0 || time.Now().After(deadline) {
			return orphans
		}
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
