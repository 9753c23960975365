package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/fleet"
	"github.com/sovbench/sovbench/results/render"
)

func TestServeAgentsEscapesWhatATerminalWouldInterpret(t *testing.T) {
	hostile := "web\x1b[2J\x1b]0;owned\x07\u202eb\u200b\n| fake | row |"
	g := agentsGrid([]fleet.AgentRecord{{Agent: fleet.Agent{ID: "ag_0123456789abcdef", Name: hostile, Target: "t\x1b[1m"}, Enrolled: time.Unix(1, 0)}})
	for _, format := range []string{"text", "markdown", "csv"} {
		var b bytes.Buffer
		if err := render.WriteGrid(&b, g, format); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if strings.ContainsAny(out, "\x1b\x07\u202e\u200b") || strings.Contains(out, "\n| fake") {
			t.Errorf("%s output carries the raw name: %q", format, out)
		}
		if !strings.Contains(out, `\x1b[2J`) || !strings.Contains(out, "ag_0123456789abcdef") {
			t.Errorf("%s output lacks the escaped name or the ID: %q", format, out)
		}
	}
}

func TestServeTokenBindsAndReplaces(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fleet.sqlite")
	run := func(args ...string) (int, string, string) {
		var o, e bytes.Buffer
		code := execute(context.Background(), append([]string{"serve", "token", "--db", db}, args...), &o, &e)
		return code, strings.TrimSpace(o.String()), e.String()
	}
	code, tok, e := run("--name", "web-1", "--target", "web")
	if code != exitOK || !strings.HasPrefix(tok, "sbt_") {
		t.Fatalf("serve token --name --target: exit %d, %q, %q", code, tok, e)
	}
	st, err := fleet.OpenStore(context.Background(), db, fleet.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := st.Enrol(context.Background(), tok, "chosen-by-agent")
	st.Close()
	if err != nil || a.Name != "web-1" || a.Target != "web" {
		t.Fatalf("enrolled %+v, %v; want web-1 bound to web", a, err)
	}
	if code, _, e := run("--name", "WEB-1"); code != exitUsage || !strings.Contains(e, "taken") || !strings.Contains(e, a.ID) {
		t.Fatalf("a token for a held name: exit %d, %q; want a usage error naming the holder", code, e)
	}
	if code, _, e := run("--replace", "ag_0000000000000000"); code != exitUsage || !strings.Contains(e, "no such agent") {
		t.Fatalf("replacing nobody: exit %d, %q", code, e)
	}
	if code, tok, e := run("--replace", a.ID); code != exitOK || !strings.HasPrefix(tok, "sbt_") {
		t.Fatalf("serve token --replace: exit %d, %q, %q", code, tok, e)
	}
	if code, _, e := run("--target", "bad target"); code != exitUsage || !strings.Contains(e, "target") {
		t.Fatalf("a target with a space: exit %d, %q", code, e)
	}
}
