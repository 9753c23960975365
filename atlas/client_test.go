package atlas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/atlas/atlastest"
)

const testKey = "0c8f1e9a-1c2d-4e5f-8a9b-secret-key"

// newClient returns a client of srv that records its waits instead of
// sleeping.
func newClient(t *testing.T, srv *atlastest.Server, key Key) (*Client, *[]time.Duration) {
	t.Helper()
	c, err := New(srv.API(), key, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return ctx.Err() }
	return c, &waits
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestAnchorsFromRecordedPages(t *testing.T) {
	srv := atlastest.New(testKey)
	defer srv.Close()
	c, _ := newClient(t, srv, NewKey(testKey))
	as, err := c.Anchors(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 8 {
		t.Fatalf("got %d anchors over the pages, want 8", len(as))
	}
	for _, r := range srv.Requests() {
		if r.Auth != "" {
			t.Errorf("%s %s carried the key: the anchor list is public", r.Method, r.Path)
		}
	}
	set, err := LandmarkSet(as, c.API()+"anchors/", time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Landmarks) != 7 || len(set.Notes) != 1 || !strings.Contains(set.Notes[0], "disabled (nl-ams-as64504") {
		t.Errorf("set: %d landmarks, notes %v", len(set.Landmarks), set.Notes)
	}
	by := map[string]int{}
	for i, l := range set.Landmarks {
		by[l.Name] = i
	}
	lux := set.Landmarks[by["lu-lux-as64500.anchors.atlas.ripe.net"]]
	if lux.Lat != 49.6116 || lux.Lon != 6.1296 || lux.ProbeID != 6301 || lux.Country != "LU" || !strings.HasPrefix(lux.Pin(), "sha256/") {
		t.Errorf("[lon, lat] read as %+v (pin %q)", lux, lux.Pin())
	}
	if fra := set.Landmarks[by["de-fra-as64501.anchors.atlas.ripe.net"]]; !strings.HasPrefix(fra.Pin(), "cert-sha256/") {
		t.Errorf("a 3 0 1 record pins the certificate: %q", fra.Pin())
	}
	if zrh := set.Landmarks[by["ch-zrh-as64505.anchors.atlas.ripe.net"]]; zrh.IPv4 != "" || zrh.IPv6 != "2001:db8:16::16" || zrh.Pin() != "" {
		t.Errorf("IPv6-only anchor: %+v", zrh)
	}
}

func TestAnchorPagesThatMustFail(t *testing.T) {
	pages := atlastest.RecordedPages()
	for _, tc := range []struct {
		name  string
		setup func(*atlastest.Server)
		says  string
	}{
		{"a malformed page names the page", func(s *atlastest.Server) { s.Malformed = 2 }, "page 2"},
		{"a page without results is not a page", func(s *atlastest.Server) { s.Pages = [][]byte{[]byte(`{"detail": "maintenance"}`)} }, "not a page"},
		{"a next page on another origin is refused", func(s *atlastest.Server) {
			s.Pages = [][]byte{[]byte(strings.Replace(string(pages[0]), atlastest.RecordedOrigin, "https://evil.example", 1))}
		}, "not on the API's origin"},
		{"pages that point back at themselves end", func(s *atlastest.Server) {
			s.Pages = [][]byte{[]byte(strings.Replace(string(pages[0]), "page=2&", "page=1&", 1))}
		}, "do not end"},
		{"a count the pages do not hold is refused", func(s *atlastest.Server) { s.Pages = pages[2:] }, "says 8 anchors, the pages held 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := atlastest.New(testKey)
			defer srv.Close()
			tc.setup(srv)
			c, _ := newClient(t, srv, Key{})
			_, err := c.Anchors(ctxT(t))
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v, want an error saying %q", err, tc.says)
			}
		})
	}
}

func TestRateLimits(t *testing.T) {
	t.Run("429 is retried after Retry-After", func(t *testing.T) {
		srv := atlastest.New(testKey)
		defer srv.Close()
		srv.RateLimit, srv.RetryAfter = 2, "3"
		c, waits := newClient(t, srv, Key{})
		if _, err := c.Anchors(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		// Two 429s on page 1, two on page 2, two on page 3.
		// Two 429s on the list's path, then every page in turn.
		if len(*waits) != 2 || (*waits)[0] != 3*time.Second || (*waits)[1] != 3*time.Second {
			t.Errorf("waits %v, want two of 3s", *waits)
		}
	})
	t.Run("a real wait takes at least Retry-After", func(t *testing.T) {
		srv := atlastest.New(testKey)
		defer srv.Close()
		srv.RateLimit, srv.RetryAfter = 1, "1"
		srv.Pages = srv.Pages[:1]
		srv.Pages[0] = []byte(`{"count": 0, "next": null, "previous": null, "results": []}`)
		c, err := New(srv.API(), Key{}, srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Anchors(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		reqs := srv.Requests()
		if len(reqs) != 2 || reqs[1].At.Sub(reqs[0].At) < time.Second {
			t.Fatalf("requests %+v: the retry came before Retry-After", reqs)
		}
	})
	t.Run("retries are bounded", func(t *testing.T) {
		srv := atlastest.New(testKey)
		defer srv.Close()
		srv.RateLimit = 100
		c, _ := newClient(t, srv, Key{})
		_, err := c.Anchors(ctxT(t))
		var rl *RateLimitError
		if !errors.As(err, &rl) || rl.Tries != DefaultMaxRetries+1 {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a Retry-After beyond the deadline fails at once", func(t *testing.T) {
		srv := atlastest.New(testKey)
		defer srv.Close()
		srv.RateLimit, srv.RetryAfter = 1, "3600"
		c, waits := newClient(t, srv, Key{})
		_, err := c.Anchors(ctxT(t))
		var rl *RateLimitError
		if !errors.As(err, &rl) || rl.RetryAfter != time.Hour || len(*waits) != 0 {
			t.Fatalf("got %v after waits %v", err, *waits)
		}
	})
	t.Run("an HTTP date in Retry-After is read", func(t *testing.T) {
		if d := retryAfter(time.Now().Add(5*time.Second).UTC().Format(http.TimeFormat), 1); d < 3*time.Second || d > 6*time.Second {
			t.Errorf("got %s", d)
		}
		if d := retryAfter("", 3); d < 4*time.Second || d > 6*time.Second {
			t.Errorf("backoff of the third try: %s", d)
		}
	})
}

func TestPingMeasurements(t *testing.T) {
	target := netip.MustParseAddr("198.18.5.1")
	t.Run("a measurement still running is polled until it stops", func(t *testing.T) {
		srv := atlastest.New(testKey)
		defer srv.Close()
		srv.RunningPolls = 2
		srv.From = map[int]string{6301: "192.0.2.11"}
		srv.Ping = func(_ context.Context, probe int, to netip.Addr, packets int) ([]float64, int, error) {
			if probe == 6302 {
				return nil, 0, fmt.Errorf("probe %d is not connected", probe)
			}
			return []float64{12.5, 11.75}, packets, nil
		}
		c, waits := newClient(t, srv, NewKey(testKey))
		id, err := c.CreatePing(ctxT(t), PingRequest{Target: target, ProbeIDs: []int{6301, 6302}, Packets: 3, Description: "t"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := c.Wait(ctxT(t), id, 5*time.Second)
		if err != nil || !m.Status.Succeeded() || len(*waits) < 2 {
			t.Fatalf("%+v %v after waits %v", m, err, *waits)
		}
		rs, err := c.Results(ctxT(t), id)
		if err != nil || len(rs) != 1 {
			t.Fatalf("%+v %v", rs, err)
		}
		r := rs[0]
		if r.ProbeID != 6301 || r.From != "192.0.2.11" || r.Min != 11.75 || r.Sent != 3 || r.Rcvd != 2 || len(r.RTTs()) != 2 || r.RTTs()[1] != 11750*time.Microsecond {
			t.Errorf("result %+v", r)
		}
		for _, req := range srv.Requests() {
			if req.Auth != "Key "+testKey {
				t.Errorf("%s %s without the key", req.Method, req.Path)
			}
		}
	})
	t.Run("at the deadline a running measurement has partial results", func(t *testing.T) {
		srv := atlastest.New(testKey)
		defer srv.Close()
		srv.Ping = func(ctx context.Context, probe int, _ netip.Addr, n int) ([]float64, int, error) {
			if probe == 2 {
				<-ctx.Done() // this probe never reports
				return nil, 0, ctx.Err()
			}
			return []float64{20}, 1, nil
		}
		c, _ := newClient(t, srv, NewKey(testKey))
		c.sleep = sleepCtx
		id, err := c.CreatePing(ctxT(t), PingRequest{Target: target, ProbeIDs: []int{1, 2}})
		if err != nil {
			t.Fatal(err)
		}
		short, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		m, err := c.Wait(short, id, 50*time.Millisecond)
		if !errors.Is(err, context.DeadlineExceeded) || m.Status.ID != StatusOngoing {
			t.Fatalf("%+v %v", m, err)
		}
		rs, err := c.Results(ctxT(t), id)
		if err != nil || len(rs) != 1 || rs[0].ProbeID != 1 {
			t.Fatalf("%+v %v", rs, err)
		}
	})
}

func TestTheKeyStaysSecret(t *testing.T) {
	srv := atlastest.New(testKey)
	defer srv.Close()
	key := NewKey(testKey)
	t.Run("no key, no measurement", func(t *testing.T) {
		c, _ := newClient(t, srv, Key{})
		if _, err := c.CreatePing(ctxT(t), PingRequest{Target: netip.MustParseAddr("198.18.5.1"), ProbeIDs: []int{1}}); err == nil || !strings.Contains(err.Error(), "need an Atlas API key") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("an error that echoes a wrong key does not repeat it", func(t *testing.T) {
		wrong := NewKey(testKey + "-wrong")
		c, _ := newClient(t, srv, wrong)
		_, err := c.CreatePing(ctxT(t), PingRequest{Target: netip.MustParseAddr("198.18.5.1"), ProbeIDs: []int{1}})
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 403 || strings.Contains(err.Error(), testKey) || !strings.Contains(err.Error(), "[redacted]") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("the key prints, marshals and logs as [redacted]", func(t *testing.T) {
		c, _ := newClient(t, srv, key)
		var logs strings.Builder
		slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "key", key, "client", c)
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "key", key)
		j, _ := json.Marshal(struct{ K Key }{key})
		for _, s := range []string{fmt.Sprint(key), fmt.Sprintf("%v %+v %#v %s %q %x", key, key, key, key, key, key), fmt.Sprintf("%+v", *c), string(j), logs.String()} {
			if strings.Contains(s, testKey) {
				t.Errorf("the key leaks in %q", s)
			}
		}
	})
	t.Run("plain http is only for loopback", func(t *testing.T) {
		if _, err := New("http://atlas.example/api/v2/", key, nil); err == nil {
			t.Fatal("accepted plain http to a remote API")
		}
	})
	t.Run("a redirect is not followed with the key", func(t *testing.T) {
		other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t.Errorf("the redirect was followed to %s (auth %q)", r.URL, r.Header.Get("Authorization"))
		}))
		defer other.Close()
		redir := httptest.NewTLSServer(http.RedirectHandler(other.URL+"/api/v2/measurements/", http.StatusTemporaryRedirect))
		defer redir.Close()
		c, err := New(redir.URL+"/api/v2/", key, redir.Client())
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.CreatePing(ctxT(t), PingRequest{Target: netip.MustParseAddr("198.18.5.1"), ProbeIDs: []int{1}})
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusTemporaryRedirect {
			t.Fatalf("got %v", err)
		}
	})
}

// FuzzLandmarkSet feeds anchor lists to the conversion: whatever the API
// sends, a set it builds passes the landmark file's own checks.
func FuzzLandmarkSet(f *testing.F) {
	for _, p := range atlastest.RecordedPages() {
		var pg page
		json.Unmarshal(p, &pg)
		f.Add([]byte(pg.Results))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var as []Anchor
		if json.Unmarshal(data, &as) != nil {
			return
		}
		set, err := LandmarkSet(as, "https://atlas.example/api/v2/anchors/", time.Unix(1e9, 0))
		if err == nil && set.Check() != nil {
			t.Fatalf("built a set its checks refuse: %v", set.Check())
		}
	})
}
