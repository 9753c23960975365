package attest

import (
	"crypto/sha256"
	"fmt"
	"sync"
)

// fastReplay replays a crypto-agile log's SHA-256 events against quoted PCR
// values in one pass, without keeping the events (the verification hot
// path: no allocation per event), and returns the PCRs the log extends and
// the number of events. A mismatch is a *PCRMismatchError. It checks every
// event-data digest the firmware profile requires except those of PCR 7's
// driver-config variables, whose data only the secure-boot state reads:
// that reading (BootState.SecureBoot) replays again with them. A log whose
// StartupLocality comes after PCR 0 was extended is replayed by
// replayEvents, which applies the locality wherever it appears.
func fastReplay(log []byte, pcrs *PCRValues) ([]int, int, error) {
	r, sizes, err := agileHeader(log)
	if err != nil {
		return nil, 0, fail(StageEventLog, err, "event log does not parse")
	}
	var state [24][sha256.Size]byte
	var touched uint32
	var x extender
	x.init()
	var dataErr error
	n := 0
	for seq := 1; r.off < len(log); seq++ {
		var e logEvent
		if err := parseAgileEvent(r, sizes, &e); err != nil {
			return nil, 0, fail(StageEventLog, fmt.Errorf("event %d: %w", seq, err), "event log does not parse")
		}
		if e.typ == EvNoAction {
			if l, ok := startupLocality(e); ok {
				if touched&1 != 0 {
					events, idx, err := replayEvents(log, pcrs)
					return idx, len(events), err
				}
				state[0][sha256.Size-1] = l
			}
			continue
		}
		x.extend(&state[e.pcr], e.digest)
		touched |= 1 << e.pcr
		n++
		if dataErr == nil && !(e.pcr == 7 && e.typ == EvEFIVariableDriverConfig) {
			dataErr = checkEventData(e)
		}
	}
	if err := checkReplayed(&state, touched, pcrs); err != nil {
		return nil, 0, err
	}
	return maskIndices(touched), n, dataErr
}

// dataDigestName names the event types whose digest must be the hash of
// their data (TCG PC Client Platform Firmware Profile, section 10.4.4): an
// event of these types whose data does not hash to its digest was tampered
// with after measurement.
func dataDigestName(typ uint32) (string, bool) {
	switch typ {
	case EvSeparator:
		return "EV_SEPARATOR", true
	case EvEFIVariableDriverConfig:
		return "EV_EFI_VARIABLE_DRIVER_CONFIG", true
	case EvEFIAction:
		return "EV_EFI_ACTION", true
	}
	return "", false
}

// knownData are the SHA-256 digests of the separators' and EFI actions'
// usual data, so that the check of those events compares instead of
// hashing. Exact: the data must equal a key byte for byte. Built at the
// first replay, not at package init (attest is in the slim agent).
var knownData = sync.OnceValue(func() map[string][sha256.Size]byte {
	m := map[string][sha256.Size]byte{}
	for _, s := range []string{"\x00\x00\x00\x00", "\xff\xff\xff\xff",
		"Calling EFI Application from Boot Option", "Returning from EFI Application from Boot Option",
		"Exit Boot Services Invocation", "Exit Boot Services Returned with Success"} {
		m[s] = sha256.Sum256([]byte(s))
	}
	return m
})

// checkEventData checks that an event whose digest must hash its data does.
func checkEventData(e logEvent) error {
	name, ok := dataDigestName(e.typ)
	if !ok {
		return nil
	}
	sum, known := knownData()[string(e.data)]
	if !known {
		sum = sha256.Sum256(e.data)
	}
	if sum != [sha256.Size]byte(e.digest) {
		return fail(StageEventLog, nil, "%s event on PCR %d: data does not hash to its measured digest", name, e.pcr)
	}
	return nil
}
