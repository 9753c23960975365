package sign

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// NonCanonicalError says an envelope file is not byte for byte the form
// EncodeEnvelope writes. Reformatted tells the common case apart: the file
// still reads as a DSSE envelope of a sovbench report, so someone (an
// editor, jq, a pretty-printer) re-formatted it after it was signed. Such a
// file is refused all the same: a signed report is accepted only in its
// one canonical byte form.
type NonCanonicalError struct {
	Offset      int    // the first byte that differs from the canonical form
	Reformatted bool   // the file is a well-formed DSSE envelope in another layout
	Detail      string // what the parser expected there
}

func (e *NonCanonicalError) Error() string {
	if e.Reformatted {
		return fmt.Sprintf("envelope is not in canonical form: the file was re-formatted after signing "+
			"(it reads as a DSSE envelope, but a signed report is accepted only in the exact bytes sovbench wrote; "+
			"first difference at byte %d); use the original file", e.Offset)
	}
	return "envelope is not in canonical form: " + e.Detail
}

// nonCanonical turns a parse error into a NonCanonicalError, telling a
// re-formatted envelope from a damaged or foreign file; other errors of a
// file that is no envelope at all pass unchanged.
func nonCanonical(data []byte, err error) error {
	e := &NonCanonicalError{Detail: err.Error()}
	le, layout := err.(*layoutError)
	if layout {
		e.Offset, e.Detail = le.offset, le.detail
	}
	var loose Envelope
	if json.Unmarshal(data, &loose) == nil && loose.PayloadType == PayloadType && loose.Payload != "" && len(loose.Signatures) > 0 {
		enc, encErr := EncodeEnvelope(&loose)
		e.Reformatted = encErr == nil && !bytes.Equal(enc, data)
		if e.Reformatted {
			e.Offset = firstDiff(data, enc)
		}
	}
	if !layout && !e.Reformatted {
		return err
	}
	return e
}

// layoutError is where and why a file left EncodeEnvelope's layout.
type layoutError struct {
	offset int
	detail string
}

func (e *layoutError) Error() string { return "envelope is not in canonical form: " + e.detail }
