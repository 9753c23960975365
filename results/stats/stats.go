package stats

import (
	"math"
	"time"

	mstats "github.com/montanaflynn/stats"

	"github.com/sovbench/sovbench/results"
)

// Summarize computes the results.Summary of a set of duration samples. It
// is the one place sovbench computes statistics, and it does so only
// through montanaflynn/stats; every probe family (rtt, egress, control
// plane) and the compare measurements call it rather than computing their
// own.
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
func Summarize(samples []time.Duration) results.Summary {
	if len(samples) == 0 {
		return results.Summary{}
	}
	data := make(mstats.Float64Data, len(samples))
	for i, d := range samples {
		data[i] = float64(d)
	}
	// The errors montanaflynn/stats returns are for empty input, bounds
	// outside 0–100 and (for the sample deviation) a single sample; none can
	// happen past the checks above, so each figure's error is ignored.
	minimum, _ := mstats.Min(data)
	mean, _ := mstats.Mean(data)
	s := results.Summary{
		N:    len(samples),
		Min:  results.Duration(minimum),
		P50:  percentile(data, 50),
		P90:  percentile(data, 90),
		P99:  percentile(data, 99),
		Mean: results.Duration(math.Round(mean)),
	}
	if len(samples) > 1 {
		sd, _ := mstats.StandardDeviationSample(data)
		s.Stddev = results.Duration(math.Round(sd))
	}
	return s
}

func percentile(data mstats.Float64Data, p float64) results.Duration {
	v, _ := mstats.PercentileNearestRank(data, p)
	return results.Duration(v)
}
