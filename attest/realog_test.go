package attest_test

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/collect"
	"github.com/sovbench/sovbench/attest/collect/collecttest"
	"github.com/sovbench/sovbench/results"
)

// collectRealLog plays a real event log from testdata into a fresh simulator
// and collects a quote over the resulting PCRs.
func collectRealLog(t testing.TB, name string, req collect.Request) *results.TPMDetails {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "eventlogs", name))
	if err != nil {
		t.Fatal(err)
	}
	events, err := EventsFromLog(raw)
	if err != nil {
		t.Fatal(err)
	}
	defer collecttest.LockSimulator()()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dev, err := collect.Open(ctx, collect.KindSimulator)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if req.EventLog, err = dev.Measure(ctx, events); err != nil {
		t.Fatal(err)
	}
	d, err := collect.Collect(ctx, dev, req)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRealEventLogsReplay(t *testing.T) {
	for _, tc := range []struct {
		file       string
		secureBoot bool
	}{
		{"ubuntu_2104_shielded_vm_no_secure_boot_eventlog", false},
		{"coreos_36_shielded_vm_no_secure_boot_eventlog", false},
	} {
		t.Run("the "+tc.file+" events replay against a real quote", func(t *testing.T) {
			req := request(t, tc.file)
			d := collectRealLog(t, tc.file, req)
			o := opts(req)
			o.AllowUnverifiedEK, o.RequireEventLog = true, true
			p, err := Verify(d, o)
			if err != nil {
				t.Fatal(err)
			}
			if p.Boot.Events < 20 {
				t.Fatalf("only %d events replayed", p.Boot.Events)
			}
			if p.Boot.SecureBoot().Known && p.Boot.SecureBoot().Enabled != tc.secureBoot {
				t.Fatalf("secure boot %+v, want enabled=%v", p.Boot.SecureBoot(), tc.secureBoot)
			}
			t.Logf("%d events on PCRs %v, secure boot %+v", p.Boot.Events, p.Boot.PCRs, p.Boot.SecureBoot())
		})
	}
}

func TestFastReplayAgreesWithGoAttestation(t *testing.T) {
	req := request(t, "differential")
	d := collectRealLog(t, "ubuntu_2104_shielded_vm_no_secure_boot_eventlog", req)
	pcrs := map[int][]byte{}
	for _, p := range d.PCRs {
		pcrs[p.Index] = p.Digest
	}
	t.Run("both accept the real log against its quoted PCRs", func(t *testing.T) {
		fi, fn, ferr := FastReplay(d.EventLog, PCRsOf(pcrs))
		gi, gn, gerr := GAReplay(d.EventLog, PCRsOf(pcrs))
		if ferr != nil || gerr != nil || fn != gn || len(fi) != len(gi) {
			t.Fatalf("fast %v %d %v, go-attestation %v %d %v", fi, fn, ferr, gi, gn, gerr)
		}
	})
	t.Run("both reject the log against a tampered PCR 4", func(t *testing.T) {
		bad := map[int][]byte{}
		for k, v := range pcrs {
			bad[k] = v
		}
		bad[4] = make([]byte, 32)
		_, _, ferr := FastReplay(d.EventLog, PCRsOf(bad))
		_, _, gerr := GAReplay(d.EventLog, PCRsOf(bad))
		if !isPCRMismatch(ferr) || !isPCRMismatch(gerr) {
			t.Fatalf("fast %v, go-attestation %v", ferr, gerr)
		}
	})
}

// An ECDSA P-256 AK (the collector's ECCAK) verifies end to end like the
// default RSA one, and its quote, once a byte of its signature changes,
// does not.
func TestECCAKVerifies(t *testing.T) {
	req := request(t, "ecc ak")
	req.ECCAK = true
	d := collectRealLog(t, "ubuntu_2104_shielded_vm_no_secure_boot_eventlog", req)
	o := opts(req)
	o.AllowUnverifiedEK = true
	p, err := Verify(d, o)
	if err != nil {
		t.Fatalf("ECC AK evidence rejected: %v", err)
	}
	if ak, err := CheckAK(d); err != nil || ak.Hash == 0 {
		t.Fatalf("ECC AK: %v", err)
	} else if _, ok := ak.Public.(*ecdsa.PublicKey); !ok {
		t.Fatalf("the AK is %T, want ECDSA", ak.Public)
	}
	if p.Boot == nil || p.Boot.Events == 0 {
		t.Fatal("no event log replayed")
	}
	sig := d.Quotes[0].Signature
	sig[len(sig)-1] ^= 1
	var se *SignatureError
	if _, err := Verify(d, o); !errors.As(err, &se) {
		t.Fatalf("tampered ECC signature: got %v, want *SignatureError", err)
	}
}
