package attest

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkReplayFloor splits the first-seen replay of the benchmark's real
// log (105 events, GCE Ubuntu) into what it cannot do without, to show the
// floor under BenchmarkQuoteVsSignature's "cold" ratio: "extends" is the 105
// SHA-256 extends alone (extender, as the replay does them), "sum256" the
// same with sha256.Sum256, "parse" the log's parsing alone, "replay" the
// whole one-pass replay (fastReplay) against the PCRs it extends to.
func BenchmarkReplayFloor(b *testing.B) {
	log, err := os.ReadFile(filepath.Join("testdata", "eventlogs", "ubuntu_2104_shielded_vm_no_secure_boot_eventlog"))
	if err != nil {
		b.Fatal(err)
	}
	events, locality, err := parseAgileLog(log)
	if err != nil {
		b.Fatal(err)
	}
	var pcrs PCRValues
	pcrs.v[0][sha256.Size-1] = locality
	var x extender
	x.init()
	for _, e := range events {
		x.extend(&pcrs.v[e.pcr], e.digest)
		pcrs.set |= 1 << e.pcr
	}
	b.Run("extends", func(b *testing.B) {
		var state [24][sha256.Size]byte
		for b.Loop() {
			for _, e := range events {
				x.extend(&state[e.pcr], e.digest)
			}
		}
		b.ReportMetric(float64(len(events)), "extends")
	})
	b.Run("sum256", func(b *testing.B) {
		var state [24][sha256.Size]byte
		var buf [2 * sha256.Size]byte
		for b.Loop() {
			for _, e := range events {
				copy(buf[:sha256.Size], state[e.pcr][:])
				copy(buf[sha256.Size:], e.digest)
				state[e.pcr] = sha256.Sum256(buf[:])
			}
		}
	})
	b.Run("parse", func(b *testing.B) {
		for b.Loop() {
			r, sizes, err := agileHeader(log)
			for err == nil && r.off < len(log) {
				var e logEvent
				err = parseAgileEvent(r, sizes, &e)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("replay", func(b *testing.B) {
		for b.Loop() {
			if _, n, err := fastReplay(log, &pcrs); err != nil || n != len(events) {
				b.Fatal(n, err)
			}
		}
	})
}
