package fleet

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/internal/limits"
)

// agentURIPrefix names an agent in its client certificate's URI SAN.
const agentURIPrefix = "urn:sovbench:agent:"

// DefaultAgentCertValidity is how long an agent's client certificate lives.
const DefaultAgentCertValidity = 365 * 24 * time.Hour

// AgentCA is the verifier's own CA for agents' client certificates (mutual
// TLS, the alternative to bearer credentials): enrolment with a CSR gets a
// certificate naming the agent, and later calls authenticate with it. A
// compromised agent is cut off by revoking it in the store (Store.Revoke,
// "sovbench serve revoke"), which every request with its certificate
// consults; the CA keeps no revocation list of its own.
type AgentCA struct {
	cert     *x509.Certificate
	key      crypto.Signer
	pool     *x509.CertPool
	Validity time.Duration
}

// NewAgentCA creates a fresh CA (ECDSA P-256, ten years) and returns it
// with its certificate and key in PEM, for the caller to keep.
func NewAgentCA() (*AgentCA, []byte, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("generating agent CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(), Subject: pkix.Name{CommonName: "sovbench verifier agent CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("creating agent CA: %w", err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("encoding agent CA key: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	ca, err := parseAgentCA(certPEM, keyPEM)
	return ca, certPEM, keyPEM, err
}

// LoadOrCreateAgentCA loads the agent CA at certPath/keyPath, creating it
// first when neither file exists (key mode 0600).
func LoadOrCreateAgentCA(certPath, keyPath string) (*AgentCA, error) {
	_, cerr := os.Stat(certPath)
	_, kerr := os.Stat(keyPath)
	if errors.Is(cerr, os.ErrNotExist) && errors.Is(kerr, os.ErrNotExist) {
		_, c, k, err := NewAgentCA()
		if err != nil {
			return nil, err
		}
		if err := atomicfile.Write(keyPath, k, 0o600); err != nil {
			return nil, err
		}
		if err := atomicfile.Write(certPath, c, 0o644); err != nil {
			return nil, err
		}
	}
	c, err := limits.Limits{}.ReadFile(context.Background(), limits.KeyBytes, certPath)
	if err != nil {
		return nil, fmt.Errorf("reading agent CA: %w", err)
	}
	k, err := limits.Limits{}.ReadFile(context.Background(), limits.KeyBytes, keyPath)
	if err != nil {
		return nil, fmt.Errorf("reading agent CA key: %w", err)
	}
	ca, err := parseAgentCA(c, k)
	if err != nil {
		return nil, fmt.Errorf("loading agent CA %s: %w", certPath, err)
	}
	return ca, nil
}

func parseAgentCA(certPEM, keyPEM []byte) (*AgentCA, error) {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, errors.New("parsing agent CA: no PEM certificate or key")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing agent CA certificate: %w", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing agent CA key: %w", err)
	}
	key, ok := k.(crypto.Signer)
	if !ok || !cert.IsCA {
		return nil, errors.New("parsing agent CA: not a CA certificate with a signing key")
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &AgentCA{cert: cert, key: key, pool: pool, Validity: DefaultAgentCertValidity}, nil
}

func randomSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120)) // crypto/rand does not fail
	return n
}

// checkCSR parses an agent's certificate request and checks its signature
// (the agent holds the key), before any token is spent.
func checkCSR(der []byte) (*x509.CertificateRequest, error) {
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("parsing certificate request: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("checking certificate request signature: %w", err)
	}
	return csr, nil
}

// issue signs a client certificate for agent a with the CSR's key. Only the
// key is taken from the CSR: subject and names are the verifier's.
func (ca *AgentCA) issue(csr *x509.CertificateRequest, a Agent) ([]byte, error) {
	u, err := url.Parse(agentURIPrefix + a.ID)
	if err != nil {
		return nil, fmt.Errorf("naming agent %s: %w", a.ID, err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(), Subject: pkix.Name{CommonName: a.Name},
		NotBefore: now.Add(-5 * time.Minute), NotAfter: now.Add(ca.Validity),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		URIs: []*url.URL{u},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, csr.PublicKey, ca.key)
	if err != nil {
		return nil, fmt.Errorf("issuing agent certificate: %w", err)
	}
	return der, nil
}

// agentOf checks a TLS peer's certificate chain against the CA (client
// auth usage, validity at now) and returns the agent it names.
func (ca *AgentCA) agentOf(chain []*x509.Certificate, now time.Time) (Agent, error) {
	leaf := chain[0]
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: ca.pool, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return Agent{}, fmt.Errorf("client certificate not issued by this verifier: %w", err)
	}
	for _, u := range leaf.URIs {
		if id, ok := strings.CutPrefix(u.String(), agentURIPrefix); ok && id != "" {
			return Agent{ID: id, Name: leaf.Subject.CommonName}, nil
		}
	}
	return Agent{}, errors.New("client certificate names no agent")
}

// ServerTLSConfig is the verifier's TLS configuration: it asks clients for
// a certificate but leaves checking it to the handlers (against the
// AgentCA), so that a forged one gets a refusal with a reason, not a bare
// handshake alert.
func ServerTLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequestClientCert}
}

// enrolCSR checks an enrolment's certificate request, if any, before the
// token is spent; it refuses and returns false when it cannot be honoured.
func (s *Server) enrolCSR(w http.ResponseWriter, der []byte) (*x509.CertificateRequest, bool) {
	if len(der) == 0 {
		return nil, true
	}
	if s.cfg.AgentCA == nil {
		refuse(w, http.StatusBadRequest, api.CodeBadRequest, errors.New("enrolment: this verifier issues no client certificates (it has no agent CA); enrol without a CSR"))
		return nil, false
	}
	csr, err := checkCSR(der)
	if err != nil {
		refuse(w, http.StatusBadRequest, api.CodeBadRequest, fmt.Errorf("enrolment: %w", err))
		return nil, false
	}
	return csr, true
}

// certAgent authenticates a request by its TLS client certificate: ok when
// one was presented and names an agent of this verifier's CA; refused (the
// answer is written) when one was presented and does not verify. Without
// an agent CA, or without a certificate, neither is set.
func (s *Server) certAgent(w http.ResponseWriter, r *http.Request) (a Agent, ok, refused bool) {
	if s.cfg.AgentCA == nil || r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return Agent{}, false, false
	}
	a, err := s.cfg.AgentCA.agentOf(r.TLS.PeerCertificates, time.Now())
	if err != nil {
		s.metrics.submissions.WithLabelValues(api.CodeForbidden).Inc()
		refuse(w, http.StatusForbidden, api.CodeForbidden, fmt.Errorf("agent certificate not accepted: %w", err))
		return Agent{}, false, true
	}
	// The certificate is good; the store says whether its agent still is.
	if a, err = s.cfg.Store.Active(r.Context(), a.ID); err != nil {
		s.refuseAgent(w, err, "agent certificate not accepted")
		return Agent{}, false, true
	}
	return a, true, false
}
