package fleet

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sovbench/sovbench/fleet/api"
)

// Probe outcomes: the reason label of sovbench_probe_reason. Only
// probeOK comes with sovbench_probe_success 1.
const (
	probeOK           = "ok"            // an active agent's fresh run met every claim's requirement
	probeClaimsFailed = "claims_failed" // a claim missed its requirement
	probeNoAgent      = "no_agent"      // no agent answers to the target
	probeNoRun        = "no_run"        // the agent has no verified run on the suite
	probeRevoked      = "revoked"       // the agent was revoked: its runs vouch for nothing
	probeReplaced     = "replaced"      // the agent was replaced by another
	probeStale        = "stale"         // the latest run is older than max_age
)

// probe answers like blackbox_exporter's /probe: a fresh registry with the
// state of one agent (target: its ID, or the name it holds) on one suite,
// read from the store, so that every verifier sharing the store answers
// alike. sovbench_probe_success is 1 only for an active agent whose latest
// verified run is younger than max_age (a Go duration or seconds; default
// Config.ProbeMaxAge) and met every claim's requirement; otherwise
// sovbench_probe_reason says why not. Claim results are shown only for a
// run that counts.
func (s *Server) probe(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	suite, target := q.Get("suite"), q.Get("target")
	if _, ok := s.cfg.Suites[suite]; !ok || target == "" {
		http.Error(w, "probe: say ?suite=<known suite>&target=<agent ID or name>[&max_age=<duration>]", http.StatusBadRequest)
		return
	}
	maxAge, err := parseMaxAge(q.Get("max_age"), s.cfg.ProbeMaxAge)
	if err != nil {
		http.Error(w, "probe: "+err.Error(), http.StatusBadRequest)
		return
	}
	p, err := s.cfg.Store.probeTarget(r.Context(), suite, target)
	if err != nil && !errors.Is(err, ErrNoAgent) {
		s.cfg.Log.Error("reading the probe target", "suite", suite, "target", api.Escape(target), "err", err)
		http.Error(w, "probe: reading the store failed", http.StatusInternalServerError)
		return
	}
	reg := prometheus.NewRegistry()
	reason := s.fillProbe(reg, p, err == nil, maxAge)
	gauge(reg, "sovbench_probe_success", "1 if an active agent's latest verified run is younger than max_age and met every claim's requirement.", nil).Set(b2f(reason == probeOK))
	gauge(reg, "sovbench_probe_reason", "Why the probe succeeded or failed (ok, claims_failed, no_agent, no_run, revoked, replaced, stale).", prometheus.Labels{"reason": reason}).Set(1)
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

// fillProbe registers what is known of the agent and its run and returns
// the probe's reason.
func (s *Server) fillProbe(reg *prometheus.Registry, p probeRecord, found bool, maxAge time.Duration) string {
	if !found {
		return probeNoAgent
	}
	a := p.agent
	gauge(reg, "sovbench_agent_info", "The agent the target names: its ID (its identity), its name and the suite target the verifier bound it to.",
		prometheus.Labels{"agent_id": a.ID, "name": a.Name, "target": a.Target}).Set(1)
	reason := probeOK
	switch {
	case a.ReplacedBy != "":
		reason = probeReplaced
	case !a.Revoked.IsZero():
		reason = probeRevoked
	}
	l := p.run
	if l.runID == "" {
		if reason == probeOK {
			reason = probeNoRun
		}
		return reason
	}
	age := time.Since(l.at)
	gauge(reg, "sovbench_report_age_seconds", "Seconds since the verifier signed the latest verified run.", nil).Set(age.Seconds())
	gauge(reg, "sovbench_report_info", "The latest verified run.", prometheus.Labels{"run_id": l.runID}).Set(1)
	switch {
	case reason != probeOK:
		return reason
	case age > maxAge:
		return probeStale
	}
	pass := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "sovbench_claim_pass", Help: "1 if the claim passed in the latest verified run, else 0."}, []string{"claim", "status"})
	reg.MustRegister(pass)
	for _, v := range l.verdicts {
		pass.WithLabelValues(v.Key(), string(v.Status)).Set(b2f(passed(v)))
	}
	if !l.ok {
		return probeClaimsFailed
	}
	return probeOK
}

// gauge registers a constant-labelled gauge on reg.
func gauge(reg *prometheus.Registry, name, help string, labels prometheus.Labels) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: labels})
	reg.MustRegister(g)
	return g
}

// parseMaxAge reads /probe's max_age: a Go duration ("15m") or seconds
// ("900", as Prometheus writes scrape timeouts); "" is def.
func parseMaxAge(s string, def time.Duration) (time.Duration, error) {
	if s == "" {
		return def, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, serr := strconv.ParseFloat(s, 64)
		if serr != nil || math.IsNaN(secs) || math.IsInf(secs, 0) || secs > 1e9 {
			return 0, fmt.Errorf("max_age %s: want a duration (15m) or seconds (900)", api.Escape(s))
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d <= 0 {
		return 0, fmt.Errorf("max_age %s: want a positive duration", api.Escape(s))
	}
	return d, nil
}
