package netem

import (
	"math/rand/v2"
	"time"
)

// JitterDelay draws one packet's queueing delay: exponentially distributed
// with the given mean, so never negative. It only ever adds to the path's
// fixed delay; 0 for a mean of 0 or less.
//
// The model: on a path, a packet's delay is its fixed part (propagation,
// serialisation, access) plus the time it waits in queues, and that wait
// above the path's minimum is exponentially distributed (Sukhov,
// Kuznetsova, Pervitsky and Galtsev, "Generating function for network
// delay", arXiv:1003.0190, from RIPE Test Box one-way delays to the
// microsecond; earlier RTT studies find the same right-skewed shape with
// the minimum itself occurring often: Acharya and Saltz, "A study of
// Internet round-trip delay", UMIACS-TR-96-97). The minimum of a few
// samples therefore lands close to the fixed part, which is why round-trip
// geolocation takes the minimum of N (Gueye et al., IEEE/ACM ToN 2006).
// The mean is the lab's setting (lab file "jitter:"), not a measured
// constant: queueing varies with load far more than the shape does.
func JitterDelay(rng *rand.Rand, mean time.Duration) time.Duration {
	if mean <= 0 {
		return 0
	}
	return time.Duration(rng.ExpFloat64() * float64(mean))
}
