package attest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-tpm/legacy/tpm2"

	"github.com/sovbench/sovbench/results"
)

// rawDigest is one digest of a hand-made event.
type rawDigest struct {
	alg uint16
	d   []byte
}

// rawEvent is a crypto-agile event written as given, however wrong: count
// and size override the digests' number and the data's length when set.
type rawEvent struct {
	pcr, typ    uint32
	digests     []rawDigest
	count, size *uint32
	data        []byte
}

func u32p(v uint32) *uint32 { return &v }

func (e rawEvent) bytes() []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	count := uint32(len(e.digests))
	if e.count != nil {
		count = *e.count
	}
	binary.Write(&b, le, [3]uint32{e.pcr, e.typ, count})
	for _, d := range e.digests {
		binary.Write(&b, le, d.alg)
		b.Write(d.d)
	}
	size := uint32(len(e.data))
	if e.size != nil {
		size = *e.size
	}
	binary.Write(&b, le, size)
	b.Write(e.data)
	return b.Bytes()
}

// rawLog is a crypto-agile log whose Spec ID event lists algs, then the
// events' bytes.
func rawLog(algs []algSize, events ...[]byte) []byte {
	var spec bytes.Buffer
	le := binary.LittleEndian
	spec.WriteString(evSpecIDSignature)
	binary.Write(&spec, le, struct {
		Class                uint32
		Minor, Major, Errata uint8
		UintnSize            uint8
	}{UintnSize: 2, Major: 2})
	binary.Write(&spec, le, uint32(len(algs)))
	for _, a := range algs {
		binary.Write(&spec, le, [2]uint16{a.id, uint16(a.size)})
	}
	spec.WriteByte(0)
	var b bytes.Buffer
	binary.Write(&b, le, [2]uint32{0, EvNoAction})
	b.Write(make([]byte, 20))
	binary.Write(&b, le, uint32(spec.Len()))
	b.Write(spec.Bytes())
	for _, e := range events {
		b.Write(e)
	}
	return b.Bytes()
}

const algSHA1 uint16 = 0x0004

var (
	sha256Only = []algSize{{algSHA256, sha256.Size}}
	sha1And256 = []algSize{{algSHA1, 20}, {algSHA256, sha256.Size}}
	dA, dB     = bytes.Repeat([]byte{0xaa}, 32), bytes.Repeat([]byte{0xbb}, 32)
	sep        = []byte{0, 0, 0, 0}
	sepSum     = sha256.Sum256(sep)
)

func ev(pcr, typ uint32, digest []byte, data []byte) rawEvent {
	return rawEvent{pcr: pcr, typ: typ, digests: []rawDigest{{algSHA256, digest}}, data: data}
}

// hostileEvents are hand-made events at the edges of the format: sizes at
// the u32 edges, digest counts, algorithms the Spec ID event does not
// list, SHA-256 twice, PCR indices beyond 23. ok says whether the parsers
// read it.
var hostileEvents = []struct {
	name string
	algs []algSize
	e    rawEvent
	ok   bool
}{
	{"plain", sha256Only, ev(4, 0xd, dA, []byte("x")), true},
	{"size 2^32-1", sha256Only, rawEvent{pcr: 4, typ: 0xd, digests: []rawDigest{{algSHA256, dA}}, size: u32p(0xffffffff), data: []byte("x")}, false},
	{"size 2^31", sha256Only, rawEvent{pcr: 4, typ: 0xd, digests: []rawDigest{{algSHA256, dA}}, size: u32p(0x80000000), data: []byte("x")}, false},
	{"size one beyond the data", sha256Only, rawEvent{pcr: 4, typ: 0xd, digests: []rawDigest{{algSHA256, dA}}, size: u32p(2), data: []byte("x")}, false},
	{"empty data", sha256Only, ev(4, 0xd, dA, nil), true},
	{"count 0", sha256Only, rawEvent{pcr: 4, typ: 0xd, data: []byte("x")}, false},
	{"count 0, EV_NO_ACTION", sha256Only, rawEvent{pcr: 4, typ: EvNoAction, data: []byte("x")}, true},
	{"count 2^32-1", sha256Only, rawEvent{pcr: 4, typ: 0xd, digests: []rawDigest{{algSHA256, dA}}, count: u32p(0xffffffff)}, false},
	{"count 17", sha256Only, rawEvent{pcr: 4, typ: 0xd, digests: slices.Repeat([]rawDigest{{algSHA256, dA}}, 17)}, false},
	{"count 16", sha256Only, rawEvent{pcr: 4, typ: 0xd, digests: slices.Repeat([]rawDigest{{algSHA256, dA}}, 16)}, true},
	{"count one more than the digests", sha256Only, rawEvent{pcr: 4, typ: 0xd, digests: []rawDigest{{algSHA256, dA}}, count: u32p(2)}, false},
	{"SHA-1 not in the Spec ID event", sha256Only, rawEvent{pcr: 4, typ: 0xd, digests: []rawDigest{{algSHA1, dA[:20]}, {algSHA256, dA}}}, false},
	{"SHA-1 and SHA-256", sha1And256, rawEvent{pcr: 4, typ: 0xd, digests: []rawDigest{{algSHA1, dA[:20]}, {algSHA256, dA}}}, true},
	{"SHA-1 only", sha1And256, rawEvent{pcr: 4, typ: 0xd, digests: []rawDigest{{algSHA1, dA[:20]}}}, false},
	{"algorithm 0xffff", sha256Only, rawEvent{pcr: 4, typ: 0xd, digests: []rawDigest{{0xffff, nil}, {algSHA256, dA}}}, false},
	{"SHA-256 twice (the last is extended by both parsers)", sha256Only, rawEvent{pcr: 4, typ: 0xd, digests: []rawDigest{{algSHA256, dA}, {algSHA256, dB}}}, true},
	{"PCR 23", sha256Only, ev(23, 0xd, dA, nil), true},
	{"PCR 24", sha256Only, ev(24, 0xd, dA, nil), false},
	{"PCR 2^31", sha256Only, ev(0x80000000, 0xd, dA, nil), false},
	{"PCR 2^32-1", sha256Only, ev(0xffffffff, 0xd, dA, nil), false},
	{"PCR 2^32-1, EV_NO_ACTION", sha256Only, ev(0xffffffff, EvNoAction, dA, nil), true},
}

// Both event parsers read every hand-made edge event alike (the fast one
// reads it, or leaves it to the field parser), refuse the malformed ones,
// and refuse each cut short at every byte.
func TestHostileEventsParseAlike(t *testing.T) {
	for _, h := range hostileEvents {
		b := h.e.bytes()
		log := rawLog(h.algs, b)
		r, sizes, err := agileHeader(log)
		if err != nil {
			t.Fatalf("%s: header: %v", h.name, err)
		}
		for cut := len(b); cut >= 0; cut-- {
			var e logEvent
			n := parseWellFormed(b[:cut], sizes, &e)
			fr := &reader{b: b[:cut]}
			want, werr := parseAgileEventFields(fr, sizes)
			if n > 0 && (werr != nil || n != fr.off || !reflect.DeepEqual(e, want)) {
				t.Fatalf("%s cut at %d: fast %d %+v; fields %d %+v %v", h.name, cut, n, e, fr.off, want, werr)
			}
			if cut < len(b) && werr == nil {
				t.Fatalf("%s cut at %d: read", h.name, cut)
			}
			if cut == len(b) && (werr == nil) != h.ok {
				t.Fatalf("%s: field parser %v, want ok %v", h.name, werr, h.ok)
			}
		}
		if _, _, err := parseAgileLog(log); (err == nil) != h.ok {
			t.Fatalf("%s: parseAgileLog %v", h.name, err)
		}
		_ = r
	}
}

// model replays events as the TCG profile says, independently of the
// parsers: a StartupLocality event (the last one) sets PCR 0's first
// value, every other EV_NO_ACTION is skipped, the last SHA-256 digest of
// an event is what it extends.
func model(events []rawEvent) PCRValues {
	var p PCRValues
	var loc byte
	for _, e := range events {
		if e.typ == EvNoAction && e.pcr == 0 && len(e.data) == 17 && bytes.HasPrefix(e.data, []byte("StartupLocality\x00")) {
			loc = e.data[16]
		}
	}
	if loc != 0 {
		p.v[0][31] = loc
	}
	for _, e := range events {
		if e.typ == EvNoAction {
			continue
		}
		d := e.digests[len(e.digests)-1].d
		p.v[e.pcr] = sha256.Sum256(append(p.v[e.pcr][:], d...))
		p.set |= 1 << e.pcr
	}
	return p
}

func locality(pcr uint32, l byte, extra ...byte) rawEvent {
	return rawEvent{pcr: pcr, typ: EvNoAction, data: append(append([]byte("StartupLocality\x00"), l), extra...)}
}

// The one-pass replay and the two-pass one agree with the model on logs
// whose StartupLocality stands before, after or between PCR 0's events,
// twice, on another PCR or one byte long: the same PCRs, events and
// outcome, and a PCR value changed in the quote is a mismatch for both.
func TestHostileLogsReplayAlike(t *testing.T) {
	s0 := ev(0, EvSeparator, sepSum[:], sep)
	a4 := ev(4, 0xd, dA, nil)
	logs := map[string][]rawEvent{
		"locality first":              {locality(0, 3), s0, a4},
		"locality after PCR 0":        {s0, locality(0, 3), a4},
		"locality twice":              {locality(0, 3), s0, locality(0, 4), a4},
		"locality on PCR 1 (ignored)": {locality(1, 3), s0, a4},
		"locality 18 bytes (ignored)": {locality(0, 3, 9), s0, a4},
		"locality, no PCR 0 event":    {locality(0, 3), a4},
		"SHA-256 twice":               {s0, {pcr: 4, typ: 0xd, digests: []rawDigest{{algSHA256, dA}, {algSHA256, dB}}}},
		"EV_NO_ACTION on PCR 2^32-1":  {ev(0xffffffff, EvNoAction, dA, nil), s0, a4},
	}
	for name, evs := range logs {
		var raw [][]byte
		for _, e := range evs {
			raw = append(raw, e.bytes())
		}
		log := rawLog(sha256Only, raw...)
		want := model(evs)
		idx, n, err := fastReplay(log, &want)
		events, idx2, err2 := replayEvents(log, &want)
		if err != nil || err2 != nil || !slices.Equal(idx, idx2) || n != len(events) || !slices.Equal(idx, want.Indices()) {
			t.Fatalf("%s: one pass %v %d %v; two passes %v %d %v; model %v", name, idx, n, err, idx2, len(events), err2, want.Indices())
		}
		for _, i := range want.Indices() {
			bad := want
			bad.v[i][5] ^= 1
			_, _, err := fastReplay(log, &bad)
			_, _, err2 := replayEvents(log, &bad)
			var pm, pm2 *PCRMismatchError
			if !errors.As(err, &pm) || !errors.As(err2, &pm2) || !slices.Equal(pm.PCRs, []int{i}) || !slices.Equal(pm2.PCRs, []int{i}) {
				t.Fatalf("%s, PCR %d changed: one pass %v, two passes %v", name, i, err, err2)
			}
		}
		less := want.only(want.set &^ (1 << 4))
		if _, _, err := fastReplay(log, &less); err == nil {
			t.Fatalf("%s: a log extending PCR 4, which the quote does not cover, replays", name)
		}
	}
}

// PCR values recorded at an index beyond 0-23, negative, twice, in
// another bank or of another length are refused; Has and Get answer false
// beyond the range; a quote selecting PCRs beyond 23 (a selection of up to
// 255 bytes) is refused, not read out of the fixed array.
func TestPCRValuesOutOfRange(t *testing.T) {
	d := bytes.Repeat([]byte{1}, 32)
	for _, rs := range [][]results.TPMPCR{
		{{Bank: "sha256", Index: 24, Digest: d}}, {{Bank: "sha256", Index: -1, Digest: d}}, {{Bank: "sha256", Index: 1 << 40, Digest: d}},
		{{Bank: "sha256", Index: 3, Digest: d}, {Bank: "sha256", Index: 3, Digest: d}}, {{Bank: "SHA256", Index: 3, Digest: d}},
		{{Bank: "sha1", Index: 3, Digest: d[:20]}}, {{Bank: "sha256", Index: 3, Digest: d[:31]}}, {{Bank: "sha256", Index: 3, Digest: append(d, 0)}},
	} {
		if _, err := NewPCRValues(rs); err == nil {
			t.Errorf("%+v: read", rs)
		}
	}
	p, err := NewPCRValues([]results.TPMPCR{{Bank: "sha256", Index: 23, Digest: d}, {Bank: "sha256", Index: 0, Digest: d}})
	if err != nil || p.Len() != 2 || !slices.Equal(p.Indices(), []int{0, 23}) {
		t.Fatalf("PCRs 0 and 23: %v, %v", p.Indices(), err)
	}
	for _, i := range []int{-1, 24, 31, 32, 64, -1 << 63, 1<<63 - 1} {
		if _, ok := p.Get(i); ok || p.Has(i) {
			t.Fatalf("PCR %d is held", i)
		}
	}
	for _, sel := range [][]int{{0, 24}, {0, 23, 31}, {0, 23, 32}, {0, 23, 2039}, func() []int {
		all := make([]int, 0, 2040)
		for i := range 2040 {
			all = append(all, i)
		}
		return all
	}()} {
		att := &tpm2.AttestationData{AttestedQuoteInfo: &tpm2.QuoteInfo{PCRSelection: tpm2.PCRSelection{Hash: tpm2.AlgSHA256, PCRs: sel}}}
		if err := checkPCRDigest(att, &p); err == nil {
			t.Errorf("a quote selecting %d PCRs up to %d is accepted", len(sel), sel[len(sel)-1])
		}
	}
}

// The replay cache forgets the oldest nonce also after Max was raised
// once the ring had filled and turned: a nonce seen more recently than
// Max others is still refused. (The ring appended after its last slot
// while its oldest was in the middle, and later forgot the newer nonces
// first: 5 here.)
func TestReplayCacheRaisedMaxForgetsTheOldest(t *testing.T) {
	n := func(b byte) [32]byte { return [32]byte{b} }
	c := &ReplayCache{Max: 3}
	for b := range byte(4) {
		c.add(n(b + 1)) // 1-4: 1 forgotten, the ring turned
	}
	c.Max = 4
	for b := byte(5); b <= 8; b++ {
		if !c.add(n(b)) {
			t.Fatalf("nonce %d refused", b)
		}
	}
	// The last four seen: 5, 6, 7, 8.
	for b := byte(5); b <= 8; b++ {
		if c.add(n(b)) {
			t.Fatalf("nonce %d, one of the last %d seen, is accepted again", b, c.Max)
		}
	}
	if !c.add(n(4)) {
		t.Fatal("nonce 4, older than the last four, is still held")
	}
}
