package attest

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

// agreeOnEvent fails t when the well-formed-event fast path parses b
// differently from the field-by-field parser, or parses what it refuses.
// It reports which of the two parsed b.
func agreeOnEvent(t testing.TB, b []byte, sizes algSizes) (fast, fields bool) {
	var e logEvent
	n := parseWellFormed(b, sizes, &e)
	fr := &reader{b: b}
	want, werr := parseAgileEventFields(fr, sizes)
	if n > 0 && (werr != nil || fr.off != n || !reflect.DeepEqual(e, want)) {
		t.Fatalf("event %x: fast %d %+v; fields %d %+v %v", b, n, e, fr.off, want, werr)
	}
	return n > 0, werr == nil
}

// FuzzAgileEvent holds the two event parsers equal on any bytes, with the
// digest sizes of a real log's Spec ID event (SHA-1 and SHA-256).
func FuzzAgileEvent(f *testing.F) {
	log, err := os.ReadFile(filepath.Join("testdata", "eventlogs", "ubuntu_2104_shielded_vm_no_secure_boot_eventlog"))
	if err != nil {
		f.Fatal(err)
	}
	r, sizes, err := agileHeader(log)
	if err != nil {
		f.Fatal(err)
	}
	for start := r.off; start < len(log); start = r.off {
		var e logEvent
		if err := parseAgileEvent(r, sizes, &e); err != nil {
			f.Fatal(err)
		}
		f.Add(log[start:r.off])
	}
	f.Fuzz(func(t *testing.T, b []byte) { agreeOnEvent(t, b, sizes) })
}

// The well-formed-event fast path parses exactly what the field-by-field
// parser does, on real logs and on them with bytes changed at random in
// every field: same event, same length, and never an event the field
// parser refuses.
func TestWellFormedParseAgreesWithFieldParse(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "eventlogs", "*_eventlog"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no real logs: %v", err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	fast, refused := 0, 0
	for _, f := range files {
		log, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, sizes, err := agileHeader(log)
		if err != nil {
			continue // a SHA-1 log: not crypto-agile
		}
		for start := r.off; start < len(log); {
			var e logEvent
			if err := parseAgileEvent(r, sizes, &e); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			whole := log[start:min(len(log), r.off+8)] // the event and a little more
			for try := range 40 {
				b := slices.Clone(whole)
				if try > 0 { // the first try is the event as logged
					b[rng.IntN(min(len(b), 80))] = byte(rng.Uint32()) // in its fields, mostly
				}
				if try%3 == 2 {
					b = b[:rng.IntN(len(b)+1)]
				}
				switch isFast, isFields := agreeOnEvent(t, b, sizes); {
				case isFast:
					fast++
				case !isFields:
					refused++
				}
			}
			start = r.off
		}
	}
	if fast == 0 || refused == 0 {
		t.Fatalf("%d parsed by the fast path, %d refused: the test needs both", fast, refused)
	}
	t.Logf("%d parsed by the fast path, %d refused by both", fast, refused)
}
