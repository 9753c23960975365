package attest

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"

	ga "github.com/google/go-attestation/attest"
)

// gaSecureBoot is the secure-boot state as go-attestation reads it, behind
// the GO-2026-5298 guard: the reference secureBootOf must agree with.
func gaSecureBoot(t testing.TB, log []byte) SecureBoot {
	t.Helper()
	el, err := ga.ParseEventLog(log)
	if err != nil {
		t.Fatal(err)
	}
	var events []ga.Event
	for _, e := range el.Events(ga.HashSHA256) {
		if e.Type != EvNoAction {
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

// sameState compares what a verdict reads: Known and Enabled.
func sameState(a, b SecureBoot) bool { return a.Known == b.Known && a.Enabled == b.Enabled }

// The real firmware logs (two with secure boot off, one with its
// certificates and authorities) read the same as go-attestation reads them.
func TestSecureBootMatchesGoAttestationOnRealLogs(t *testing.T) {
	logs, err := filepath.Glob("testdata/eventlogs/*_eventlog")
	if err != nil || len(logs) < 4 {
		t.Fatalf("real logs: %v (%d)", err, len(logs))
	}
	for _, name := range logs {
		log, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		events, _, err := parseAgileLog(log)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, want := secureBootOf(events), gaSecureBoot(t, log)
		if !sameState(got, want) {
			t.Errorf("%s: secure boot %+v, go-attestation reads %+v", filepath.Base(name), got, want)
		}
		t.Logf("%s: %+v", filepath.Base(name), got)
	}
}

// Crafted PCR 7 sequences: each one go-attestation refuses (or reads as
// off) must not read as enabled here, and the well-formed ones must.
func TestSecureBootRules(t *testing.T) {
	cert := append([]byte{0x30, 0x03}, 1, 2, 3)
	x509List := func() []byte {
		body := append(make([]byte, 16), cert...)
		var b bytes.Buffer
		b.Write(efiCertX509[:])
		b.Write([]byte{byte(28 + len(body)), 0, 0, 0, 0, 0, 0, 0, byte(len(body)), 0, 0, 0})
		b.Write(body)
		return b.Bytes()
	}
	v := func(name string, data []byte) logEvent {
		return logEvent{pcr: 7, typ: EvEFIVariableDriverConfig, data: EFIVariable([16]byte{1}, name, data)}
	}
	auth := func() logEvent {
		raw := EFIVariable([16]byte{2}, "db", append(make([]byte, 16), cert...))
		sum := sha256.Sum256(raw)
		return logEvent{pcr: 7, typ: EvEFIVariableAuthority, data: raw, digest: sum[:]}
	}
	sep := logEvent{pcr: 7, typ: EvSeparator, data: []byte{0, 0, 0, 0}}
	enabled := func() []logEvent {
		return []logEvent{v("SecureBoot", []byte{1}), v("PK", x509List()), v("KEK", x509List()), v("db", x509List()), v("dbx", nil), sep, auth()}
	}
	for _, tc := range []struct {
		name  string
		edit  func([]logEvent) []logEvent
		known bool
		on    bool
	}{
		{"enabled with keys and an authority", func(e []logEvent) []logEvent { return e }, true, true},
		{"disabled", func(e []logEvent) []logEvent { e[0] = v("SecureBoot", []byte{0}); return e }, true, false},
		{"no authority", func(e []logEvent) []logEvent { return e[:6] }, false, false},
		{"empty PK", func(e []logEvent) []logEvent { e[1] = v("PK", nil); return e }, false, false},
		{"SecureBoot twice", func(e []logEvent) []logEvent { return append([]logEvent{v("SecureBoot", []byte{1})}, e...) }, false, false},
		{"a variable after the separator", func(e []logEvent) []logEvent { return append(e, v("SecureBoot2", []byte{1})) }, false, false},
		{"two separators", func(e []logEvent) []logEvent { return append(e, sep) }, false, false},
		{"a debugger", func(e []logEvent) []logEvent {
			return append(e, logEvent{pcr: 7, typ: EvEFIAction, data: []byte("UEFI Debug Mode")})
		}, false, false},
		{"an unexpected event type", func(e []logEvent) []logEvent { return append(e, logEvent{pcr: 7, typ: EvEFIBootServicesApp}) }, false, false},
		{"an authority whose data does not hash to its digest", func(e []logEvent) []logEvent { e[6].digest = make([]byte, 32); return e }, false, false},
		{"an X.509 entry that is not one DER SEQUENCE", func(e []logEvent) []logEvent {
			l := x509List()
			l[len(l)-4] = 0x31
			e[2] = v("KEK", l)
			return e
		}, false, false},
		{"a SecureBoot of two bytes", func(e []logEvent) []logEvent { e[0] = v("SecureBoot", []byte{1, 0}); return e }, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := secureBootOf(tc.edit(enabled()))
			if got.Known != tc.known || got.Enabled != tc.on || (!got.Known && got.Reason == "") {
				t.Errorf("secure boot %+v, want known=%v enabled=%v (a reason when unknown)", got, tc.known, tc.on)
			}
		})
	}
}

func TestIsDERSequence(t *testing.T) {
	long := append([]byte{0x30, 0x82, 0x01, 0x00}, make([]byte, 256)...)
	for _, tc := range []struct {
		b  []byte
		ok bool
	}{
		{[]byte{0x30, 0x00}, true},
		{long, true},
		{long[:len(long)-1], false},
		{append(long, 0), false},
		{[]byte{0x30, 0x81, 0x05, 1, 2, 3, 4, 5}, false}, // not the shortest form
		{[]byte{0x31, 0x00}, false},
		{[]byte{0x30, 0x80}, false}, // indefinite length
		{nil, false},
	} {
		if got := isDERSequence(tc.b); got != tc.ok {
			t.Errorf("isDERSequence(% x…) = %v, want %v", tc.b[:min(len(tc.b), 4)], got, tc.ok)
		}
	}
}
