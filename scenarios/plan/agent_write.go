package plan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/sovbench/sovbench/results"
)

// streamFrom is the number of egress destinations from which a record is
// written piece by piece (writeEvidence).
const streamFrom = 256

// destinationsKey is how encoding/json writes an empty destination list
// (EgressDetails.Destinations has no omitempty).
var destinationsKey = []byte(`"destinations":null`)

// writeEvidence writes ev as one JSON line, the bytes json.Encoder would
// write. A record with a large egress sweep is written a destination at a
// time, so that the agent never holds the whole line (megabytes for ten
// thousand destinations) besides the records it encodes.
func writeEvidence(w *bufio.Writer, enc *json.Encoder, ev results.Evidence) error {
	if ev.Egress == nil || len(ev.Egress.Destinations) < streamFrom {
		return enc.Encode(ev)
	}
	dests := ev.Egress.Destinations
	eg := *ev.Egress
	eg.Destinations = nil
	ev.Egress = &eg
	head, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encoding evidence %s: %w", ev.ID, err)
	}
	// The key cannot occur earlier: every string before it escapes its quotes.
	i := bytes.Index(head, destinationsKey)
	if i < 0 {
		return fmt.Errorf("encoding evidence %s: no destination list in its encoding", ev.ID)
	}
	w.Write(head[:i])
	w.WriteString(`"destinations":[`)
	var buf bytes.Buffer
	denc := json.NewEncoder(&buf)
	for k := range dests {
		buf.Reset()
		if err := denc.Encode(&dests[k]); err != nil {
			return fmt.Errorf("encoding evidence %s: %w", ev.ID, err)
		}
		if k > 0 {
			w.WriteByte(',')
		}
		w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	w.WriteByte(']')
	w.Write(head[i+len(destinationsKey):])
	_, err = w.WriteString("\n")
	return err
}
