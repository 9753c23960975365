package fleet

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the service's own metrics, on a registry of their own (so
// that several servers can live in one process, as in tests). Counters and
// latencies are this verifier's; what describes runs (verdict counts, each
// agent's latest run) is read from the Store on every scrape, so every
// verifier sharing a store reports the same.
type metrics struct {
	reg         *prometheus.Registry
	submissions *prometheus.CounterVec
	enrolments  *prometheus.CounterVec
	activations *prometheus.CounterVec
	latency     *prometheus.HistogramVec
}

func newMetrics(runs prometheus.Collector) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		submissions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sovbench_submissions_total",
			Help: "Evidence submissions and authenticated calls by outcome (accepted, nonce_used, nonce_expired, nonce_unknown, too_many_nonces, too_large, slow_body, forbidden, revoked, tpm_activation, tpm_binding, bad_request, error).",
		}, []string{"outcome"}),
		enrolments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sovbench_enrolments_total",
			Help: "Agent enrolments by outcome (ok, forbidden, name_taken, bad_name).",
		}, []string{"outcome"}),
		activations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sovbench_activations_total",
			Help: "TPM credential-activation challenges by outcome (challenged, tpm_activation, nonce_used, nonce_expired, nonce_unknown, bad_request).",
		}, []string{"outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sovbench_submission_duration_seconds",
			Help:    "Time to verify, sign and store a submission, by outcome.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"outcome"}),
	}
	m.reg.MustRegister(m.submissions, m.enrolments, m.activations, m.latency, runs,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError})
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
