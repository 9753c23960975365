package probes

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sovbench/sovbench/results"
)

const (
	hostName    = "host"
	hostVersion = "0.1.0"
)

// HostParams configures the host-identity probe.
type HostParams struct {
	// Root is prefixed to every file path the probe reads ("/" on a real host,
	// a fixture tree in tests).
	Root string `yaml:"root"`
}

type hostProbe struct{ p HostParams }

func newHost(decode Decoder) (Probe, error) {
	p := HostParams{Root: "/"}
	if err := decode(&p); err != nil {
		return nil, err
	}
	return &hostProbe{p: p}, nil
}

func (h *hostProbe) Name() string    { return hostName }
func (h *hostProbe) Version() string { return hostVersion }

// Run reads the host's identity signals. Every value is reported as claimed.
func (h *hostProbe) Run(ctx context.Context, t Target) (results.Evidence, error) {
	rec := Begin(h, t)
	var d results.HostDetails
	d.Kernel = h.read(rec, "kernel", "proc/sys/kernel/osrelease")
	for _, f := range []string{"sys_vendor", "product_name", "product_version", "bios_vendor", "board_vendor", "chassis_asset_tag"} {
		if c := h.read(rec, f, "sys/class/dmi/id/"+f); c.Value != "" {
			d.DMI = append(d.DMI, c)
		}
	}
	d.Operator = results.OperatorGuess{Name: "unknown", Confidence: "low"}
	return rec.Finish(func(ev *results.Evidence) { ev.Host = &d }), nil
}

func (h *hostProbe) read(rec *Recorder, name, rel string) results.Claimed {
	path := filepath.Join(h.p.Root, rel)
	began := time.Now()
	b, err := os.ReadFile(path)
	rec.Observe("read", path, began, err, "")
	return results.Claimed{Name: name, Value: strings.TrimSpace(string(b)), Source: path}
}
