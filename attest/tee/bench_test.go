package tee_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/sovbench/sovbench/attest/tee"
	"github.com/sovbench/sovbench/attest/tee/testsign"
	"github.com/sovbench/sovbench/results"
)

// The TEE verification benchmarks: everything Verify does for one report
// (parse, report signature, certificate chain to the root with its RSA
// signatures, report data binding, TCB and chip checks), on a test-signed
// report whose chain has AMD's (Intel's) shapes and key sizes.
// scripts/bench/tee.sh runs them with -cpu 1 in the same run as the TPM
// quote verification of attest (BenchmarkVerifyQuoteAndReplay).

func BenchmarkVerifySNP(b *testing.B) {
	s := signer(b, "vcek-a", vcekSpec(0xa))
	benchVerify(b, evidence(b, s), opts(s))
}

func BenchmarkVerifySNPVLEK(b *testing.B) {
	s := signer(b, "vlek", testsign.Spec{Kind: results.TEESEVSNP, VLEK: true, CSPID: "Google", TCB: [4]uint8{3, 0, 14, 209}})
	benchVerify(b, evidence(b, s), opts(s))
}

func BenchmarkVerifyTDX(b *testing.B) {
	s := signer(b, "tdx", tdxSpec(false))
	benchVerify(b, evidence(b, s), opts(s))
}

// benchVerify verifies d with o per iteration and reports reports/s (wall
// clock) and reports/cpu-s (CPU time spent: what one core delivers when the
// machine is not shared).
func benchVerify(b *testing.B, d *results.TEEDetails, o tee.Options) {
	if _, err := tee.Verify(d, o); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for b.Loop() {
		if _, err := tee.Verify(d, o); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - c0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "reports/cpu-s")
	}
}

// cpuTime is the user+system CPU time of this process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
