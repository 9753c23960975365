package egress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// CanaryLogFormat documents what a canary server's log endpoint (canary
// url:) must answer: to GET <url>?token=<token>, status 200 and a JSON
// object {"arrivals": [...]} holding every arrival whose first bytes
// carry the token, each as results.CanaryArrival ({"time", "canary",
// "proto", "destination", "peer", "payload"}). Any other answer, or none
// before the step's deadline, leaves the arrivals unknown.
const CanaryLogFormat = `GET <url>?token=<token> -> 200 {"arrivals": [{"time": "...", "canary": "...", "proto": "udp", "destination": "ip:port", "peer": "ip:port", "payload": "..."}]}`

// canaryLogLimit bounds the answer of a canary server's log endpoint.
const canaryLogLimit = 4 << 20

// defaultCanaryDeadline bounds a step without a timeout of its own.
const defaultCanaryDeadline = 30 * time.Second

// CanaryLog returns the arrivals recorded with token: the runner's view
// of the lab's recording services (canary lab: true).
type CanaryLog func(ctx context.Context, token string) ([]results.CanaryArrival, error)

// canaryProbe collects, on the auditor's machine, which of a target's
// egress tokens arrived at the auditor's canaries.
type canaryProbe struct {
	p   probes.CanaryParams
	log CanaryLog
}

// NewCanary returns the canary collector for validated parameters.
func NewCanary(p probes.CanaryParams) (probes.Probe, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &canaryProbe{p: p}, nil
}

func (c *canaryProbe) Name() string    { return probes.CanaryName }
func (c *canaryProbe) Version() string { return probes.CanaryVersion }

// WithCanaryLog returns the collector reading the lab's arrivals from log.
func (c *canaryProbe) WithCanaryLog(log CanaryLog) probes.Probe {
	cp := *c
	cp.log = log
	return &cp
}

// Run waits Settle, then asks the source for the arrivals that carry the
// target's token of this run. A source that cannot be asked is the
// evidence's failure: the arrivals stay unknown.
func (c *canaryProbe) Run(ctx context.Context, t probes.Target) (results.Evidence, error) {
	rec := probes.Begin(c, t)
	d := results.CanaryDetails{Source: "lab", Arrivals: []results.CanaryArrival{}}
	if c.p.URL != "" {
		d.Source = c.p.URL
	}
	runID := probes.RunIDOf(ctx)
	if runID != "" {
		d.Token = probes.RunToken(runID, t.Name)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultCanaryDeadline)
		defer cancel()
	}
	began := time.Now()
	arr, err := c.collect(ctx, d.Token)
	f := rec.Observe("collect", d.Source, began, err, fmt.Sprintf("%d arrivals", len(arr)))
	for _, a := range arr {
		if strings.Contains(a.Payload, d.Token) { // a source that answers more than asked
			d.Arrivals = append(d.Arrivals, a)
		}
	}
	return rec.Finish(func(ev *results.Evidence) {
		ev.Canary = &d
		ev.Failure = f
	}), nil
}

func (c *canaryProbe) collect(ctx context.Context, token string) ([]results.CanaryArrival, error) {
	if token == "" {
		return nil, errors.New("collecting canary arrivals: the plan carries no run id, so the token is unknown")
	}
	select {
	case <-time.After(c.p.Settle):
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for arrivals to settle: %w", ctx.Err())
	}
	if c.p.Lab {
		if c.log == nil {
			return nil, errors.New("reading the lab's arrivals: this runner has no lab that records arrivals")
		}
		return c.log(ctx, token)
	}
	return fetchCanaryLog(ctx, c.p.URL, token)
}

// fetchCanaryLog asks a canary server's log endpoint (CanaryLogFormat).
func fetchCanaryLog(ctx context.Context, base, token string) ([]results.CanaryArrival, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("parsing the canary url: %w", err)
	}
	q := u.Query()
	q.Set("token", token)
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("building the canary log request: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking the canary log: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("asking the canary log: %s answered %s", u.Host, resp.Status)
	}
	var body struct {
		Arrivals *[]results.CanaryArrival `json:"arrivals"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, canaryLogLimit)).Decode(&body); err != nil {
		return nil, fmt.Errorf("decoding the canary log: %w", err)
	}
	if body.Arrivals == nil {
		return nil, errors.New("decoding the canary log: no \"arrivals\" list")
	}
	return *body.Arrivals, nil
}
