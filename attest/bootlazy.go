package attest

import "sync"

// lazyBoot reads the secure-boot state of a replayed log when a claim
// first asks for it (most verdicts never do, and reading it hashes PCR 7's
// signature databases, several times the cost of the replay). It keeps its
// own copy of the quoted values of the PCRs the log extends, and reading
// replays the log bytes against them again with every event-data check
// (replayEvents), so bytes changed after Verify are refused, never read.
type lazyBoot struct {
	once sync.Once
	log  []byte
	pcrs PCRValues // the quoted values of the PCRs the log extends
	ga   bool      // the log replays only with go-attestation's workarounds
	st   SecureBoot
}

func newLazyBoot(log []byte, pcrs *PCRValues, idx []int, ga bool) *lazyBoot {
	var mask uint32
	for _, i := range idx {
		mask |= 1 << i
	}
	return &lazyBoot{log: log, pcrs: pcrs.only(mask), ga: ga}
}

// SecureBoot is the secure-boot state read from the replayed PCR 7 events
// (secureBootOf; go-attestation's ParseSecurebootState, behind the
// GO-2026-5298 guard, for a log only its replay accepts). It is read once,
// at the first call; Known is false, with the reason, when the events do
// not show it, or when the log has no state (nil BootState).
func (b *BootState) SecureBoot() SecureBoot {
	if b == nil || b.sb == nil {
		return SecureBoot{Reason: "no replayed event log"}
	}
	l := b.sb
	l.once.Do(func() { l.st = l.read() })
	return l.st
}

func (l *lazyBoot) read() SecureBoot {
	if l.ga {
		idx, _, err := gaReplay(l.log, &l.pcrs)
		if err != nil {
			return SecureBoot{Reason: err.Error()}
		}
		return gaSecureBootState(l.log, idx)
	}
	events, _, err := replayEvents(l.log, &l.pcrs)
	if err != nil {
		return SecureBoot{Reason: err.Error()}
	}
	return secureBootOf(events)
}
