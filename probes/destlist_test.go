package probes

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDestinationListErrorsNameFileLineAndField(t *testing.T) {
	cases := []struct{ name, text, err string }{
		{"an unknown key names its line", "list: x\ndestinations:\n  - {host: h, port: 1, protocol: tcp, colour: red}\n", "l.yaml: line 3: field colour not found"},
		{"a bad port names its line and index", "list: x\ndestinations:\n  - {host: h, port: 1, protocol: tcp}\n  - {host: h, port: 70000, protocol: tcp}\n", "l.yaml:4: destinations[1].port: 70000 is not a port"},
		{"a list needs a name", "destinations: [{host: h, port: 1, protocol: tcp}]\n", "l.yaml: list: missing name"},
		{"an empty file is refused", "", "l.yaml: empty destination list"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseDestinationList("l.yaml", []byte(c.text))
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("error %v, want one containing %q", err, c.err)
			}
		})
	}
}

func FuzzParseDestinationList(f *testing.F) {
	files, _ := filepath.Glob("../scenarios/destinations/*.yaml")
	for _, p := range files {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte("list: x\ndestinations: [{host: h, port: 1, protocol: tcp}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseDestinationList("f.yaml", data)
		if err == nil && (l.List == "" || len(l.Destinations) == 0) {
			t.Fatalf("accepted a list without name or destinations: %+v", l)
		}
	})
}

func ExampleParseDestinationList() {
	l, err := ParseDestinationList("lab.yaml", []byte(`list: lab
destinations:
  - {host: 198.18.9.9, protocol: https, category: telemetry}
  - {host: 198.18.9.10, protocol: ntp, category: ntp}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range l.Destinations {
		fmt.Println(d.Host, d.Port, d.Category, d.MethodsWith(nil))
	}
	// Output:
	// 198.18.9.9 443 telemetry [tcp tls https https_proxy]
	// 198.18.9.10 123 ntp [ntp]
}
