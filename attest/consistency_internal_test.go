package attest

import (
	"strings"
	"testing"

	"github.com/google/go-tpm/legacy/tpm2"
)

func TestContinuityShowsResetsAndRestarts(t *testing.T) {
	att := func(clock uint64, reset, restart uint32, fw uint64) *tpm2.AttestationData {
		return &tpm2.AttestationData{ClockInfo: tpm2.ClockInfo{Clock: clock, ResetCount: reset, RestartCount: restart}, FirmwareVersion: fw}
	}
	base := att(1000, 3, 0, 0x0002000100000000)
	for _, tc := range []struct {
		name string
		b    *tpm2.AttestationData
		want []string
	}{
		{"nothing happened between the AK's creation and the quote", att(1500, 3, 0, 0x0002000100000000), nil},
		{"a reset is shown", att(1500, 4, 0, 0x0002000100000000), []string{"TPM reset 1 time(s) between the AK's creation and quote 0 (reset count 3 → 4)"}},
		{"a restart is shown", att(1500, 3, 1, 0x0002000100000000), []string{"TPM restarted between the AK's creation and quote 0 (restart count 0 → 1)"}},
		{"a clock that went back is shown", att(500, 3, 0, 0x0002000100000000), []string{"TPM clock went back"}},
		{"a firmware change is shown", att(1500, 3, 0, 0x0002000200000000), []string{"TPM firmware changed between the AK's creation and quote 0 (2.1 → 2.2)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := continuity(base, tc.b, "the AK's creation", 0)
			if len(got) != len(tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("got %q, want %q", got[i], tc.want[i])
				}
			}
		})
	}
}
