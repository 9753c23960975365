package plan

import (
	"bufio"
	"encoding/json"

	"github.com/sovbench/sovbench/results"
)

// writeEvidence writes ev as one JSON line, the bytes json.Encoder would
// write for it (with its egress Stream's destinations as Destinations). A
// record with a large egress sweep is written a destination at a time
// (results.WriteEvidenceJSON), so that the agent never holds the whole
// line (megabytes for ten thousand destinations).
func writeEvidence(w *bufio.Writer, enc *json.Encoder, ev results.Evidence) error {
	if ev.Egress == nil {
		return enc.Encode(ev)
	}
	if err := results.WriteEvidenceJSON(w, &ev); err != nil {
		return err
	}
	return w.WriteByte('\n')
}
