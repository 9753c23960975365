package fleet

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/internal/strictjson/exact"
)

// Body limits and read deadlines.
const (
	// maxSmallBody bounds the bodies of enrolment and nonce requests (a
	// CSR is under 1 kB).
	maxSmallBody = 64 << 10
	// minBodyRate is the slowest a body may arrive: a body of n bytes must
	// be in within bodyGrace + n/minBodyRate, so that its read deadline
	// scales with its size limit and a slow sender holds a connection no
	// longer than an honest one on a slow link would.
	minBodyRate = 256 << 10 // bytes per second
	bodyGrace   = 5 * time.Second
)

// bodyDeadline is how long a body of at most limit bytes may take.
func bodyDeadline(limit int64) time.Duration {
	return bodyGrace + time.Duration(limit)*time.Second/minBodyRate
}

// decodeBody reads a JSON body of at most max bytes within its deadline
// (bodyDeadline of its declared length, or of max) and decodes it strictly
// (internal/strictjson/exact: no unknown fields, keys spelled exactly, no
// duplicate keys, case-folded ones included, no trailing data, and no more
// memory than its budget: 8 MiB of empty evidence records would otherwise
// take gigabytes). It answers the refusal itself and
// returns false when the body is refused.
func decodeBody(w http.ResponseWriter, r *http.Request, max int64, v any) bool {
	if r.ContentLength > max {
		refuse(w, http.StatusRequestEntityTooLarge, api.CodeTooLarge, fmt.Errorf("request body of %d bytes exceeds %d", r.ContentLength, max))
		return false
	}
	limit := max
	if r.ContentLength >= 0 {
		limit = r.ContentLength
	}
	// Not every writer supports deadlines (httptest.ResponseRecorder does
	// not); the server's ReadTimeout still bounds those.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyDeadline(limit)))
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		refuse(w, http.StatusRequestEntityTooLarge, api.CodeTooLarge, fmt.Errorf("request body exceeds %d bytes", max))
		return false
	case errors.Is(err, os.ErrDeadlineExceeded):
		refuse(w, http.StatusRequestTimeout, api.CodeSlowBody, fmt.Errorf("request body not received within %v", bodyDeadline(limit)))
		return false
	case err != nil:
		refuse(w, http.StatusBadRequest, api.CodeBadRequest, fmt.Errorf("reading request body: %w", err))
		return false
	}
	if err := exact.Decode(data, v); err != nil { // data is this request's own buffer
		refuse(w, http.StatusBadRequest, api.CodeBadRequest, fmt.Errorf("decoding request body: %w", err))
		return false
	}
	return true
}
