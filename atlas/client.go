package atlas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultAPI is the RIPE Atlas API root.
const DefaultAPI = "https://atlas.ripe.net/api/v2/"

// Defaults of a Client.
const (
	DefaultMaxRetries = 5
	DefaultMaxWait    = 2 * time.Minute
	// maxBody bounds a response body (an anchor page of 500 is ~400 KB).
	maxBody = 32 << 20
)

// Client talks to one Atlas API root. Every request is bounded by the
// caller's context.
type Client struct {
	api  *url.URL
	key  Key
	http *http.Client
	// UserAgent is sent with every request.
	UserAgent string
	// MaxRetries bounds retries of one request after a rate limit or a
	// gateway error; MaxWait bounds one wait (a longer Retry-After fails
	// the request with a *RateLimitError).
	MaxRetries int
	MaxWait    time.Duration
	// sleep waits d or until ctx ends; tests replace it to record waits.
	sleep func(ctx context.Context, d time.Duration) error
}

// New returns a client of the API root api (DefaultAPI when empty) that
// sends key with measurement requests. hc is the HTTP client to use (nil:
// one with a 60 s timeout); its transport is kept, redirects are refused.
func New(api string, key Key, hc *http.Client) (*Client, error) {
	if api == "" {
		api = DefaultAPI
	}
	u, err := url.Parse(api)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("atlas API %q: want an http(s) URL", api)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("atlas API %q: plain http only to loopback; the key would travel in clear", api)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	c := &http.Client{Timeout: 60 * time.Second}
	if hc != nil {
		cp := *hc
		c = &cp
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{api: u, key: key, http: c, UserAgent: "sovbench", MaxRetries: DefaultMaxRetries,
		MaxWait: DefaultMaxWait, sleep: sleepCtx}, nil
}

// String names the client by its API root (never its key).
func (c *Client) String() string { return "atlas client of " + c.api.String() }

// API returns the API root the client talks to.
func (c *Client) API() string { return c.api.String() }

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// APIError is an HTTP error answer of the API, in its error format
// ({"error": {"status", "code", "title", "detail"}}) when it had one.
type APIError struct {
	Op     string // what was asked ("creating measurement")
	Status int
	Code   int
	Title  string
	Detail string
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d", e.Op, e.Status)
	if e.Title != "" {
		msg += " " + e.Title
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// RateLimitError is a rate limit the client would not wait out: retries
// spent, or a Retry-After beyond MaxWait or the caller's deadline.
type RateLimitError struct {
	Op         string
	RetryAfter time.Duration
	Tries      int
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%s: rate limited by the Atlas API after %d tries (retry after %s)", e.Op, e.Tries, e.RetryAfter)
}

// do sends one request (retrying rate limits) and decodes a 2xx JSON
// answer into out. withKey adds the Authorization header.
func (c *Client) do(ctx context.Context, op, method string, u *url.URL, body any, withKey bool, out any) error {
	if u.Scheme != c.api.Scheme || u.Host != c.api.Host {
		return fmt.Errorf("%s: refusing %s: not on the API's origin %s://%s", op, u.Redacted(), c.api.Scheme, c.api.Host)
	}
	var payload []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s: encoding request: %w", op, err)
		}
		payload = b
	}
	for try := 1; ; try++ {
		resp, err := c.send(ctx, method, u, payload, withKey)
		if err != nil {
			return fmt.Errorf("%s: %s", op, c.key.scrub(err.Error()))
		}
		data, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
		resp.Body.Close()
		switch {
		case rerr != nil:
			return fmt.Errorf("%s: reading answer: %s", op, c.key.scrub(rerr.Error()))
		case len(data) > maxBody:
			return fmt.Errorf("%s: answer larger than %d MiB", op, maxBody>>20)
		case resp.StatusCode/100 == 2:
			if out == nil {
				return nil
			}
			if err := json.Unmarshal(data, out); err != nil {
				return fmt.Errorf("%s: decoding answer from %s: %w", op, u.Redacted(), err)
			}
			return nil
		case retryable(resp.StatusCode):
			wait := retryAfter(resp.Header.Get("Retry-After"), try)
			if err := c.wait(ctx, op, wait, try); err != nil {
				return err
			}
			continue
		}
		return c.apiError(op, resp.StatusCode, data)
	}
}

func (c *Client) send(ctx context.Context, method string, u *url.URL, payload []byte, withKey bool) (*http.Response, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.UserAgent)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if withKey && !c.key.Empty() {
		req.Header.Set("Authorization", "Key "+c.key.value())
	}
	return c.http.Do(req)
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusBadGateway ||
		status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

// retryAfter reads a Retry-After header (seconds or an HTTP date); without
// one, it backs off exponentially from 1 s with jitter.
func retryAfter(h string, try int) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), 0)
	}
	base := time.Second << min(try-1, 6)
	return base + rand.N(base/2+1)
}

// wait sleeps out a rate limit, unless retries are spent or the wait is
// longer than MaxWait or than the caller's deadline allows.
func (c *Client) wait(ctx context.Context, op string, d time.Duration, try int) error {
	rl := &RateLimitError{Op: op, RetryAfter: d, Tries: try}
	if try > c.MaxRetries || d > c.MaxWait {
		return rl
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return rl
	}
	if err := c.sleep(ctx, d); err != nil {
		return fmt.Errorf("%s: waiting out a rate limit: %w", op, err)
	}
	return nil
}

// apiError reads the API's error format; the detail is cut short and
// scrubbed of the key.
func (c *Client) apiError(op string, status int, data []byte) error {
	var e struct {
		Error struct {
			Status int    `json:"status"`
			Code   int    `json:"code"`
			Title  string `json:"title"`
			Detail string `json:"detail"`
		} `json:"error"`
		Detail string `json:"detail"`
	}
	ae := &APIError{Op: op, Status: status}
	if json.Unmarshal(data, &e) == nil {
		ae.Code, ae.Title, ae.Detail = e.Error.Code, e.Error.Title, e.Error.Detail
		if ae.Detail == "" {
			ae.Detail = e.Detail
		}
	} else if len(data) > 0 {
		ae.Detail = strings.ToValidUTF8(string(data[:min(len(data), 200)]), "?")
	}
	ae.Title, ae.Detail = c.key.scrub(ae.Title), c.key.scrub(ae.Detail)
	if len(ae.Detail) > 300 {
		ae.Detail = ae.Detail[:300] + "…"
	}
	return ae
}

// endpoint resolves a path under the API root.
func (c *Client) endpoint(path string, q url.Values) *url.URL {
	u := c.api.ResolveReference(&url.URL{Path: path})
	if q != nil {
		u.RawQuery = q.Encode()
	}
	return u
}

var errNoKey = errors.New("measurements need an Atlas API key (--atlas-key-file or RIPE_ATLAS_KEY)")
