package exact

import "fmt"

// The memory a document's values may take, charged where the decoder
// allocates (slice elements, pointed-to values, map entries): budgetPerByte
// bytes per byte of the document, and budgetBase more. A signed report's
// values take about three times its size; without a bound, an array of
// empty objects ("{}," for a 200-byte record) made a 48 MB payload take
// gigabytes, and a hostile signer could crash the verifier with it.
const (
	budgetPerByte = 32
	budgetBase    = 1 << 20
)

// MemoryError is a document whose values would take more memory than
// budgetPerByte times its size (and budgetBase more).
type MemoryError struct {
	Size   int   // the document's bytes
	Budget int64 // what its values may take
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("the values of this %d-byte document would take more than %d bytes of memory (%d per byte of it): refused, as no genuine document does",
		e.Size, e.Budget, budgetPerByte)
}

func budgetFor(size int) int64 { return int64(size)*budgetPerByte + budgetBase }

// charge takes n bytes from the document's budget before they are
// allocated.
func (d *decoder) charge(n uintptr) error {
	if uint64(n) > uint64(d.budget) {
		return &MemoryError{Size: len(d.data), Budget: budgetFor(len(d.data))}
	}
	d.budget -= int64(n)
	return nil
}
