package results

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// DestinationStream yields an egress record's destinations one at a time
// (EgressDetails.Stream), in order. It must be safe to read again: the
// record is written once and may be hashed twice (EvidenceDigestOf). It
// stands for a list that is never nil: without destinations it is written
// as [], as the egress probe's empty list is.
type DestinationStream interface {
	// Len is the number of destinations.
	Len() int
	// Destination returns destination i, 0 ≤ i < Len(); it is built anew
	// on every call and the caller may keep it.
	Destination(i int) EgressDestination
}

// streamFrom is the number of destinations from which WriteEvidenceJSON
// writes a record piece by piece even without a Stream.
const streamFrom = 256

// destinationsKey is how encoding/json writes an empty destination list
// (EgressDetails.Destinations has no omitempty).
var destinationsKey = []byte(`"destinations":null`)

// WriteEvidenceJSON writes ev's encoding/json encoding to w, the bytes
// json.Marshal(ev) returns for the record whose Destinations are its
// Stream's (no newline). A record with a Stream or a large sweep is
// written a destination at a time, so that the whole encoding (megabytes
// for ten thousand destinations) is never held.
func WriteEvidenceJSON(w io.Writer, ev *Evidence) error {
	var dests DestinationStream
	switch {
	case ev.Egress != nil && ev.Egress.Stream != nil:
		dests = ev.Egress.Stream
	case ev.Egress != nil && len(ev.Egress.Destinations) >= streamFrom:
		dests = sliceStream(ev.Egress.Destinations)
	default:
		b, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("encoding evidence %s: %w", ev.ID, err)
		}
		_, err = w.Write(b)
		return err
	}
	head, err := evidenceHead(ev)
	if err != nil {
		return err
	}
	// The key cannot occur earlier: every string before it escapes its quotes.
	i := bytes.Index(head, destinationsKey)
	if i < 0 {
		return fmt.Errorf("encoding evidence %s: no destination list in its encoding", ev.ID)
	}
	if _, err := w.Write(head[:i]); err != nil {
		return err
	}
	if _, err := io.WriteString(w, `"destinations":[`); err != nil {
		return err
	}
	if err := writeDestinations(w, dests); err != nil {
		return fmt.Errorf("encoding evidence %s: %w", ev.ID, err)
	}
	_, err = w.Write(append([]byte{']'}, head[i+len(destinationsKey):]...))
	return err
}

// evidenceHead is ev's encoding without its destinations.
func evidenceHead(ev *Evidence) ([]byte, error) {
	eg := *ev.Egress
	eg.Destinations, eg.Stream = nil, nil
	bare := *ev
	bare.Egress = &eg
	head, err := json.Marshal(&bare)
	if err != nil {
		return nil, fmt.Errorf("encoding evidence %s: %w", ev.ID, err)
	}
	return head, nil
}

// writeDestinations writes dests' encodings separated by commas, each as
// json.Marshal would inside the list, through one reused buffer.
func writeDestinations(w io.Writer, dests DestinationStream) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for k := range dests.Len() {
		buf.Reset()
		if k > 0 {
			buf.WriteByte(',')
		}
		d := dests.Destination(k)
		if err := enc.Encode(&d); err != nil {
			return err
		}
		if _, err := w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))); err != nil {
			return err
		}
	}
	return nil
}

// sliceStream is a destination list as a DestinationStream.
type sliceStream []EgressDestination

func (s sliceStream) Len() int                            { return len(s) }
func (s sliceStream) Destination(i int) EgressDestination { return s[i] }

// AllDestinations returns e's destinations, built from its Stream when it
// has one.
func (e *EgressDetails) AllDestinations() []EgressDestination {
	if e.Stream == nil {
		return e.Destinations
	}
	out := make([]EgressDestination, e.Stream.Len())
	for i := range out {
		out[i] = e.Stream.Destination(i)
	}
	return out
}

// countingWriter counts what is written through it to w (nil: nowhere).
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	if c.w == nil {
		return len(p), nil
	}
	return c.w.Write(p)
}
