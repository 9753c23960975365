package attest

// Internals the external tests (package attest_test, which may import
// attest/collect for evidence) exercise directly.
var (
	CheckAK    = checkAK
	FastReplay = fastReplay
	GAReplay   = gaReplay
	ReplayLog  = replayLog
)

// Add is the replay cache's check-and-record, for the benchmark.
func (c *ReplayCache) Add(nonce []byte) bool { return c.add(nonce) }

// CheckSignatureList is the GO-2026-5298 guard for one variable.
var CheckSignatureList = checkSignatureList

// CheckSignature is the bare AK signature check over a quote.
var CheckSignature = checkSignature

// ReplayLogCold is replayLog without the boot memo.
var ReplayLogCold = replayLogCold
