package fleet

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sovbench/sovbench/results"
)

// metrics are the service's own metrics, on a registry of their own (so
// that several servers can live in one process, as in tests).
type metrics struct {
	reg         *prometheus.Registry
	submissions *prometheus.CounterVec
	enrolments  *prometheus.CounterVec
	activations *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	verdicts    *prometheus.GaugeVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		submissions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sovbench_submissions_total",
			Help: "Evidence submissions and authenticated calls by outcome (accepted, nonce_used, nonce_expired, nonce_unknown, too_large, forbidden, tpm_activation, tpm_binding, bad_request, error).",
		}, []string{"outcome"}),
		enrolments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sovbench_enrolments_total",
			Help: "Agent enrolments by outcome (ok, forbidden).",
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
		verdicts: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "sovbench_verdicts",
			Help: "Agents whose latest verdict on the claim has the status, per suite.",
		}, []string{"suite", "claim", "status"}),
	}
	m.reg.MustRegister(m.submissions, m.enrolments, m.activations, m.latency, m.verdicts,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// probe answers like blackbox_exporter's /probe: a fresh registry with the
// latest verdicts of one agent (target) on one suite, for Prometheus to
// scrape with the target as a parameter. sovbench_probe_success is 0 when no
// verified run exists or a claim misses its requirement.
func (s *Server) probe(w http.ResponseWriter, r *http.Request) {
	suite, target := r.URL.Query().Get("suite"), r.URL.Query().Get("target")
	if _, ok := s.cfg.Suites[suite]; !ok || target == "" {
		http.Error(w, "probe: say ?suite=<known suite>&target=<agent name>", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	l, found := s.latest[probeKey{suite, target}]
	s.mu.Unlock()

	reg := prometheus.NewRegistry()
	success := prometheus.NewGauge(prometheus.GaugeOpts{Name: "sovbench_probe_success", Help: "1 if the latest verified run met every claim's requirement."})
	reg.MustRegister(success)
	if found {
		age := prometheus.NewGauge(prometheus.GaugeOpts{Name: "sovbench_report_age_seconds", Help: "Seconds since the latest verified run ended."})
		pass := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "sovbench_claim_pass", Help: "1 if the claim passed in the latest verified run, else 0."}, []string{"claim", "status"})
		info := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "sovbench_report_info", Help: "The latest verified run."}, []string{"run_id"})
		reg.MustRegister(age, pass, info)
		age.Set(time.Since(l.at).Seconds())
		info.WithLabelValues(l.runID).Set(1)
		for _, v := range l.verdicts {
			pass.WithLabelValues(v.Key(), string(v.Status)).Set(b2f(v.Status == results.StatusPass))
		}
		success.Set(b2f(l.ok))
	}
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(w, r)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
