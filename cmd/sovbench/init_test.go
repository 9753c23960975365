package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/landmarks"
	"github.com/sovbench/sovbench/scenarios/scaffold"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// initAnchors writes a landmark file around Luxembourg with US controls.
func initAnchors(t *testing.T, path string) *landmarks.Set {
	t.Helper()
	var lms []landmarks.Landmark
	for i, p := range [][3]any{{"LU", 49.61, 6.13}, {"LU", 49.85, 6.10}, {"BE", 50.85, 4.35}, {"DE", 50.11, 8.68}, {"FR", 48.86, 2.35},
		{"NL", 52.37, 4.89}, {"DE", 52.52, 13.40}, {"CH", 47.37, 8.55}, {"GB", 51.51, -0.13}, {"IE", 53.35, -6.26},
		{"US", 38.9, -77.04}, {"US", 40.71, -74.01}} {
		lms = append(lms, landmarks.Landmark{Name: string(rune('a'+i)) + ".anchors.example", Country: p[0].(string), Lat: p[1].(float64),
			Lon: p[2].(float64), IPv4: "192.0.2." + string(rune('1'+i%9)) + string(rune('0'+i/9)), ProbeID: 100 + i, Answers: []string{"icmp", "tcp/443"}})
	}
	set, err := landmarks.NewSet("https://atlas.ripe.net/api/v2/anchors/", time.Unix(1.76e9, 0), lms, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(set)
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return set
}

func TestInitWithFlags(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	set := initAnchors(t, filepath.Join(dir, "landmarks", "atlas-anchors.json"))
	args := []string{"init", "--out", "clarence.yaml", "--provider", "Clarence", "--hosts", "203.0.113.10,203.0.113.11",
		"--ssh-user", "auditor", "--ssh-key", "keys/id", "--known-hosts", "keys/known_hosts", "--families", "host,egress,location,inbound,tpm,jurisdiction",
		"--country", "LU", "--disconnected", "--control", "10.0.0.53:53", "--operator", "Clarence"}
	code, _, errb := sb(t, args...)
	if code != exitOK || !strings.Contains(errb, "wrote clarence.yaml") {
		t.Fatalf("exit %d: %s", code, errb)
	}
	s, err := suite.Load(context.Background(), "clarence.yaml", limits.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile("clarence.yaml")
	if len(s.Targets) != 2 || !strings.Contains(string(data), "sha256: "+set.SHA256) || !strings.Contains(string(data), "egress.disconnected: true") {
		t.Fatalf("suite:\n%s", data)
	}
	t.Run("an existing file is not overwritten without --force", func(t *testing.T) {
		if code, _, errb := sb(t, args...); code != exitUsage || !strings.Contains(errb, "--force") {
			t.Fatalf("exit %d: %s", code, errb)
		}
		if code, _, errb := sb(t, append(args, "--force")...); code != exitOK {
			t.Fatalf("exit %d: %s", code, errb)
		}
	})
	t.Run("a missing answer is named", func(t *testing.T) {
		code, _, errb := sb(t, "init", "--no-input", "--out", "x.yaml", "--provider", "P", "--hosts", "h", "--ssh-user", "u", "--ssh-key", "k", "--known-hosts", "kh", "--families", "egress")
		if code != exitUsage || !strings.Contains(errb, "positive control") {
			t.Fatalf("exit %d: %s", code, errb)
		}
	})
	t.Run("without the landmark file it says to fetch it", func(t *testing.T) {
		code, _, errb := sb(t, append(args, "--out", "y.yaml", "--landmarks", "none.json")...)
		if code != exitOK || !strings.Contains(errb, "sovbench landmarks fetch --out none.json") {
			t.Fatalf("exit %d: %s", code, errb)
		}
	})
}

func TestInitAsksWhatTheFlagsDidNotSay(t *testing.T) {
	answers := strings.Join([]string{
		"Clarence", "203.0.113.10, 203.0.113.11", "auditor", "keys/id", "keys/known_hosts",
		"host,egress,location,tpm", "lu", "", "y", "10.0.0.53:53",
	}, "\n") + "\n"
	var out bytes.Buffer
	q := &asker{in: newLineReader(strings.NewReader(answers)), out: &out}
	o := scaffold.Options{Near: ""}
	if err := q.ask(&o, func(string) bool { return false }); err != nil {
		t.Fatal(err)
	}
	if err := o.Check(); err != nil {
		t.Fatal(err)
	}
	if o.Provider != "Clarence" || len(o.Hosts) != 2 || o.Country != "LU" || o.Near != "Luxembourg,LU" || !o.Disconnected || o.Control != "10.0.0.53:53" {
		t.Fatalf("answers %+v", o)
	}
	for _, want := range []string{"Provider name", "Claim families:", "inbound ", "positive control"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the questions lack %q:\n%s", want, out.String())
		}
	}
	t.Run("questions whose flag was given are not asked", func(t *testing.T) {
		var out bytes.Buffer
		q := &asker{in: newLineReader(strings.NewReader("P\n")), out: &out}
		o := scaffold.Options{Families: []string{"host"}}
		given := map[string]bool{"hosts": true, "ssh-user": true, "ssh-key": true, "known-hosts": true, "families": true}
		if err := q.ask(&o, func(f string) bool { return given[f] }); err != nil || o.Provider != "P" {
			t.Fatalf("%v %+v", err, o)
		}
	})
	t.Run("input that ends early is an error", func(t *testing.T) {
		q := &asker{in: newLineReader(strings.NewReader("P\n")), out: &bytes.Buffer{}}
		if err := q.ask(&scaffold.Options{}, func(string) bool { return false }); err != errNoAnswer {
			t.Fatalf("error %v", err)
		}
	})
}
