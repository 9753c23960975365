package atlastest

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RecordedOrigin is the origin the recorded pages' "next" links name; the
// server rewrites it to its own.
const RecordedOrigin = "https://atlas.ripe.net"

//go:embed testdata/anchors-page-1.json
var page1 []byte

//go:embed testdata/anchors-page-2.json
var page2 []byte

//go:embed testdata/anchors-page-3.json
var page3 []byte

// RecordedPages are three pages of the anchor list in the API's format
// (8 anchors, one disabled, one IPv6-only, one without a TLSA record).
func RecordedPages() [][]byte { return [][]byte{page1, page2, page3} }

// Pinger measures one Atlas probe's pings towards target: the round trips
// of the packets that came back, in ms, and how many were sent. An error
// means the probe took no part (no result, as Atlas shows it).
type Pinger func(ctx context.Context, probeID int, target netip.Addr, packets int) (rtts []float64, sent int, err error)

// Server is the fake API. Set its fields before the first request.
type Server struct {
	*httptest.Server
	// Key is the API key measurement requests must carry.
	Key string
	// Pages are the anchor list pages, in order (RecordedPages by default).
	Pages [][]byte
	// Ping runs a measurement's pings; nil: every probe answers 3 packets
	// of 10 ms.
	Ping Pinger
	// From maps a probe id to the address its results name ("from").
	From map[int]string
	// RateLimit answers this many requests per path with 429 and
	// Retry-After first.
	RateLimit  int
	RetryAfter string
	// Malformed makes page n (1-based) of the anchor list malformed JSON.
	Malformed int
	// RunningPolls is how many status reads say "Ongoing" after the pings
	// are done, before "Stopped".
	RunningPolls int

	mu        sync.Mutex
	limited   map[string]int
	requests  []Request
	nextID    int
	msms      map[int]*measurement
	runCtx    context.Context
	cancelRun context.CancelFunc
	wg        sync.WaitGroup
}

// Request is one request the server saw.
type Request struct {
	Method, Path string
	At           time.Time
	// Auth is the Authorization header as sent.
	Auth string
}

// New starts a fake API on loopback; Close stops it and any measurement.
func New(key string) *Server {
	s := &Server{Key: key, Pages: RecordedPages(), RetryAfter: "1", limited: map[string]int{}, msms: map[int]*measurement{}, nextID: 1000}
	s.runCtx, s.cancelRun = context.WithCancel(context.Background())
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	return s
}

// Close stops the server and waits for running measurements.
func (s *Server) Close() {
	s.cancelRun()
	s.Server.Close()
	s.wg.Wait()
}

// API is the API root clients use (https://127.0.0.1:port/api/v2/).
func (s *Server) API() string { return s.URL + "/api/v2/" }

// Requests returns the requests seen so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, At: time.Now(), Auth: r.Header.Get("Authorization")})
	limit := s.limited[r.URL.Path] < s.RateLimit
	if limit {
		s.limited[r.URL.Path]++
	}
	s.mu.Unlock()
	if limit {
		w.Header().Set("Retry-After", s.RetryAfter)
		apiError(w, http.StatusTooManyRequests, "Too Many Requests", "Request was throttled.")
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/api/v2/")
	switch {
	case path == "anchors/" && r.Method == "GET":
		s.anchors(w, r)
	case path == "measurements/" && r.Method == "POST":
		s.create(w, r)
	case strings.HasPrefix(path, "measurements/") && r.Method == "GET":
		s.read(w, r, strings.TrimPrefix(path, "measurements/"))
	default:
		apiError(w, http.StatusNotFound, "Not Found", "Not found.")
	}
}

func (s *Server) anchors(w http.ResponseWriter, r *http.Request) {
	n := 1
	if p := r.URL.Query().Get("page"); p != "" {
		v, err := strconv.Atoi(p)
		if err != nil || v < 1 || v > len(s.Pages) {
			apiError(w, http.StatusNotFound, "Not Found", "Invalid page.")
			return
		}
		n = v
	}
	body := bytes.ReplaceAll(s.Pages[n-1], []byte(RecordedOrigin), []byte(s.URL))
	if n == s.Malformed {
		body = body[:len(body)/2]
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// apiError answers in the API's error format.
func apiError(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"status": status, "code": 100 + status%100, "title": title, "detail": detail}})
}

// authorized checks the key; a wrong key is answered with the API's 403.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") == "Key "+s.Key {
		return true
	}
	detail := "Authentication credentials were not provided."
	if h := r.Header.Get("Authorization"); h != "" {
		// The real API does not echo keys; this one does, so tests can
		// check that the client scrubs an echo from its errors.
		detail = fmt.Sprintf("The provided API key %q is not valid.", strings.TrimPrefix(h, "Key "))
	}
	apiError(w, http.StatusForbidden, "Forbidden", detail)
	return false
}
