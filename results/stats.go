package results

import (
	"math"
	"time"

	"github.com/montanaflynn/stats"
)

// Summarize computes the Summary of a set of duration samples. It is the one
// place sovbench computes statistics, and it does so only through
// montanaflynn/stats; every probe family (latency, egress, control plane)
// calls it rather than computing its own.
//
// Definitions, chosen so that every figure can be checked by hand:
//   - P50, P90 and P99 use the nearest-rank method: the p-th percentile is the
//     smallest sample such that at least p% of the samples are less than or
//     equal to it (the sample at 1-based rank ceil(p/100 × n) after sorting).
//     Every percentile is therefore a value that was actually observed, and
//     with fewer than 100 samples P99 is the maximum: small runs are reported
//     conservatively instead of being interpolated.
//   - Mean is the arithmetic mean, rounded to the nearest nanosecond.
//   - Stddev is the sample standard deviation (divisor n−1), rounded to the
//     nearest nanosecond; it is 0 for a single sample.
//
// An empty input gives the zero Summary (N = 0). The input is not modified.
func Summarize(samples []time.Duration) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	data := make(stats.Float64Data, len(samples))
	for i, d := range samples {
		data[i] = float64(d)
	}
	// The errors montanaflynn/stats returns are for empty input, bounds
	// outside 0–100 and (for the sample deviation) a single sample; none can
	// happen past the checks above, so each figure's error is ignored.
	minimum, _ := stats.Min(data)
	mean, _ := stats.Mean(data)
	s := Summary{
		N:    len(samples),
		Min:  Duration(minimum),
		P50:  percentile(data, 50),
		P90:  percentile(data, 90),
		P99:  percentile(data, 99),
		Mean: Duration(math.Round(mean)),
	}
	if len(samples) > 1 {
		sd, _ := stats.StandardDeviationSample(data)
		s.Stddev = Duration(math.Round(sd))
	}
	return s
}

func percentile(data stats.Float64Data, p float64) Duration {
	v, _ := stats.PercentileNearestRank(data, p)
	return Duration(v)
}
