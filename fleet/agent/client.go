package agent

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/scenarios/plan"
)

// RefusedError is a call the verifier refused; Code is stable (api.Code…).
type RefusedError struct {
	Status  int
	Code    string
	Message string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("verifier refused (%d %s): %s", e.Status, e.Code, e.Message)
}

// Client talks to a verifier. Credential is set by Enrol or by the caller;
// a client certificate by EnrolWithCertificate or UseCertificate.
type Client struct {
	Base       string
	HTTP       *http.Client
	Credential string
	// MutualTLS makes EnsureEnrolled enrol with a CSR and authenticate
	// with the issued client certificate instead of a bearer credential.
	MutualTLS bool

	cert atomic.Pointer[tls.Certificate]
}

// NewClient returns a client for the verifier at base (https://host:port).
// caPEM, if not empty, replaces the system roots (a self-signed verifier).
// Every call has a deadline: the client's timeout is 2 minutes.
func NewClient(base string, caPEM []byte) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("parsing verifier URL %q: want https://host:port", base)
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if len(caPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, errors.New("reading CA: no PEM certificate")
		}
		tc.RootCAs = pool
	}
	c := &Client{Base: u.String()}
	tc.GetClientCertificate = c.clientCertificate
	tr := &http.Transport{TLSClientConfig: tc, TLSHandshakeTimeout: 10 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second, MaxIdleConnsPerHost: 64, ForceAttemptHTTP2: true}
	c.HTTP = &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	return c, nil
}

// Do sends one protocol call: body (JSON, nil for none) to path, and
// decodes the answer into out. A refusal is a *RefusedError. The typed
// methods (Enrol, Plan, Nonce, Activate, Submit) wrap it.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encoding %s request: %w", path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return fmt.Errorf("calling %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Credential != "" {
		req.Header.Set("Authorization", "Bearer "+c.Credential)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("calling %s: %w", path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("reading %s answer: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var ae api.Error
		if json.Unmarshal(data, &ae) != nil || ae.Code == "" {
			ae = api.Error{Code: "http", Error: string(bytes.TrimSpace(data))}
		}
		return &RefusedError{Status: resp.StatusCode, Code: ae.Code, Message: ae.Error}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decoding %s answer: %w", path, err)
	}
	return nil
}

// Enrol spends an enrolment token; on success the client keeps the credential.
func (c *Client) Enrol(ctx context.Context, token, name string) (api.EnrolResponse, error) {
	var r api.EnrolResponse
	if err := c.Do(ctx, http.MethodPost, "/v1/enrol", api.EnrolRequest{Token: token, Name: name}, &r); err != nil {
		return r, fmt.Errorf("enrolling: %w", err)
	}
	c.Credential = r.Credential
	return r, nil
}

// Plan fetches the plan of suite for this agent.
func (c *Client) Plan(ctx context.Context, suite string) (plan.Plan, error) {
	var p plan.Plan
	if err := c.Do(ctx, http.MethodGet, "/v1/plan?suite="+url.QueryEscape(suite), nil, &p); err != nil {
		return p, fmt.Errorf("fetching plan: %w", err)
	}
	return p, nil
}

// Nonce asks for a fresh single-use nonce for a run of suite.
func (c *Client) Nonce(ctx context.Context, suite string) (api.NonceResponse, error) {
	var r api.NonceResponse
	if err := c.Do(ctx, http.MethodPost, "/v1/nonce", api.NonceRequest{Suite: suite}, &r); err != nil {
		return r, fmt.Errorf("getting nonce: %w", err)
	}
	return r, nil
}

// Activate asks for a credential-activation challenge for the EK and AK in
// r, for the run nonce opened.
func (c *Client) Activate(ctx context.Context, suite, nonce string, r attest.ActivationRequest) (api.ActivateResponse, error) {
	var resp api.ActivateResponse
	if err := c.Do(ctx, http.MethodPost, "/v1/activate", api.ActivateRequest{Suite: suite, Nonce: nonce, EK: r.EK, AK: r.AK}, &resp); err != nil {
		return resp, fmt.Errorf("asking for an activation challenge: %w", err)
	}
	return resp, nil
}

// Activator is the attest.Activator of a run: it asks this verifier for the
// challenge under the run's suite and nonce.
func (c *Client) Activator(suite, nonce string) attest.Activator {
	return func(ctx context.Context, r attest.ActivationRequest) (attest.Challenge, error) {
		resp, err := c.Activate(ctx, suite, nonce, r)
		return resp.Challenge, err
	}
}

// Submit sends a run's evidence and returns the verifier's verdicts.
func (c *Client) Submit(ctx context.Context, sub api.Submission) (api.SubmitResponse, error) {
	var r api.SubmitResponse
	if err := c.Do(ctx, http.MethodPost, "/v1/submit", sub, &r); err != nil {
		return r, fmt.Errorf("submitting evidence: %w", err)
	}
	return r, nil
}
