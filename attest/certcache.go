package attest

import (
	"crypto/x509"
	"encoding/asn1"
	"sync"

	ga "github.com/google/go-attestation/attest"
)

// certCache holds EK and AK certificates VerifyCert has parsed, keyed by
// their full DER bytes (never a digest): the reports of one host carry the
// same EK certificate, and parsing it costs more than checking its chain.
// Only certificates that parsed are kept, as VerifyCert reads them (the TPM
// SAN extension taken off the unhandled critical ones); they are shared and
// never changed afterwards. It holds at most certCacheSize certificates.
type certCache struct {
	mu sync.Mutex
	m  map[string]*x509.Certificate
}

// certCacheSize bounds a certCache; a full cache starts over.
const certCacheSize = 256

// parse returns der parsed as an EK certificate, from the cache when the
// same bytes parsed before.
func (c *certCache) parse(der []byte) (*x509.Certificate, error) {
	c.mu.Lock()
	hit := c.m[string(der)]
	c.mu.Unlock()
	if hit != nil {
		return hit, nil
	}
	cert, err := ga.ParseEKCertificate(der)
	if err != nil {
		return nil, err
	}
	var unhandled []asn1.ObjectIdentifier
	for _, ext := range cert.UnhandledCriticalExtensions {
		if !ext.Equal(oidSubjectAltName) {
			unhandled = append(unhandled, ext)
		}
	}
	cert.UnhandledCriticalExtensions = unhandled
	c.mu.Lock()
	if c.m == nil || len(c.m) >= certCacheSize {
		c.m = map[string]*x509.Certificate{}
	}
	c.m[string(der)] = cert
	c.mu.Unlock()
	return cert, nil
}
