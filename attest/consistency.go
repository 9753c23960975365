package attest

import (
	"fmt"

	"github.com/google/go-tpm/legacy/tpm2"

	"github.com/sovbench/sovbench/results"
)

// InconsistentError: a readable copy in the record (firmware version,
// clock) is not the value inside the signed quote. The copies are for
// display; a report whose copy differs was edited after the TPM signed.
type InconsistentError struct {
	Field, Recorded, Signed string
}

func (e *InconsistentError) Error() string {
	return fmt.Sprintf("verifying TPM evidence: %s: the record says %s, the signed quote %s (edited after the TPM signed)", StageConsistency, e.Recorded, e.Signed)
}

// firmwareString formats TPMS_ATTEST.firmwareVersion the way the collector
// records TPM_PT_FIRMWARE_VERSION_1 (its upper half): "major.minor".
func firmwareString(v uint64) string {
	return fmt.Sprintf("%d.%d", v>>48, (v>>32)&0xffff)
}

func clockOf(c tpm2.ClockInfo) results.TPMClock {
	return results.TPMClock{ClockMS: c.Clock, ResetCount: c.ResetCount, RestartCount: c.RestartCount, Safe: c.Safe == 1}
}

// checkConsistency sets the platform's firmware and clock from the signed
// quotes, refuses a record whose copies differ or whose quotes disagree on
// the firmware, and notes resets and restarts since the AK's certified
// creation (created, a TPMS_ATTEST the same AK signed; nil when it does
// not decode) and between quotes.
func checkConsistency(d *results.TPMDetails, created *tpm2.AttestationData, quotes []*tpm2.AttestationData, p *Platform) error {
	q0 := quotes[0]
	p.Firmware, p.Clock = firmwareString(q0.FirmwareVersion), clockOf(q0.ClockInfo)
	for i, q := range quotes[1:] {
		if q.FirmwareVersion != q0.FirmwareVersion {
			return &InconsistentError{Field: "firmware", Recorded: fmt.Sprintf("quote 0 firmware %#x", q0.FirmwareVersion), Signed: fmt.Sprintf("quote %d firmware %#x", i+1, q.FirmwareVersion)}
		}
	}
	if d.Firmware != p.Firmware {
		return &InconsistentError{Field: "firmware", Recorded: "firmware " + d.Firmware, Signed: "firmware " + p.Firmware}
	}
	if d.Clock != p.Clock {
		return &InconsistentError{Field: "clock", Recorded: fmt.Sprintf("clock %+v", d.Clock), Signed: fmt.Sprintf("clock %+v", p.Clock)}
	}
	prev, what := created, "the AK's creation"
	for i, q := range quotes {
		if prev != nil {
			p.Continuity = append(p.Continuity, continuity(prev, q, what, i)...)
		}
		prev, what = q, fmt.Sprintf("quote %d", i)
	}
	return nil
}

// creationInfo decodes the AK's certified creation (checked by checkAK), or
// nil when it does not decode.
func creationInfo(d *results.TPMDetails) *tpm2.AttestationData {
	att, err := tpm2.DecodeAttestationData(d.AK.CreateAttestation)
	if err != nil {
		return nil
	}
	return att
}

// continuity describes what happened to the TPM between two statements the
// same AK signed.
func continuity(a, b *tpm2.AttestationData, since string, i int) []string {
	var out []string
	ca, cb := a.ClockInfo, b.ClockInfo
	if cb.ResetCount != ca.ResetCount {
		out = append(out, fmt.Sprintf("TPM reset %d time(s) between %s and quote %d (reset count %d → %d)", int64(cb.ResetCount)-int64(ca.ResetCount), since, i, ca.ResetCount, cb.ResetCount))
	}
	if cb.RestartCount != ca.RestartCount {
		out = append(out, fmt.Sprintf("TPM restarted between %s and quote %d (restart count %d → %d)", since, i, ca.RestartCount, cb.RestartCount))
	}
	if cb.Clock < ca.Clock {
		out = append(out, fmt.Sprintf("TPM clock went back between %s and quote %d (%d → %d ms)", since, i, ca.Clock, cb.Clock))
	}
	if b.FirmwareVersion != a.FirmwareVersion {
		out = append(out, fmt.Sprintf("TPM firmware changed between %s and quote %d (%s → %s)", since, i, firmwareString(a.FirmwareVersion), firmwareString(b.FirmwareVersion)))
	}
	return out
}
