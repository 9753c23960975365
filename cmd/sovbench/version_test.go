package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/internal/buildinfo"
)

func TestVersionCommand(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef01234567"
	t.Run("a stamped build names its commit, date and Go version", func(t *testing.T) {
		defer buildinfo.Set("v1.2.3", sha, "2026-05-01T10:00:00Z", false)()
		var out, errb bytes.Buffer
		if code := execute(context.Background(), []string{"version"}, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
			if strings.TrimRight(line, " ") != line {
				t.Errorf("trailing space in %q", line)
			}
		}
		for _, want := range []string{"sovbench v1.2.3\n", "commit:  0123456789abcdef0123456789abcdef01234567\n", "built:   2026-05-01T10:00:00Z\n", "go:      go1.", "GeoNames (geonames.org, CC BY 4.0)"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
		}
		out.Reset()
		if code := execute(context.Background(), []string{"version", "-o", "json"}, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		var b buildinfo.Info
		if err := json.Unmarshal(out.Bytes(), &b); err != nil {
			t.Fatal(err)
		}
		if b.Commit != sha || b.Version != "v1.2.3" || b.BuildDate != "2026-05-01T10:00:00Z" || !strings.HasPrefix(b.GoVersion, "go1.") || b.Platform == "" {
			t.Errorf("json: %+v", b)
		}
		if h := harness(); h.Commit != sha || h.Version != "v1.2.3" {
			t.Errorf("reports would name %+v", h)
		}
	})
	t.Run("an unstamped build says it does not know its commit", func(t *testing.T) {
		defer buildinfo.Set("v1.2.3", "", "", false)()
		var out, errb bytes.Buffer
		execute(context.Background(), []string{"version"}, &out, &errb)
		if !strings.Contains(out.String(), "commit:  unknown") {
			t.Errorf("output: %s", out.String())
		}
	})
	t.Run("a dirty release build says so", func(t *testing.T) {
		defer buildinfo.Set("v1.2.3", sha, "", true)()
		var out, errb bytes.Buffer
		execute(context.Background(), []string{"version"}, &out, &errb)
		if !strings.Contains(out.String(), "(with uncommitted changes)") {
			t.Errorf("output: %s", out.String())
		}
	})
}
