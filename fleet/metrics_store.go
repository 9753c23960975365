package fleet

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sovbench/sovbench/results"
)

// storeCollector reads, on every scrape, every agent's latest run from the
// store: the count of active agents per suite, claim and status, and each
// agent's latest run (by agent ID, with its name beside it). Revoked and
// replaced agents count nowhere: their runs no longer vouch for anything.
type storeCollector struct {
	store   Store
	log     *slog.Logger
	timeout time.Duration
}

var (
	verdictsDesc = prometheus.NewDesc("sovbench_verdicts",
		"Active agents whose latest verdict on the claim has the status, per suite.",
		[]string{"suite", "claim", "status"}, nil)
	agentSuccessDesc = prometheus.NewDesc("sovbench_agent_run_success",
		"1 if the active agent's latest verified run on the suite met every claim's requirement.",
		[]string{"suite", "agent_id", "name"}, nil)
	agentEndedDesc = prometheus.NewDesc("sovbench_agent_run_timestamp_seconds",
		"When the verifier signed the active agent's latest run on the suite (unix seconds).",
		[]string{"suite", "agent_id", "name"}, nil)
)

// Describe implements prometheus.Collector.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- verdictsDesc
	ch <- agentSuccessDesc
	ch <- agentEndedDesc
}

// Collect implements prometheus.Collector. A store that fails makes the
// scrape fail (promhttp.HTTPErrorOnError) rather than report nothing.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	runs, err := c.store.latestRuns(ctx)
	if err != nil {
		c.log.Error("reading latest runs for /metrics", "err", err)
		ch <- prometheus.NewInvalidMetric(verdictsDesc, err)
		return
	}
	type key struct{ suite, claim, status string }
	counts := map[key]float64{}
	for _, r := range runs {
		if !r.agent.Revoked.IsZero() || r.agent.ReplacedBy != "" {
			continue
		}
		for _, v := range r.run.verdicts {
			counts[key{r.suite, v.Key(), string(v.Status)}]++
		}
		ch <- prometheus.MustNewConstMetric(agentSuccessDesc, prometheus.GaugeValue, b2f(r.run.ok), r.suite, r.agent.ID, r.agent.Name)
		ch <- prometheus.MustNewConstMetric(agentEndedDesc, prometheus.GaugeValue, float64(r.run.at.UnixNano())/1e9, r.suite, r.agent.ID, r.agent.Name)
	}
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(verdictsDesc, prometheus.GaugeValue, n, k.suite, k.claim, k.status)
	}
}

// passed says whether a verdict counts as a pass on /probe.
func passed(v results.Verdict) bool { return v.Status == results.StatusPass }
