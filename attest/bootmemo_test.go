package attest_test

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	. "github.com/sovbench/sovbench/attest"
)

// The boot memo gives a remembered replay only for the same log bytes and
// the same values of the PCRs the log extends; anything else is replayed.
func TestBootMemoAnswersOnlyForTheSameLogAndPCRs(t *testing.T) {
	req := request(t, "boot memo")
	d := collectRealLog(t, "ubuntu_2104_shielded_vm_no_secure_boot_eventlog", req)
	pcrs := map[int][]byte{}
	for _, p := range d.PCRs {
		pcrs[p.Index] = p.Digest
	}
	cold, err := ReplayLogCold(d.EventLog, PCRsOf(pcrs))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the first fills the memo, the second is answered by it
		warm, err := ReplayLog(d.EventLog, PCRsOf(pcrs), true)
		if err != nil || !reflect.DeepEqual(warm, cold) {
			t.Fatalf("memo: %+v, %v; want %+v", warm, err, cold)
		}
		warm.PCRs[0] = 99 // a caller's edit must not reach the memo
	}
	t.Run("another value of an extended PCR is replayed and refused", func(t *testing.T) {
		other := maps(pcrs)
		other[cold.PCRs[0]] = make([]byte, 32)
		var pm *PCRMismatchError
		if _, err := ReplayLog(d.EventLog, PCRsOf(other), true); !errors.As(err, &pm) {
			t.Fatalf("got %v, want *PCRMismatchError", err)
		}
	})
	t.Run("a log differing in one byte is replayed, not remembered", func(t *testing.T) {
		log := slices.Clone(d.EventLog)
		log[len(log)-1] ^= 0xff
		want, wantErr := ReplayLogCold(log, PCRsOf(pcrs))
		got, err := ReplayLog(log, PCRsOf(pcrs), true)
		if !reflect.DeepEqual(got, want) || (err == nil) != (wantErr == nil) {
			t.Fatalf("got %+v, %v; cold replay gives %+v, %v", got, err, want, wantErr)
		}
		if err == nil {
			t.Fatal("a log with its last byte changed replays (the test needs a change the replay sees)")
		}
	})
	t.Run("an unextended PCR's value plays no part", func(t *testing.T) {
		other := maps(pcrs)
		other[23] = make([]byte, 32)
		if slices.Contains(cold.PCRs, 23) {
			t.Skip("the log extends PCR 23")
		}
		if got, err := ReplayLog(d.EventLog, PCRsOf(other), true); err != nil || !reflect.DeepEqual(got, cold) {
			t.Fatalf("got %+v, %v", got, err)
		}
	})
}

func maps(m map[int][]byte) map[int][]byte {
	c := make(map[int][]byte, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
