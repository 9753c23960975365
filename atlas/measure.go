package atlas

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// PingRequest is a one-off ping measurement from chosen probes towards a
// target address.
type PingRequest struct {
	Target      netip.Addr
	ProbeIDs    []int
	Packets     int // per probe, default 3
	Description string
}

// Measurement states (GET measurements/{id}/ status.id).
const (
	StatusSpecified      = 0
	StatusScheduled      = 1
	StatusOngoing        = 2
	StatusStopped        = 4
	StatusForcedStop     = 5
	StatusNoSuitable     = 6
	StatusFailed         = 7
	StatusDenied         = 8
	StatusCanceled       = 9
	defaultPingPackets   = 3
	maxProbesPerRequest  = 1000
	measurementsEndpoint = "measurements/"
)

// Status is a measurement's state.
type Status struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// Done reports whether the measurement will produce no more results.
func (s Status) Done() bool { return s.ID >= StatusStopped }

// Succeeded reports whether it ended normally (stopped, or stopped by hand).
func (s Status) Succeeded() bool { return s.ID == StatusStopped || s.ID == StatusForcedStop }

// Measurement is what GET measurements/{id}/ says of one measurement.
type Measurement struct {
	ID              int    `json:"id"`
	Status          Status `json:"status"`
	ProbesRequested int    `json:"probes_requested"`
	ProbesScheduled int    `json:"probes_scheduled"`
}

// CreatePing creates a one-off ping measurement and returns its id. It
// needs the key.
func (c *Client) CreatePing(ctx context.Context, r PingRequest) (int, error) {
	const op = "creating measurement"
	switch {
	case c.key.Empty():
		return 0, fmt.Errorf("%s: %w", op, errNoKey)
	case !r.Target.IsValid():
		return 0, fmt.Errorf("%s: no target address", op)
	case len(r.ProbeIDs) == 0 || len(r.ProbeIDs) > maxProbesPerRequest:
		return 0, fmt.Errorf("%s: want 1 to %d probes, got %d", op, maxProbesPerRequest, len(r.ProbeIDs))
	}
	if r.Packets <= 0 {
		r.Packets = defaultPingPackets
	}
	af := 4
	if !r.Target.Unmap().Is4() {
		af = 6
	}
	ids := make([]string, len(r.ProbeIDs))
	for i, id := range r.ProbeIDs {
		ids[i] = strconv.Itoa(id)
	}
	body := map[string]any{
		"definitions": []map[string]any{{
			"target": r.Target.Unmap().String(), "af": af, "type": "ping", "packets": r.Packets,
			"description": r.Description, "resolve_on_probe": false,
		}},
		"probes":    []map[string]any{{"type": "probes", "value": strings.Join(ids, ","), "requested": len(ids)}},
		"is_oneoff": true,
	}
	var out struct {
		Measurements []int `json:"measurements"`
	}
	if err := c.do(ctx, op, "POST", c.endpoint(measurementsEndpoint, nil), body, true, &out); err != nil {
		return 0, err
	}
	if len(out.Measurements) != 1 {
		return 0, fmt.Errorf("%s: the API answered %d measurement ids, want 1", op, len(out.Measurements))
	}
	return out.Measurements[0], nil
}

// Measurement fetches a measurement's state.
func (c *Client) Measurement(ctx context.Context, id int) (Measurement, error) {
	var m Measurement
	err := c.do(ctx, fmt.Sprintf("reading measurement %d", id), "GET", c.endpoint(fmt.Sprintf("%s%d/", measurementsEndpoint, id), nil), nil, true, &m)
	return m, err
}

// PingResult is one probe's result of a ping measurement.
type PingResult struct {
	ProbeID int    `json:"prb_id"`
	From    string `json:"from"`
	DstAddr string `json:"dst_addr"`
	// Min, Avg and Max are in ms; -1 when no reply came.
	Min       float64 `json:"min"`
	Avg       float64 `json:"avg"`
	Max       float64 `json:"max"`
	Sent      int     `json:"sent"`
	Rcvd      int     `json:"rcvd"`
	Timestamp int64   `json:"timestamp"`
	// Result holds one entry per packet: {"rtt": ms}, {"x": "*"} (lost)
	// or {"error": "..."}.
	Result []struct {
		RTT   *float64 `json:"rtt"`
		X     string   `json:"x"`
		Error string   `json:"error"`
	} `json:"result"`
}

// RTTs returns the packets' round trips (lost ones left out).
func (r PingResult) RTTs() []time.Duration {
	var out []time.Duration
	for _, p := range r.Result {
		if p.RTT != nil && *p.RTT >= 0 {
			out = append(out, time.Duration(*p.RTT*float64(time.Millisecond)))
		}
	}
	return out
}

// Results fetches the results so far (a running measurement has some).
func (c *Client) Results(ctx context.Context, id int) ([]PingResult, error) {
	var raw json.RawMessage
	op := fmt.Sprintf("reading results of measurement %d", id)
	if err := c.do(ctx, op, "GET", c.endpoint(fmt.Sprintf("%s%d/results/", measurementsEndpoint, id), nil), nil, true, &raw); err != nil {
		return nil, err
	}
	var rs []PingResult
	if err := json.Unmarshal(raw, &rs); err != nil {
		return nil, fmt.Errorf("%s: decoding: %w", op, err)
	}
	return rs, nil
}

// Wait polls a measurement every poll until it is done or ctx ends, and
// returns its last known state (also when ctx ends in the middle of a
// read); the error is ctx's when it ended first.
func (c *Client) Wait(ctx context.Context, id int, poll time.Duration) (Measurement, error) {
	var last Measurement
	for {
		m, err := c.Measurement(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return last, ctx.Err() // the deadline cut the read short
			}
			return last, err
		}
		last = m
		if m.Status.Done() {
			return m, nil
		}
		if err := c.sleep(ctx, poll); err != nil {
			return m, err
		}
	}
}
