package results

// Summary is the statistics sovbench reports for a set of duration samples.
// It is computed in one place, stats.Summarize (package results/stats),
// through montanaflynn/stats; see there for the exact definitions
// (nearest-rank percentiles, sample standard deviation).
type Summary struct {
	N      int      `json:"n"`
	Min    Duration `json:"min"`
	P50    Duration `json:"p50"`
	P90    Duration `json:"p90"`
	P99    Duration `json:"p99"`
	Mean   Duration `json:"mean"`
	Stddev Duration `json:"stddev"`
}
