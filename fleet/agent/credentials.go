package agent

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/internal/strictjson"
)

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
	if b, err := (limits.Limits{}).ReadFile(ctx, limits.KeyBytes, path); err == nil {
		var cr Credentials
		if err := strictjson.Decode(b, &cr); err != nil {
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

// clientCertificate is the transport's GetClientCertificate: the agent's
// certificate once it has one, else none (bearer credentials).
func (c *Client) clientCertificate(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
	if cert := c.cert.Load(); cert != nil {
		return cert, nil
	}
	return &tls.Certificate{}, nil
}

// UseCertificate makes every later call authenticate with cert (mutual
// TLS) instead of the bearer credential, on fresh connections.
func (c *Client) UseCertificate(cert tls.Certificate) {
	c.cert.Store(&cert)
	c.Credential = ""
	if tr, ok := c.HTTP.Transport.(*http.Transport); ok {
		tr.CloseIdleConnections() // pooled connections were made without it
	}
}

func (c *Client) useCertificatePEM(certPEM, keyPEM string) error {
	cert, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		return fmt.Errorf("loading agent certificate: %w", err)
	}
	c.UseCertificate(cert)
	return nil
}

// EnrolWithCertificate spends an enrolment token like Enrol but sends a CSR
// for a fresh ECDSA P-256 key: the verifier's agent CA issues a client
// certificate, which the client then uses. It returns the credentials to
// save (certificate and key in PEM).
func (c *Client) EnrolWithCertificate(ctx context.Context, token, name string) (Credentials, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Credentials{}, fmt.Errorf("enrolling: generating agent key: %w", err)
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	if err != nil {
		return Credentials{}, fmt.Errorf("enrolling: creating certificate request: %w", err)
	}
	var r api.EnrolResponse
	if err := c.Do(ctx, http.MethodPost, "/v1/enrol", api.EnrolRequest{Token: token, Name: name, CSR: csr}, &r); err != nil {
		return Credentials{}, fmt.Errorf("enrolling: %w", err)
	}
	if len(r.Certificate) == 0 {
		return Credentials{}, fmt.Errorf("enrolling: the verifier issued no certificate")
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Credentials{}, fmt.Errorf("enrolling: encoding agent key: %w", err)
	}
	cr := Credentials{Server: c.Base, AgentID: r.AgentID,
		Certificate: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate})),
		Key:         string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))}
	if err := c.useCertificatePEM(cr.Certificate, cr.Key); err != nil {
		return Credentials{}, fmt.Errorf("enrolling: %w", err)
	}
	return cr, nil
}

// enrolFor enrols the way the client is set up to authenticate.
func (c *Client) enrolFor(ctx context.Context, token, name string) (Credentials, error) {
	if c.MutualTLS {
		return c.EnrolWithCertificate(ctx, token, name)
	}
	r, err := c.Enrol(ctx, token, name)
	return Credentials{Server: c.Base, AgentID: r.AgentID, Credential: r.Credential}, err
}
