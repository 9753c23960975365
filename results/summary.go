package results

// Summary is the statistics sovbench reports for a set of samples. It is
// computed in one place, Summarize, through montanaflynn/stats.
type Summary struct {
	N      int      `json:"n"`
	Min    Duration `json:"min"`
	P50    Duration `json:"p50"`
	P90    Duration `json:"p90"`
	P99    Duration `json:"p99"`
	Mean   Duration `json:"mean"`
	Stddev Duration `json:"stddev"`
}
