package attest

import (
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

	ga "github.com/google/go-attestation/attest"
)

// BootState is what the replayed event log says.
type BootState struct {
	// Events is the number of events replayed against quoted PCRs.
	Events int `json:"events"`
	// PCRs are the PCRs the log replays to.
	PCRs []int `json:"pcrs"`
	// sb reads the secure-boot state when a claim first asks for it.
	sb *lazyBoot
}

// SecureBoot is the secure-boot state; Known is false when the PCR 7
// events do not describe it (Reason says why).
type SecureBoot struct {
	Known   bool   `json:"known"`
	Enabled bool   `json:"enabled"`
	Reason  string `json:"reason,omitempty"`
}

// ParseEventLog parses a raw TCG event log. The events are UNVERIFIED until
// replayed against quoted PCRs (Verify does that).
func ParseEventLog(b []byte) (*ga.EventLog, error) {
	el, err := ga.ParseEventLog(b)
	if err != nil {
		return nil, fmt.Errorf("parsing event log: %w", err)
	}
	return el, nil
}

// replayLog replays the log against the quoted SHA-256 PCRs only (given
// SHA-1 values, go-attestation would accept a SHA-1 replay) and reads the
// secure-boot state from the replayed events. A log replayed before against
// the same values of the PCRs it extends gives the remembered outcome
// (bootMemo): a host sends the same log with every quote until it reboots.
func replayLog(log []byte, pcrs *PCRValues, require bool) (*BootState, error) {
	if len(log) == 0 {
		if require {
			return nil, fail(StageEventLog, nil, "no event log")
		}
		return nil, nil
	}
	if st := boots.get(log, pcrs); st != nil {
		return st, nil
	}
	st, err := replayLogCold(log, pcrs)
	if err == nil {
		boots.put(log, pcrs, st)
	}
	return st, err
}

// replayLogCold is replayLog without the memo: the one-pass replay
// (fastReplay) decides; a log only go-attestation's replay (with its
// firmware workarounds) accepts is read by go-attestation too. The
// secure-boot state is left for BootState.SecureBoot to read.
func replayLogCold(log []byte, pcrs *PCRValues) (*BootState, error) {
	idx, n, err := fastReplay(log, pcrs)
	if err == nil {
		return &BootState{Events: n, PCRs: idx, sb: newLazyBoot(log, pcrs, idx, false)}, nil
	}
	var pm *PCRMismatchError
	if !errors.As(err, &pm) {
		return nil, err
	}
	gidx, gn, gerr := gaReplay(log, pcrs)
	if gerr != nil {
		return nil, err
	}
	return &BootState{Events: gn, PCRs: gidx, sb: newLazyBoot(log, pcrs, gidx, true)}, nil
}

// ReplayEventLog replays a raw crypto-agile event log against SHA-256 PCR
// values that a verified quote covers, and checks that events whose digest
// must hash their data do (PCR 7's driver-config variables: when the
// secure-boot state is read, BootState.SecureBoot). It returns the PCRs the log extends and the
// number of events. The fast parser (replaylog.go) decides; on a mismatch
// go-attestation's replay with its firmware workarounds gets a second look.
func ReplayEventLog(log []byte, pcrs *PCRValues) ([]int, int, error) {
	idx, n, err := fastReplay(log, pcrs)
	var pm *PCRMismatchError
	if errors.As(err, &pm) {
		if gidx, gn, gerr := gaReplay(log, pcrs); gerr == nil {
			return gidx, gn, nil
		}
	}
	return idx, n, err
}

// gaReplay is go-attestation's replay, restricted to SHA-256 PCR values.
func gaReplay(log []byte, pcrs *PCRValues) ([]int, int, error) {
	el, err := ParseEventLog(log)
	if err != nil {
		return nil, 0, fail(StageEventLog, err, "event log does not parse")
	}
	var idx []int
	for _, e := range el.Events(ga.HashSHA256) {
		if !slices.Contains(idx, e.Index) {
			idx = append(idx, e.Index)
		}
	}
	slices.Sort(idx)
	var want []ga.PCR
	for _, i := range idx {
		v, ok := pcrs.Get(i)
		if !ok {
			return nil, 0, fail(StageEventLog, nil, "event log extends PCR %d, which the quote does not cover", i)
		}
		want = append(want, ga.PCR{Index: i, Digest: v[:], DigestAlg: crypto.SHA256})
	}
	events, err := el.Verify(want)
	var re ga.ReplayError
	if errors.As(err, &re) {
		return nil, 0, &PCRMismatchError{Source: "event log", PCRs: re.InvalidPCRs}
	}
	if err != nil {
		return nil, 0, fail(StageEventLog, err, "event log does not replay")
	}
	for _, e := range events {
		if name, ok := dataDigestName(uint32(e.Type)); ok {
			if sum := sha256.Sum256(e.Data); len(e.Digest) != sha256.Size || sum != [32]byte(e.Digest) {
				return nil, 0, fail(StageEventLog, nil, "%s event on PCR %d: data does not hash to its measured digest", name, e.Index)
			}
		}
	}
	return idx, len(events), nil
}

// gaSecureBootState reads the secure-boot state with go-attestation, behind
// the GO-2026-5298 guard, from the events of a log that replayed against
// the PCRs idx.
func gaSecureBootState(log []byte, idx []int) SecureBoot {
	el, err := ParseEventLog(log)
	if err != nil {
		return SecureBoot{Reason: err.Error()}
	}
	var events []ga.Event
	for _, e := range el.Events(ga.HashSHA256) {
		if e.Type != EvNoAction && slices.Contains(idx, e.Index) {
			events = append(events, e)
		}
	}
	if err := checkSignatureLists(events); err != nil {
		return SecureBoot{Reason: err.Error()}
	}
	sb, err := ga.ParseSecurebootState(events)
	if err != nil {
		return SecureBoot{Reason: err.Error()}
	}
	return SecureBoot{Known: true, Enabled: sb.Enabled}
}

// EventsFromLog returns the SHA-256 events of a raw event log as BootEvents
// (digest kept as logged), so a recorded log can be played into a fresh
// simulator or swtpm with Device.Measure. The events are UNVERIFIED.
func EventsFromLog(b []byte) ([]BootEvent, error) {
	el, err := ParseEventLog(b)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(el.Algs, ga.HashSHA256) {
		return nil, errors.New("parsing event log: no SHA-256 digests")
	}
	var out []BootEvent
	for _, e := range el.Events(ga.HashSHA256) {
		if e.Type == EvNoAction || len(e.Digest) != sha256.Size {
			continue
		}
		out = append(out, BootEvent{PCR: e.Index, Type: uint32(e.Type), Data: e.Data, Digest: e.Digest})
	}
	return out, nil
}
