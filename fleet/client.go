package fleet

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
	"os"
	"sync/atomic"
	"time"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/scenarios/plan"
)

// RefusedError is a call the verifier refused; Code is stable (see apiError).
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

// call sends body (JSON) to path and decodes the answer into out.
func (c *Client) call(ctx context.Context, method, path string, body, out any) error {
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
		var ae apiError
		if json.Unmarshal(data, &ae) != nil || ae.Code == "" {
			ae = apiError{Code: "http", Error: string(bytes.TrimSpace(data))}
		}
		return &RefusedError{Status: resp.StatusCode, Code: ae.Code, Message: ae.Error}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decoding %s answer: %w", path, err)
	}
	return nil
}

// Enrol spends an enrolment token; on success the client keeps the credential.
func (c *Client) Enrol(ctx context.Context, token, name string) (EnrolResponse, error) {
	var r EnrolResponse
	if err := c.call(ctx, http.MethodPost, "/v1/enrol", EnrolRequest{Token: token, Name: name}, &r); err != nil {
		return r, fmt.Errorf("enrolling: %w", err)
	}
	c.Credential = r.Credential
	return r, nil
}

// Plan fetches the plan of suite for this agent.
func (c *Client) Plan(ctx context.Context, suite string) (plan.Plan, error) {
	var p plan.Plan
	if err := c.call(ctx, http.MethodGet, "/v1/plan?suite="+url.QueryEscape(suite), nil, &p); err != nil {
		return p, fmt.Errorf("fetching plan: %w", err)
	}
	return p, nil
}

// Nonce asks for a fresh single-use nonce for a run of suite.
func (c *Client) Nonce(ctx context.Context, suite string) (NonceResponse, error) {
	var r NonceResponse
	if err := c.call(ctx, http.MethodPost, "/v1/nonce", NonceRequest{Suite: suite}, &r); err != nil {
		return r, fmt.Errorf("getting nonce: %w", err)
	}
	return r, nil
}

// Activate asks for a credential-activation challenge for the EK and AK in
// r, for the run nonce opened.
func (c *Client) Activate(ctx context.Context, suite, nonce string, r attest.ActivationRequest) (ActivateResponse, error) {
	var resp ActivateResponse
	if err := c.call(ctx, http.MethodPost, "/v1/activate", ActivateRequest{Suite: suite, Nonce: nonce, EK: r.EK, AK: r.AK}, &resp); err != nil {
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
func (c *Client) Submit(ctx context.Context, sub Submission) (SubmitResponse, error) {
	var r SubmitResponse
	if err := c.call(ctx, http.MethodPost, "/v1/submit", sub, &r); err != nil {
		return r, fmt.Errorf("submitting evidence: %w", err)
	}
	return r, nil
}

// Credentials is what an agent saves after enrolling: a bearer credential,
// or a client certificate and its key (PEM).
type Credentials struct {
	Server      string `json:"server"`
	AgentID     string `json:"agent_id"`
	Credential  string `json:"credential,omitempty"`
	Certificate string `json:"certificate,omitempty"`
	Key         string `json:"key,omitempty"`
}

// EnsureEnrolled loads the credential saved at path for this client's
// server, or enrols with token and saves it there (mode 0600).
func (c *Client) EnsureEnrolled(ctx context.Context, path, token, name string) error {
	if b, err := os.ReadFile(path); err == nil {
		var cr Credentials
		if err := json.Unmarshal(b, &cr); err != nil {
			return fmt.Errorf("reading credentials %s: %w", path, err)
		}
		if cr.Server == c.Base && cr.Certificate != "" && c.MutualTLS {
			return c.useCertificatePEM(cr.Certificate, cr.Key)
		}
		if cr.Server == c.Base && cr.Credential != "" && !c.MutualTLS {
			c.Credential = cr.Credential
			return nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("reading credentials: %w", err)
	}
	if token == "" {
		return fmt.Errorf("enrolling: no saved credential for %s in %s and no --token", c.Base, path)
	}
	cr, err := c.enrolFor(ctx, token, name)
	if err != nil {
		return err
	}
	b, _ := json.MarshalIndent(cr, "", "  ")
	if err := atomicfile.Write(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("saving credentials: %w", err)
	}
	return nil
}
