package collecttest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sovbench/sovbench/results"
)

// InfineonRoot is the subject of Infineon's OPTIGA RSA root CA, which the
// embedded bundle holds: a test CA under this name has the name, not the
// key, so only a store that was given it trusts it.
var InfineonRoot = pkix.Name{Country: []string{"DE"}, Organization: []string{"Infineon Technologies AG"},
	OrganizationalUnit: []string{"OPTIGA(TM) Devices"}, CommonName: "Infineon OPTIGA(TM) RSA Root CA"}

// CA is a certificate authority made in a test, under a real maker's name
// if the test wants: the chains it issues exist only in tests.
type CA struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
}

// NewCA makes a self-signed CA valid from ten years ago for twenty years.
func NewCA(t testing.TB, name pkix.Name) *CA {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: name, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().AddDate(-10, 0, 0), NotAfter: time.Now().AddDate(10, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &CA{Cert: c, Key: k}
}

// EndorseEK replaces ek's certificate with one the CA issues for its key.
func (ca *CA) EndorseEK(t testing.TB, ek *results.TPMEK) {
	t.Helper()
	pub, err := x509.ParsePKIXPublicKey(ek.Public)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "test EK"},
		KeyUsage: x509.KeyUsageKeyEncipherment, NotBefore: time.Now().AddDate(-1, 0, 0), NotAfter: time.Now().AddDate(20, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	ek.Certificate = der
}

// WriteRoots writes the CA's certificate as DIR/<kind>/<name>.pem, the
// layout --tpm-roots DIR reads, and returns DIR.
func (ca *CA) WriteRoots(t testing.TB, kind, name string) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, kind), 0o755)
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
	if err := os.WriteFile(filepath.Join(dir, kind, name+".pem"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}
