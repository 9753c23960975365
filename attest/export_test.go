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
func (c *ReplayCache) Add(nonce []byte) bool { return c.add([32]byte(nonce)) }

// CheckSignatureList is the GO-2026-5298 guard for one variable.
var CheckSignatureList = checkSignatureList

// CheckSignature is the bare AK signature check over a quote.
var CheckSignature = checkSignature

// ReplayLogCold is replayLog without the boot memo.
var ReplayLogCold = replayLogCold

// PCRsOf is a test's map of PCR values as PCRValues (values must be 32
// bytes at indices 0-23: a test's own mistake otherwise).
func PCRsOf(m map[int][]byte) *PCRValues {
	var p PCRValues
	for i, v := range m {
		if i < 0 || i > 23 || len(v) != len(p.v[i]) {
			panic("PCRsOf: not a SHA-256 PCR")
		}
		p.set |= 1 << i
		copy(p.v[i][:], v)
	}
	return &p
}
