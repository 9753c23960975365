package fleet

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/fleet/agent"
	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/scenarios/plan"
)

// withAgentCA gives the test server an agent CA, as serve does.
func withAgentCA(t *testing.T, ts *testServer) *AgentCA {
	t.Helper()
	ca, _, _, err := NewAgentCA()
	if err != nil {
		t.Fatal(err)
	}
	ts.cfg.AgentCA = ca
	return ca
}

func (ts *testServer) token(t *testing.T) string {
	t.Helper()
	tok, err := ts.store.IssueToken(context.Background(), Token{TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// certFor issues, from ca, a client certificate for agent a with a fresh key.
func certFor(t *testing.T, ca *AgentCA, a Agent) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := checkCSR(der)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.issue(csr, a)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{cert}, PrivateKey: key}
}

func TestMutualTLSAgents(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t)
	ca := withAgentCA(t, ts)
	creds := filepath.Join(t.TempDir(), "agent.json")
	var enrolled agent.Credentials

	t.Run("an agent enrolled with a CSR runs and submits with its certificate alone", func(t *testing.T) {
		c := ts.client(t)
		c.MutualTLS = true
		if err := c.EnsureEnrolled(ctx, creds, ts.token(t), "mtls-host"); err != nil {
			t.Fatal(err)
		}
		if c.Credential != "" {
			t.Fatal("a certificate enrolment left a bearer credential")
		}
		b, _ := os.ReadFile(creds)
		if err := json.Unmarshal(b, &enrolled); err != nil || enrolled.Certificate == "" || enrolled.Credential != "" {
			t.Fatalf("saved credentials %s: %v", b, err)
		}
		resp, err := agent.RunOnce(ctx, c, "fleet-host", plan.Env{})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Verdicts) == 0 {
			t.Fatal("no verdicts")
		}
	})
	t.Run("a saved certificate is reused without a token", func(t *testing.T) {
		c := ts.client(t)
		c.MutualTLS = true
		if err := c.EnsureEnrolled(ctx, creds, "", "mtls-host"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Nonce(ctx, "fleet-host"); err != nil {
			t.Fatal(err)
		}
	})
	forgedCA, _, _, err := NewAgentCA()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		cert   func() tls.Certificate
		bearer bool
	}{
		{name: "a certificate from another CA naming the enrolled agent is refused",
			cert: func() tls.Certificate { return certFor(t, forgedCA, Agent{ID: enrolled.AgentID, Name: "mtls-host"}) }},
		{name: "a forged certificate is refused even beside a valid bearer credential", bearer: true,
			cert: func() tls.Certificate { return certFor(t, forgedCA, Agent{ID: enrolled.AgentID, Name: "mtls-host"}) }},
		{name: "an expired certificate of this verifier is refused", cert: func() tls.Certificate {
			old := *ca
			old.Validity = -time.Minute // valid from 5 to 1 minutes ago
			return certFor(t, &old, Agent{ID: enrolled.AgentID, Name: "mtls-host"})
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ts.client(t)
			if tc.bearer {
				c = ts.enrolled(t, "bearer-host")
			}
			cred := c.Credential
			c.UseCertificate(tc.cert())
			c.Credential = cred
			_, err := c.Nonce(ctx, "fleet-host")
			refusedWith(t, err, "forbidden", "agent certificate not accepted")
		})
	}
	t.Run("bearer credentials keep working beside certificates", func(t *testing.T) {
		if _, err := agent.RunOnce(ctx, ts.enrolled(t, "bearer-host-2"), "fleet-host", plan.Env{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a revoked agent is refused with its certificate or credential, saying so; others are not", func(t *testing.T) {
		bearer, other := ts.enrolled(t, "bearer-revoked"), ts.enrolled(t, "bearer-kept")
		bearerID, _, _ := strings.Cut(bearer.Credential, ".")
		for _, id := range []string{enrolled.AgentID, bearerID} {
			if _, err := ts.store.Revoke(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		c := ts.client(t)
		c.MutualTLS = true
		if err := c.EnsureEnrolled(ctx, creds, "", "mtls-host"); err != nil {
			t.Fatal(err)
		}
		_, err := c.Nonce(ctx, "fleet-host")
		refusedWith(t, err, "revoked", "agent certificate not accepted: agent revoked: "+enrolled.AgentID)
		_, err = bearer.Nonce(ctx, "fleet-host")
		refusedWith(t, err, "revoked", "agent credential not accepted: agent revoked: "+bearerID)
		if _, err := agent.RunOnce(ctx, other, "fleet-host", plan.Env{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a CSR whose signature does not verify is refused and the token is not spent", func(t *testing.T) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
		der[len(der)-3] ^= 1 // inside the signature
		tok := ts.token(t)
		c := ts.client(t)
		var r api.EnrolResponse
		err := c.Do(ctx, "POST", "/v1/enrol", api.EnrolRequest{Token: tok, Name: "bad-csr", CSR: der}, &r)
		refusal(t, err, "bad_request")
		if _, err := c.Enrol(ctx, tok, "bad-csr"); err != nil {
			t.Fatalf("the token was spent by a refused enrolment: %v", err)
		}
	})
}

func TestMutualTLSNeedsAnAgentCA(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t)
	c := ts.client(t)
	_, err := c.EnrolWithCertificate(ctx, ts.token(t), "no-ca")
	refusedWith(t, err, "bad_request", "issues no client certificates")
	t.Run("a certificate is ignored by a verifier without an agent CA", func(t *testing.T) {
		forged, _, _, err := NewAgentCA()
		if err != nil {
			t.Fatal(err)
		}
		c := ts.client(t)
		c.UseCertificate(certFor(t, forged, Agent{ID: "x", Name: "no-ca"}))
		_, err = c.Nonce(ctx, "fleet-host")
		refusedWith(t, err, "forbidden", "no agent credential")
	})
}

// FuzzCheckCSR: an enrolment's CSR is untrusted input; checkCSR refuses or
// accepts it, never panics, and accepts only self-signed requests.
func FuzzCheckCSR(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(der)
	f.Add(der[:len(der)/2])
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		if csr, err := checkCSR(b); err == nil && csr.CheckSignature() != nil {
			t.Fatal("accepted a CSR whose signature does not verify")
		}
	})
}
