package attest_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/sovbench/sovbench/attest"
)

// at is a fixed evaluation time: 2026-06-01, after the expiry of Infineon's
// IFX TPM EK Intermediate CA 01 (2025-10-20), before every other's.
var at = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// The bundle: every embedded certificate carries a kind and a vendor, and
// the vendor is the organization the certificate itself names.
func TestBundleTags(t *testing.T) {
	s := BundledRoots()
	if s.Len() < 50 {
		t.Fatalf("bundle has %d anchors, want the 46 distinct Keylime certificates and Google's 5", s.Len())
	}
	orgOf := map[string]string{
		"Infineon": "Infineon", "STMicroelectronics": "STMicroelectronics", "Nuvoton Technology": "Nuvoton",
		"Intel": "Intel", "Nationz": "Nationz", "Alibaba Cloud": "Aliyun", "Google": "Google",
		"GlobalSign TPM root (several makers)": "GlobalSign",
	}
	kinds := map[RootKind]int{}
	for _, r := range s.Roots() {
		kinds[r.Kind]++
		org, ok := orgOf[r.Vendor]
		if !ok {
			t.Errorf("%s: vendor %q has no expected organization", r.Source, r.Vendor)
			continue
		}
		if got := r.Cert.Subject.String(); !strings.Contains(got, org) {
			t.Errorf("%s tagged %s, but its subject is %s", r.Source, r.Vendor, got)
		}
		if !strings.HasPrefix(r.Source, "bundled ") || strings.Contains(r.Source, "/work/") {
			t.Errorf("source %q is not a bundle name", r.Source)
		}
	}
	if kinds[RootMaker] < 40 || kinds[RootCloudVTPM] != 6 || kinds[RootSoftware] != 0 {
		t.Errorf("kinds %v, want ≥ 40 maker roots, 6 cloud vTPM roots (Alibaba, Google ×5), no software", kinds)
	}
	t.Run("an expired intermediate is tagged expired at the time it is judged", func(t *testing.T) {
		var ifx1 *Root
		for _, r := range s.Roots() {
			if r.Cert.Subject.CommonName == "IFX TPM EK Intermediate CA 01" {
				ifx1 = r
			}
		}
		if ifx1 == nil {
			t.Fatal("IFX TPM EK Intermediate CA 01 is not in the bundle")
		}
		if tags := strings.Join(ifx1.Tags(at), ","); tags != "maker,expired" {
			t.Errorf("tags at %s: %s, want maker,expired", at.Format(time.DateOnly), tags)
		}
		if tags := strings.Join(ifx1.Tags(at.AddDate(-1, 0, 0)), ","); tags != "maker" {
			t.Errorf("tags a year earlier: %s, want maker", tags)
		}
	})
}

// Real EK and AK certificates of Google Compute Engine vTPMs (go-tpm-tools
// test data) chain to the bundled Google roots: a cloud vTPM, not hardware.
func TestRealGCECertificatesChain(t *testing.T) {
	s := BundledRoots()
	files, _ := filepath.Glob("testdata/ekcerts/*.pem")
	if len(files) != 8 {
		t.Fatalf("%d certificates in testdata/ekcerts, want 8", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f)+" chains to a Google cloud vTPM root", func(t *testing.T) {
			b, _ := os.ReadFile(f)
			blk, _ := pem.Decode(b)
			_, chains, err := s.VerifyCert(blk.Bytes, at)
			if err != nil {
				t.Fatal(err)
			}
			if r := chains[0].Root; r.Kind != RootCloudVTPM || r.Vendor != "Google" || chains[0].Length != 2 {
				t.Errorf("first chain: %s %s, length %d; want Google's cloud vTPM CA, the issuer itself", r.Kind, r.Vendor, chains[0].Length)
			}
		})
	}
}

// testCA is a CA made in the test under a real maker's name: it has the
// name, not the key, so only a store that was given it trusts it.
type testCA struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
}

func newCA(t testing.TB, parent *testCA, name pkix.Name, notBefore, notAfter time.Time) *testCA {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: name, NotBefore: notBefore, NotAfter: notAfter,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	signer, signerKey := tmpl, k
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &k.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCA{cert: c, key: k}
}

// issueEK issues an EK certificate for pub under ca.
func (ca *testCA) issueEK(t testing.TB, pub any, notBefore, notAfter time.Time) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), NotBefore: notBefore, NotAfter: notAfter,
		Subject: pkix.Name{CommonName: "test EK"}, KeyUsage: x509.KeyUsageKeyEncipherment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

var infineonRSARoot = pkix.Name{Country: []string{"DE"}, Organization: []string{"Infineon Technologies AG"},
	OrganizationalUnit: []string{"OPTIGA(TM) Devices"}, CommonName: "Infineon OPTIGA(TM) RSA Root CA"}

func writePEM(t testing.TB, path string, der []byte) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRootStoreByContent(t *testing.T) {
	year := 365 * 24 * time.Hour
	ca := newCA(t, nil, infineonRSARoot, at.Add(-10*year), at.Add(10*year))
	ek, _ := rsa.GenerateKey(rand.Reader, 2048)
	ekCert := ca.issueEK(t, &ek.PublicKey, at.Add(-year), at.Add(20*year))

	t.Run("a chain under a maker's name does not verify against the bundle: the name is not the key", func(t *testing.T) {
		if _, _, err := BundledRoots().VerifyCert(ekCert, at); err == nil {
			t.Fatal("a certificate from a CA merely named like Infineon's chains to the bundle")
		}
	})
	dir := t.TempDir()
	writePEM(t, filepath.Join(dir, "maker", "infineon-test.pem"), ca.cert.Raw)
	s := BundledRoots()
	if err := s.LoadDir(dir); err != nil {
		t.Fatal(err)
	}
	t.Run("added under maker/, the same chain is a maker's and names the root by its digest", func(t *testing.T) {
		_, chains, err := s.VerifyCert(ekCert, at)
		if err != nil {
			t.Fatal(err)
		}
		r := chains[0].Root
		if r.Kind != RootMaker || r.Vendor != "Infineon Technologies AG" || r.Digest() != "sha256:"+sha256Hex(ca.cert.Raw) {
			t.Errorf("root %s %s %s", r.Kind, r.Vendor, r.Digest())
		}
		if r.Source != "added maker/infineon-test.pem" || strings.Contains(chains[0].Describe(), dir) {
			t.Errorf("source %q / description %q name a local path", r.Source, chains[0].Describe())
		}
	})
	t.Run("an excluded root no longer chains", func(t *testing.T) {
		s := BundledRoots()
		s.LoadDir(dir)
		if err := s.Exclude("sha256:" + sha256Hex(ca.cert.Raw)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.VerifyCert(ekCert, at); err == nil {
			t.Fatal("an excluded root still chains")
		}
	})
	t.Run("a chain through a CA that expired since the EK was issued verifies and says so", func(t *testing.T) {
		inter := newCA(t, ca, pkix.Name{Organization: []string{"Infineon Technologies AG"}, CommonName: "Test Intermediate 01"}, at.Add(-10*year), at.Add(-year/2))
		cert := inter.issueEK(t, &ek.PublicKey, at.Add(-2*year), at.Add(20*year))
		s := BundledRoots()
		s.Add(inter.cert, RootMaker, "Infineon", "IFX", "test")
		_, chains, err := s.VerifyCert(cert, at)
		if err != nil {
			t.Fatal(err)
		}
		if len(chains[0].Expired) != 1 || !strings.Contains(chains[0].Describe(), "through expired CN=Test Intermediate 01") {
			t.Errorf("chain %s, want the expired intermediate named", chains[0].Describe())
		}
		if _, chains, _ := s.VerifyCert(cert, at.Add(-year)); len(chains) == 0 || len(chains[0].Expired) != 0 {
			t.Errorf("judged before the expiry, the chain should have no expired CA: %+v", chains)
		}
	})
	t.Run("a CA not yet valid when the EK was issued is not excused", func(t *testing.T) {
		late := newCA(t, ca, pkix.Name{CommonName: "Late Intermediate"}, at.Add(-year), at.Add(10*year))
		cert := late.issueEK(t, &ek.PublicKey, at.Add(-5*year), at.Add(-2*year))
		if _, _, err := s.VerifyCert(cert, at); err == nil {
			t.Fatal("an EK issued before its CA existed (and expired since) chains")
		}
	})
}

func TestLoadDirSaysWhatARootVouchesFor(t *testing.T) {
	ca := newCA(t, nil, infineonRSARoot, at.Add(-time.Hour), at.Add(time.Hour))
	for _, tc := range []struct{ name, file, want string }{
		{"a certificate directly in the directory is refused", "loose.pem", "to say what it vouches for"},
		{"an unknown kind of directory is refused", "hardware/x.pem", `unknown kind "hardware"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writePEM(t, filepath.Join(dir, tc.file), ca.cert.Raw)
			err := NewRootStore().LoadDir(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("a root named by a path is refused with the digest form", func(t *testing.T) {
		if _, err := ParseRootDigest("/etc/sovbench/ek-roots"); err == nil || !strings.Contains(err.Error(), "named by content") {
			t.Errorf("error %v", err)
		}
	})
}
