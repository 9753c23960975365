package tee

import (
	"errors"
	"fmt"
)

// Named reasons a TEE report is refused with. They are stable: tests,
// verdicts and the QA catalogue match them, never the message.
const (
	// ReasonInput: no report, a report that does not parse, a kind the
	// verifier does not know, or binding inputs missing.
	ReasonInput = "input"
	// ReasonReportData: REPORT_DATA is not SHA-256(verifier nonce ‖
	// evidence digest) ‖ zeros, so the report was not made for this run's
	// evidence (replayed, or made for other evidence).
	ReasonReportData = "report_data"
	// ReasonSignature: the report is not signed by the key its certificate
	// names (a report from another chip, or altered after signing).
	ReasonSignature = "signature"
	// ReasonChain: the endorsement key's certificate does not chain to
	// AMD's or Intel's root, nor to a test root the caller listed.
	ReasonChain = "chain"
	// ReasonChip: the report's CHIP_ID is not the HWID its VCEK certifies.
	ReasonChip = "chip"
	// ReasonTCB: the report's TCB values contradict each other or the
	// certificate (REPORTED_TCB not the VCEK's TCB, certificate newer than
	// CURRENT_TCB, uncommitted firmware).
	ReasonTCB = "tcb"
	// ReasonCollateral: recorded Intel PCS collateral does not verify, or
	// rates the platform's TCB other than up to date.
	ReasonCollateral = "collateral"
)

// Error is a refused TEE report: the named Reason and why.
type Error struct {
	Reason string
	Detail string
	Err    error
}

func (e *Error) Error() string {
	s := "TEE report refused (" + e.Reason + "): " + e.Detail
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func refuse(reason string, err error, format string, args ...any) *Error {
	return &Error{Reason: reason, Detail: fmt.Sprintf(format, args...), Err: err}
}

// ReasonOf returns the named reason of a refusal, or "" for another error.
func ReasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}
