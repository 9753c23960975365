package swtpm

import (
	"context"
	"net"
	"os"
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
