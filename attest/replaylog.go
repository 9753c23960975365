package attest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// logEvent is one crypto-agile event with its SHA-256 digest.
type logEvent struct {
	pcr    int
	typ    uint32
	digest []byte
	data   []byte
}

var errShort = errors.New("truncated")

type reader struct {
	b   []byte
	off int
}

func (r *reader) u32() (uint32, error) {
	if len(r.b)-r.off < 4 {
		return 0, errShort
	}
	v := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v, nil
}

func (r *reader) u16() (uint16, error) {
	if len(r.b)-r.off < 2 {
		return 0, errShort
	}
	v := binary.LittleEndian.Uint16(r.b[r.off:])
	r.off += 2
	return v, nil
}

func (r *reader) next(n int) ([]byte, error) {
	if n < 0 || len(r.b)-r.off < n {
		return nil, errShort
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v, nil
}

// parseAgileLog parses a TCG crypto-agile event log without reflection.
// It returns the SHA-256 events in order and the startup locality. Errors
// name the event and field.
func parseAgileLog(log []byte) ([]logEvent, byte, error) {
	r, sizes, err := agileHeader(log)
	if err != nil {
		return nil, 0, err
	}
	// Room for the events of a typical log at once (an event is 80 bytes
	// or more), so that parsing allocates once.
	out := make([]logEvent, 0, min(len(log)/128, 4096))
	var locality byte
	for seq := 1; r.off < len(log); seq++ {
		var e logEvent
		if err := parseAgileEvent(r, sizes, &e); err != nil {
			return nil, 0, fmt.Errorf("event %d: %w", seq, err)
		}
		if e.typ == EvNoAction {
			if l, ok := startupLocality(e); ok {
				locality = l
			}
			continue
		}
		out = append(out, e)
	}
	return out, locality, nil
}

// startupLocality reads a StartupLocality event (EV_NO_ACTION on PCR 0).
func startupLocality(e logEvent) (byte, bool) {
	if e.pcr == 0 && len(e.data) == 17 && bytes.HasPrefix(e.data, []byte("StartupLocality\x00")) {
		return e.data[16], true
	}
	return 0, false
}

// agileHeader parses the Spec ID event that opens a crypto-agile log and
// returns a reader at the first event and the log's digest sizes.
func agileHeader(log []byte) (*reader, algSizes, error) {
	r := &reader{b: log}
	if _, err := r.next(8 + 20); err != nil {
		return nil, nil, fmt.Errorf("event 0: header: %w", err)
	}
	size, err := r.u32()
	if err != nil {
		return nil, nil, fmt.Errorf("event 0: size: %w", err)
	}
	spec, err := r.next(int(size))
	if err != nil || len(spec) < 28 || !bytes.Equal(spec[:16], []byte(evSpecIDSignature)) {
		return nil, nil, errors.New("event 0: not a crypto-agile Spec ID Event03 log")
	}
	sizes := make(algSizes, 0, 4)
	sr := &reader{b: spec, off: 24}
	n, err := sr.u32()
	if err != nil || n > 16 {
		return nil, nil, errors.New("event 0: algorithm count")
	}
	for i := 0; i < int(n); i++ {
		id, err1 := sr.u16()
		sz, err2 := sr.u16()
		if err1 != nil || err2 != nil {
			return nil, nil, fmt.Errorf("event 0: algorithm %d: %w", i, errShort)
		}
		sizes = append(sizes, algSize{id, int(sz)})
	}
	if sz, _ := sizes.of(algSHA256); sz != sha256.Size {
		return nil, nil, errors.New("event 0: the log has no SHA-256 bank")
	}
	return r, sizes, nil
}

// algSize is a digest algorithm of the Spec ID event and its digest size.
type algSize struct {
	id   uint16
	size int
}

// algSizes are the Spec ID event's algorithms (at most 16: a slice beats
// a map at this size).
type algSizes []algSize

func (a algSizes) of(id uint16) (int, bool) {
	for _, x := range a {
		if x.id == id {
			return x.size, true
		}
	}
	return 0, false
}

// parseAgileEvent parses the event at r into *e. The common case is read
// from the remaining bytes held locally, with no update of r per field and
// no event returned by value (together a fifth of the replay's cost);
// anything out of the ordinary is parsed again field by field
// (parseAgileEventFields), whose error names the field.
func parseAgileEvent(r *reader, sizes algSizes, e *logEvent) error {
	if n := parseWellFormed(r.b[r.off:], sizes, e); n > 0 {
		r.off += n
		return nil
	}
	var err error
	*e, err = parseAgileEventFields(r, sizes)
	return err
}

// parseWellFormed parses a well-formed event at the start of b into *e and
// returns its length, or 0 for anything parseAgileEventFields refuses.
func parseWellFormed(b []byte, sizes algSizes, e *logEvent) int {
	if len(b) < 12 {
		return 0
	}
	le := binary.LittleEndian
	*e = logEvent{pcr: int(le.Uint32(b)), typ: le.Uint32(b[4:])}
	count := le.Uint32(b[8:])
	if count > 16 || (e.pcr > 23 && e.typ != EvNoAction) {
		return 0
	}
	off := 12
	for range count {
		if len(b)-off < 2 {
			return 0
		}
		alg := le.Uint16(b[off:])
		sz, ok := sizes.of(alg)
		if off += 2; !ok || len(b)-off < sz {
			return 0
		}
		if alg == algSHA256 {
			e.digest = b[off : off+sz]
		}
		off += sz
	}
	if len(b)-off < 4 {
		return 0
	}
	size := le.Uint32(b[off:])
	if off += 4; uint64(size) > uint64(len(b)-off) || (e.digest == nil && e.typ != EvNoAction) {
		return 0
	}
	e.data = b[off : off+int(size)]
	return off + int(size)
}

// parseAgileEventFields parses the event at r field by field, each error
// naming its field.
func parseAgileEventFields(r *reader, sizes algSizes) (logEvent, error) {
	pcr, err := r.u32()
	if err != nil {
		return logEvent{}, fmt.Errorf("pcr index: %w", err)
	}
	typ, err := r.u32()
	if err != nil {
		return logEvent{}, fmt.Errorf("type: %w", err)
	}
	count, err := r.u32()
	if err != nil || count > 16 {
		return logEvent{}, fmt.Errorf("digest count: %v", err)
	}
	e := logEvent{pcr: int(pcr), typ: typ}
	for i := 0; i < int(count); i++ {
		alg, err := r.u16()
		if err != nil {
			return logEvent{}, fmt.Errorf("digest %d algorithm: %w", i, err)
		}
		sz, ok := sizes.of(alg)
		if !ok {
			return logEvent{}, fmt.Errorf("digest %d: algorithm 0x%x not in the Spec ID event", i, alg)
		}
		d, err := r.next(sz)
		if err != nil {
			return logEvent{}, fmt.Errorf("digest %d: %w", i, err)
		}
		if alg == algSHA256 {
			e.digest = d
		}
	}
	size, err := r.u32()
	if err != nil {
		return logEvent{}, fmt.Errorf("event size: %w", err)
	}
	if e.data, err = r.next(int(size)); err != nil {
		return logEvent{}, fmt.Errorf("event data (%d bytes): %w", size, err)
	}
	if pcr > 23 && typ != EvNoAction {
		return logEvent{}, fmt.Errorf("pcr index %d out of range", pcr)
	}
	if e.digest == nil && typ != EvNoAction {
		return logEvent{}, errors.New("no SHA-256 digest")
	}
	return e, nil
}

// replayEvents replays the log in two passes (parse, then extend) with
// every event-data digest check, including PCR 7's driver-config variables,
// and returns the replayed events: what the secure-boot state is read from.
// It is also the fallback of the one-pass fastReplay.
func replayEvents(log []byte, pcrs *PCRValues) ([]logEvent, []int, error) {
	events, locality, err := parseAgileLog(log)
	if err != nil {
		return nil, nil, fail(StageEventLog, err, "event log does not parse")
	}
	var state [24][sha256.Size]byte
	var touched [24]bool
	state[0][sha256.Size-1] = locality
	var x extender
	x.init()
	var dataErr error
	for _, e := range events {
		x.extend(&state[e.pcr], e.digest)
		touched[e.pcr] = true
		if dataErr == nil {
			dataErr = checkEventData(e)
		}
	}
	var mask uint32
	for i := range touched {
		if touched[i] {
			mask |= 1 << i
		}
	}
	if err := checkReplayed(&state, mask, pcrs); err != nil {
		return nil, nil, err
	}
	if dataErr != nil {
		return nil, nil, dataErr
	}
	return events, maskIndices(mask), nil
}

// checkReplayed compares the replayed values of the PCRs in mask with the
// quoted ones: a PCR the log extends must be quoted and equal.
func checkReplayed(state *[24][sha256.Size]byte, mask uint32, pcrs *PCRValues) error {
	if extra := mask &^ pcrs.set; extra != 0 {
		return fail(StageEventLog, nil, "event log extends PCR %d, which the quote does not cover", bits.TrailingZeros32(extra))
	}
	var bad []int
	for m := mask; m != 0; m &= m - 1 {
		if i := bits.TrailingZeros32(m); state[i] != pcrs.v[i] {
			bad = append(bad, i)
		}
	}
	if len(bad) > 0 {
		return &PCRMismatchError{Source: "event log", PCRs: bad}
	}
	return nil
}
