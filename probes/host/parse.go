package host

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/sovbench/sovbench/results"
)

// cpuInfoFacts is what /proc/cpuinfo says about the processor.
type cpuInfoFacts struct {
	Vendor string
	Model  string
	Count  int
	Flags  []string
}

// parseCPUInfo reads the first processor's vendor, model and flags from
// /proc/cpuinfo text (x86: vendor_id, model name, flags; arm64: CPU
// implementer, Features) and counts the processors.
func parseCPUInfo(data []byte) cpuInfoFacts {
	var f cpuInfoFacts
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		switch key {
		case "processor":
			f.Count++
		case "vendor_id", "CPU implementer":
			if f.Vendor == "" {
				f.Vendor = val
			}
		case "model name", "Model Name", "cpu model":
			if f.Model == "" {
				f.Model = val
			}
		case "flags", "Features":
			if f.Flags == nil {
				f.Flags = strings.Fields(val)
			}
		}
	}
	return f
}

// parseResolvConf returns the nameserver and search entries of a
// resolv.conf, each with path:line as its source.
func parseResolvConf(path string, data []byte) []results.Claimed {
	var out []results.Claimed
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(stripComment(sc.Text(), "#;"))
		if len(fields) < 2 {
			continue
		}
		src := fmt.Sprintf("%s:%d", path, line)
		switch fields[0] {
		case "nameserver":
			out = append(out, results.Claimed{Name: "nameserver", Value: fields[1], Source: src})
		case "search", "domain":
			for _, d := range fields[1:] {
				out = append(out, results.Claimed{Name: "search", Value: strings.TrimSuffix(d, "."), Source: src})
			}
		}
	}
	return out
}

// ntpFormat says how a configuration file names its time sources.
type ntpFormat int

const (
	ntpDirectives ntpFormat = iota // chrony, ntpd, ntpsec: "server|pool|peer HOST ...", chrony "refclock"
	ntpTimesyncd                   // systemd-timesyncd: "NTP=a b", "FallbackNTP=..."
)

// parseNTPConfig returns the time sources a configuration file names.
func parseNTPConfig(format ntpFormat, path string, data []byte) []results.Claimed {
	var out []results.Claimed
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(stripComment(sc.Text(), "#;!"))
		src := fmt.Sprintf("%s:%d", path, line)
		if format == ntpTimesyncd {
			key, val, ok := strings.Cut(text, "=")
			key = strings.TrimSpace(key)
			if !ok || (key != "NTP" && key != "FallbackNTP") {
				continue
			}
			for _, h := range strings.Fields(val) {
				out = append(out, results.Claimed{Name: key, Value: h, Source: src})
			}
			continue
		}
		fields := strings.Fields(text)
		if len(fields) < 2 {
			continue
		}
		switch fields[0] {
		case "server", "pool", "peer":
			out = append(out, results.Claimed{Name: fields[0], Value: fields[1], Source: src})
		case "refclock":
			out = append(out, results.Claimed{Name: "refclock", Value: strings.Join(fields[1:min(3, len(fields))], " "), Source: src})
		}
	}
	return out
}

// stripComment cuts a line at the first of the comment characters.
func stripComment(s, chars string) string {
	if i := strings.IndexAny(s, chars); i >= 0 {
		return s[:i]
	}
	return s
}
