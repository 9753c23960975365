package attest

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sovbench/sovbench/internal/limits"
)

// RootKind says what a trust anchor vouches for when an EK certificate
// chains to it: that is what decides whether a TPM is hardware, a cloud's
// virtual TPM or software — never the device path or what the TPM says
// about itself.
type RootKind string

// The kinds of trust anchor.
const (
	// RootMaker is a TPM maker's EK CA: the TPM is a chip of that maker.
	RootMaker RootKind = "maker"
	// RootCloudVTPM is a cloud operator's vTPM CA: the TPM is a virtual TPM
	// that operator runs.
	RootCloudVTPM RootKind = "cloud-vtpm"
	// RootSoftware is a software TPM's CA (swtpm's local CA): chains verify,
	// the TPM is software.
	RootSoftware RootKind = "software"
)

// RootKinds lists the kinds, which are also the subdirectories LoadDir reads.
var RootKinds = []RootKind{RootMaker, RootCloudVTPM, RootSoftware}

// Root is one trust anchor: any certificate of the store, self-signed or
// not (a maker's intermediate CA is as good an anchor as its root, as in
// Keylime's tpm_cert_store). Reports name it by SHA256, never by a path.
type Root struct {
	Cert *x509.Certificate
	// SHA256 is the hex SHA-256 of the certificate's DER.
	SHA256 string
	Kind   RootKind
	// Vendor is who the anchor speaks for: the TPM maker (Infineon), the
	// cloud operator (Google) or the software TPM.
	Vendor string
	// VendorID is the maker's TCG vendor ID (IFX), as TPM_PT_MANUFACTURER
	// spells it; "" for other kinds.
	VendorID string
	// Source says where the certificate came from, without a local path:
	// "bundled keylime/IFX1.pem" or "added maker/acme.pem".
	Source string
}

// Digest names the root as reports do: "sha256:<hex>".
func (r *Root) Digest() string { return "sha256:" + r.SHA256 }

// Expired reports whether the anchor's certificate had expired at t.
func (r *Root) Expired(t time.Time) bool { return t.After(r.Cert.NotAfter) }

// Tags are the root's kind, and "expired" when it had expired at t.
func (r *Root) Tags(t time.Time) []string {
	tags := []string{string(r.Kind)}
	if r.Expired(t) {
		tags = append(tags, "expired")
	}
	return tags
}

// Subject is the anchor certificate's subject.
func (r *Root) Subject() string { return r.Cert.Subject.String() }

// RootStore holds the trust anchors of EK and AK certificates, by content.
// Configure it (Add, LoadDir, Exclude) before sharing it; its read methods
// are then safe for concurrent use.
type RootStore struct {
	anchors  map[string]*Root // by SHA256
	excluded map[string]bool
	pool     *x509.CertPool
	certs    certCache // certificates VerifyCert parsed
}

// NewRootStore returns an empty store. BundledRoots returns one holding the
// embedded bundle.
func NewRootStore() *RootStore {
	return &RootStore{anchors: map[string]*Root{}, excluded: map[string]bool{}, pool: x509.NewCertPool()}
}

// Len is the number of usable (not excluded) anchors.
func (s *RootStore) Len() int { return len(s.anchors) - len(s.excluded) }

// Add makes c a trust anchor of the given kind. A certificate already in
// the store keeps its first tag.
func (s *RootStore) Add(c *x509.Certificate, kind RootKind, vendor, vendorID, source string) *Root {
	sum := sha256.Sum256(c.Raw)
	id := hex.EncodeToString(sum[:])
	if r, ok := s.anchors[id]; ok {
		return r
	}
	r := &Root{Cert: c, SHA256: id, Kind: kind, Vendor: vendor, VendorID: vendorID, Source: source}
	s.anchors[id] = r
	if !s.excluded[id] {
		s.pool.AddCert(c)
	}
	return r
}

// Exclude removes the root with this digest ("sha256:<hex>" or hex) from
// every chain the store builds; an unknown digest is remembered all the same.
func (s *RootStore) Exclude(digest string) error {
	id, err := ParseRootDigest(digest)
	if err != nil {
		return err
	}
	s.excluded[id] = true
	s.pool = x509.NewCertPool()
	for _, r := range s.anchors {
		if !s.excluded[r.SHA256] {
			s.pool.AddCert(r.Cert)
		}
	}
	return nil
}

// ParseRootDigest reads "sha256:<64 hex>" (or the bare hex) and returns the
// lower-case hex.
func ParseRootDigest(s string) (string, error) {
	h := strings.TrimPrefix(s, "sha256:")
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("root %q: want sha256:<64 hex digits> (roots are named by content)", s)
	}
	return hex.EncodeToString(b), nil
}

// Lookup returns the anchor with this hex SHA-256, or nil (also when excluded).
func (s *RootStore) Lookup(id string) *Root {
	if s.excluded[id] {
		return nil
	}
	return s.anchors[id]
}

// Roots lists the usable anchors by kind, vendor and subject.
func (s *RootStore) Roots() []*Root {
	var out []*Root
	for id, r := range s.anchors {
		if !s.excluded[id] {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b *Root) int {
		return strings.Compare(string(a.Kind)+a.Vendor+a.Subject()+a.SHA256, string(b.Kind)+b.Vendor+b.Subject()+b.SHA256)
	})
	return out
}

// LoadDir adds the certificates (PEM or DER: *.pem, *.crt, *.cer, *.der) of
// dir's subdirectories maker/, cloud-vtpm/ and software/, tagged by the
// subdirectory: where a root sits says what it vouches for. A maker's or
// cloud's vendor is the certificate's organization. A certificate directly
// in dir is an error: nothing says what it vouches for.
func (s *RootStore) LoadDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("loading TPM roots: %w", err)
	}
	for _, e := range entries {
		kind := RootKind(e.Name())
		if !e.IsDir() {
			if certFile(e.Name()) {
				return fmt.Errorf("loading TPM roots: %s: put it under %s/maker, %s/cloud-vtpm or %s/software to say what it vouches for", filepath.Join(dir, e.Name()), dir, dir, dir)
			}
			continue
		}
		if !slices.Contains(RootKinds, kind) {
			return fmt.Errorf("loading TPM roots: %s: unknown kind %q, want maker, cloud-vtpm or software", filepath.Join(dir, e.Name()), e.Name())
		}
		if err := s.loadKind(filepath.Join(dir, e.Name()), kind); err != nil {
			return err
		}
	}
	return nil
}

func (s *RootStore) loadKind(dir string, kind RootKind) error {
	files, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("loading TPM roots: %w", err)
	}
	for _, f := range files {
		if f.IsDir() || !certFile(f.Name()) {
			continue
		}
		if err := s.AddFile(filepath.Join(dir, f.Name()), kind, ""); err != nil {
			return err
		}
	}
	return nil
}

// AddFile adds the certificates of one PEM or DER file as anchors of kind,
// for vendor (the organization of each certificate when empty).
func (s *RootStore) AddFile(path string, kind RootKind, vendor string) error {
	b, err := limits.Limits{}.ReadFile(context.Background(), limits.KeyBytes, path)
	if err != nil {
		return fmt.Errorf("loading TPM roots: %w", err)
	}
	certs, err := ParseCertificates(b)
	if err != nil {
		return fmt.Errorf("loading TPM roots %s: %w", path, err)
	}
	for _, c := range certs {
		v := vendor
		if v == "" {
			v = organization(c)
		}
		s.Add(c, kind, v, vendorID(kind, v), "added "+string(kind)+"/"+filepath.Base(path))
	}
	return nil
}

// vendorID is the TCG vendor ID of a maker named by an added root's
// organization ("Infineon Technologies AG" → IFX), or "".
func vendorID(kind RootKind, org string) string {
	if kind != RootMaker {
		return ""
	}
	best := ""
	for id, name := range manufacturers {
		if strings.Contains(strings.ToLower(org), strings.ToLower(name)) && len(name) > len(manufacturers[best]) {
			best = id
		}
	}
	return best
}

func certFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".pem", ".crt", ".cer", ".der":
		return true
	}
	return false
}

func organization(c *x509.Certificate) string {
	if o := strings.Join(c.Subject.Organization, ", "); o != "" {
		return o
	}
	return c.Subject.CommonName
}

// ParseCertificates parses PEM blocks of type CERTIFICATE, or one DER
// certificate.
func ParseCertificates(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parsing certificate %d: %w", len(out)+1, err)
		}
		out = append(out, c)
	}
	if len(out) > 0 {
		return out, nil
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		return nil, fmt.Errorf("parsing certificate: %w", err)
	}
	return []*x509.Certificate{c}, nil
}

// errNoRoots says a store has no usable anchor.
var errNoRoots = errors.New("no trusted roots configured")
