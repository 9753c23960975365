package probes

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/url"
	"time"

	"github.com/sovbench/sovbench/internal/limits"
)

// The controlplane kind's name and version.
const (
	ControlPlaneName    = "controlplane"
	ControlPlaneVersion = "0.2.0"
)

// ControlPlaneParams configures the controlplane probe.
type ControlPlaneParams struct {
	URL    string `yaml:"url" json:"url"`
	Method string `yaml:"method" json:"method"` // default GET
	// Count is the number of requests, each on a fresh connection so that
	// every one has a connect and a TLS phase (default 10).
	Count    int           `yaml:"count" json:"count"`
	Interval time.Duration `yaml:"interval" json:"interval"` // between requests (default 200ms)
	// RequestTimeout bounds one request (default 10s); the step's timeout
	// bounds the whole probe.
	RequestTimeout time.Duration `yaml:"request_timeout" json:"request_timeout"`
	// CAFile is a PEM file of roots to trust instead of the system's. It is
	// read where the suite is loaded, so a report's suite naming one only
	// re-parses where that file exists: prefer CAPEM in suites that are
	// signed and verified elsewhere.
	CAFile string `yaml:"ca_file" json:"ca_file,omitempty"`
	// CAPEM holds the roots inline (PEM), as the egress probe's tls.ca_pem:
	// the suite, and so the report, carries them, not a local path.
	CAPEM string `yaml:"ca_pem" json:"ca_pem,omitempty"`
	// Pins are base64 SHA-256 digests of acceptable leaf public keys
	// (SPKI); a different key is recorded as tls_intercepted.
	Pins       []string `yaml:"pins" json:"pins,omitempty"`
	ServerName string   `yaml:"server_name" json:"server_name,omitempty"`
	// LocalAllowance is the server time still taken as local work
	// (default 10ms); more is read as time for a backend hop.
	LocalAllowance time.Duration `yaml:"local_allowance" json:"local_allowance"`
	// BackendRoundTrips is how many network round trips the front end's
	// backend exchange takes (default 1: a pooled connection and one
	// request; a fresh TCP connection and one request take 2, TLS adds
	// more). The backend hop's distance bound divides the server time by
	// it: it must not be more than the exchange really takes, or the bound
	// is understated.
	BackendRoundTrips int `yaml:"backend_round_trips" json:"backend_round_trips,omitempty"`
	// MaxBody bounds how much of each response is read (default 1 MiB).
	MaxBody int64 `yaml:"max_body" json:"max_body"`
}

// DefaultControlPlaneParams returns the parameters a suite gets when it
// sets none (it must still name the URL).
func DefaultControlPlaneParams() ControlPlaneParams {
	return ControlPlaneParams{Method: "GET", Count: 10, Interval: 200 * time.Millisecond, RequestTimeout: 10 * time.Second,
		LocalAllowance: 10 * time.Millisecond, MaxBody: 1 << 20, BackendRoundTrips: 1}
}

// Kind is "controlplane".
func (p *ControlPlaneParams) Kind() string { return ControlPlaneName }

// Validate checks the parameters and reads the ca_file they name.
func (p *ControlPlaneParams) Validate() error {
	u, err := url.Parse(p.URL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("url: %q is not an http or https URL", p.URL)
	case p.Count < 1 || p.Count > 1000:
		return fmt.Errorf("count: %d is not between 1 and 1000", p.Count)
	case p.RequestTimeout <= 0 || p.Interval < 0 || p.LocalAllowance < 0 || p.MaxBody < 0:
		return fmt.Errorf("request_timeout, interval, local_allowance and max_body must be positive")
	case p.BackendRoundTrips < 1 || p.BackendRoundTrips > 16:
		return fmt.Errorf("backend_round_trips: %d is not between 1 and 16", p.BackendRoundTrips)
	}
	for i, pin := range p.Pins {
		if b, err := base64.StdEncoding.DecodeString(pin); err != nil || len(b) != sha256.Size {
			return fmt.Errorf("pins[%d]: %q is not a base64 SHA-256 digest", i, pin)
		}
	}
	_, err = p.Roots()
	return err
}

// Roots returns the roots of CAPEM, or of CAFile (read here), or nil for
// the system's.
func (p *ControlPlaneParams) Roots() (*x509.CertPool, error) {
	switch {
	case p.CAPEM != "" && p.CAFile != "":
		return nil, fmt.Errorf("ca_pem and ca_file: give one of them")
	case p.CAPEM != "":
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM([]byte(p.CAPEM)) {
			return nil, fmt.Errorf("ca_pem: no PEM certificate")
		}
		return roots, nil
	case p.CAFile == "":
		return nil, nil
	}
	pem, err := limits.Limits{}.ReadFile(context.Background(), limits.KeyBytes, p.CAFile)
	if err != nil {
		return nil, fmt.Errorf("ca_file: reading %s: %w", p.CAFile, err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file: %s holds no PEM certificate", p.CAFile)
	}
	return roots, nil
}
