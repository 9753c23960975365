package probes

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"
)

// The canary kind's name and version.
const (
	CanaryName    = "canary"
	CanaryVersion = "0.1.0"
)

// CanaryParams configures the canary collector: after a target's own
// steps are done, the auditor (never the host) asks the far ends it runs
// (its canaries: sinks that record what arrives) which of this run's
// tokens arrived. Exactly one source: Lab, the recording services of the
// lab the target runs in, or URL, a canary server's log endpoint (see
// probes/egress.CanaryLogFormat).
type CanaryParams struct {
	Lab bool   `yaml:"lab" json:"lab,omitempty"`
	URL string `yaml:"url" json:"url,omitempty"`
	// Settle is how long to wait after the target's steps before asking,
	// for arrivals still in flight or in the server's log queue (default 1s).
	Settle time.Duration `yaml:"settle" json:"settle"`
}

// DefaultCanaryParams returns the parameters a suite gets when it sets none
// (it must still name a source).
func DefaultCanaryParams() CanaryParams { return CanaryParams{Settle: time.Second} }

// Kind is "canary".
func (p *CanaryParams) Kind() string { return CanaryName }

// Validate checks that exactly one source is named and that a URL is an
// absolute http(s) URL.
func (p *CanaryParams) Validate() error {
	if p.Lab == (p.URL != "") {
		return fmt.Errorf("canary: name exactly one source, lab: true or url")
	}
	if p.URL != "" {
		u, err := url.Parse(p.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("canary: url %q is not an absolute http(s) URL", p.URL)
		}
	}
	if p.Settle < 0 || p.Settle > time.Minute {
		return fmt.Errorf("canary: settle %s is outside 0s..1m", p.Settle)
	}
	return nil
}

type runIDKey struct{}

// WithRunID returns a context whose probes belong to run id: probes that
// mark their traffic (egress) derive the mark from it with RunToken, so
// that the auditor, who chose the id, knows the mark without asking the host.
func WithRunID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, runIDKey{}, id)
}

// RunIDOf returns the run id of ctx ("" when none was set).
func RunIDOf(ctx context.Context) string {
	id, _ := ctx.Value(runIDKey{}).(string)
	return id
}

// RunToken is the egress token of target in run runID: 16 hex digits that
// the auditor can recompute from its own run id, so that a host cannot
// hide its traffic's arrivals by reporting another token.
func RunToken(runID, target string) string {
	h := sha256.Sum256([]byte("sovbench egress token\x00" + runID + "\x00" + target))
	return hex.EncodeToString(h[:8])
}
