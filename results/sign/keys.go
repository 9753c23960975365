package sign

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
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

	"github.com/sovbench/sovbench/internal/atomicfile"
	"github.com/sovbench/sovbench/internal/limits"
)

// KeyType names a signing algorithm for reports.
type KeyType string

// Key types. Ed25519 signs the DSSE PAE bytes directly; ECDSA P-256 signs
// their SHA-256 and writes the signature in ASN.1 DER, which is what
// `openssl dgst -sha256 -verify` checks.
const (
	KeyEd25519   KeyType = "ed25519"
	KeyECDSAP256 KeyType = "ecdsa-p256"
)

// Names of the files `sovbench key generate` writes.
const (
	PrivateKeyFile = "sovbench.key"
	PublicKeyFile  = "sovbench.pub"
)

// Key signs reports (DSSE envelopes, Envelope).
type Key struct {
	// ID is the key id: hex SHA-256 of the public key's SPKI DER encoding.
	ID     string
	signer crypto.Signer
}

// PublicKey is a trusted verification key.
type PublicKey struct {
	ID     string
	Key    crypto.PublicKey
	Source string // the file it was read from
}

// KeyID is the hex SHA-256 of pub's SubjectPublicKeyInfo DER encoding, the
// same bytes `openssl pkey -pubin -outform DER` prints.
func KeyID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("encoding public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}

// GenerateKey makes a new signing key of type t.
func GenerateKey(t KeyType) (*Key, error) {
	var s crypto.Signer
	var err error
	switch t {
	case KeyEd25519, "":
		_, s, err = ed25519.GenerateKey(rand.Reader)
	case KeyECDSAP256:
		s, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return nil, fmt.Errorf("key type %q: want %s or %s", t, KeyEd25519, KeyECDSAP256)
	}
	if err != nil {
		return nil, fmt.Errorf("generating %s key: %w", t, err)
	}
	return newKey(s)
}

func newKey(s crypto.Signer) (*Key, error) {
	id, err := KeyID(s.Public())
	if err != nil {
		return nil, err
	}
	return &Key{ID: id, signer: s}, nil
}

// Public returns the verification half of k.
func (k *Key) Public() *PublicKey {
	return &PublicKey{ID: k.ID, Key: k.signer.Public()}
}

// KeyID returns k's key id.
func (k *Key) KeyID() (string, error) { return k.ID, nil }

// Sign signs the DSSE PAE bytes data.
func (k *Key) Sign(_ context.Context, data []byte) ([]byte, error) {
	switch s := k.signer.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(s, data), nil
	case *ecdsa.PrivateKey:
		sum := sha256.Sum256(data)
		return ecdsa.SignASN1(rand.Reader, s, sum[:])
	}
	return nil, fmt.Errorf("signing with %T: unsupported key", k.signer)
}

// KeyID returns the key id.
func (p *PublicKey) KeyID() (string, error) { return p.ID, nil }

// Public returns the key.
func (p *PublicKey) Public() crypto.PublicKey { return p.Key }

// Verify checks sig over the DSSE PAE bytes data.
func (p *PublicKey) Verify(_ context.Context, data, sig []byte) error {
	switch k := p.Key.(type) {
	case ed25519.PublicKey:
		if ed25519.Verify(k, data, sig) {
			return nil
		}
	case *ecdsa.PublicKey:
		sum := sha256.Sum256(data)
		if ecdsa.VerifyASN1(k, sum[:], sig) {
			return nil
		}
	default:
		return fmt.Errorf("verifying with %T: unsupported key", p.Key)
	}
	return errors.New("signature does not verify")
}

// WriteKeyPair writes k to dir as PKCS#8 PEM (PrivateKeyFile, mode 0600)
// and its public key as SPKI PEM (PublicKeyFile, 0644). It refuses to
// overwrite an existing private key.
func WriteKeyPair(dir string, k *Key) (privPath, pubPath string, err error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.signer)
	if err != nil {
		return "", "", fmt.Errorf("encoding private key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(k.signer.Public())
	if err != nil {
		return "", "", fmt.Errorf("encoding public key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("creating %s: %w", dir, err)
	}
	privPath, pubPath = filepath.Join(dir, PrivateKeyFile), filepath.Join(dir, PublicKeyFile)
	f, err := os.OpenFile(privPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", "", fmt.Errorf("creating private key: %w", err)
	}
	werr := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return "", "", fmt.Errorf("writing %s: %w", privPath, werr)
	}
	pub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	if err := atomicfile.Write(pubPath, pub, 0o644); err != nil {
		return "", "", err
	}
	return privPath, pubPath, nil
}

// InsecureKeyFileError says a private key file can be read by others.
type InsecureKeyFileError struct {
	Path string
	Mode os.FileMode
}

func (e *InsecureKeyFileError) Error() string {
	return fmt.Sprintf("private key %s has mode %04o: group or others can read it; run chmod 600 %s", e.Path, e.Mode.Perm(), e.Path)
}

// LoadPrivateKey reads a PKCS#8 PEM private key (Ed25519 or ECDSA P-256),
// no larger than lim's key-bytes bound. It refuses a file that group or
// others can read (*InsecureKeyFileError).
func LoadPrivateKey(ctx context.Context, path string, lim limits.Limits) (*Key, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading private key: %w", err)
	}
	b, err := lim.ReadFile(ctx, limits.KeyBytes, path)
	if err != nil {
		return nil, fmt.Errorf("reading private key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk != nil && blk.Type == "PUBLIC KEY" {
		return nil, fmt.Errorf("%s holds a public key; signing needs the private half (%s), which stays with the signer", path, PrivateKeyFile)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, &InsecureKeyFileError{Path: path, Mode: fi.Mode()}
	}
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("private key %s: no PEM \"PRIVATE KEY\" (PKCS#8) block", path)
	}
	key, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing private key %s: %w", path, err)
	}
	switch k := key.(type) {
	case ed25519.PrivateKey:
		return newKey(k)
	case *ecdsa.PrivateKey:
		if k.Curve == elliptic.P256() {
			return newKey(k)
		}
	}
	return nil, fmt.Errorf("private key %s: %T is not Ed25519 or ECDSA P-256", path, key)
}

// ParsePublicKey decodes one SPKI PEM public key (Ed25519 or ECDSA P-256).
func ParsePublicKey(source string, b []byte) (*PublicKey, error) {
	blk, _ := pem.Decode(b)
	if blk != nil && strings.Contains(blk.Type, "PRIVATE KEY") {
		return nil, fmt.Errorf("%s holds a private key; a verifier takes only the public half (%s): never hand out the private key", source, PublicKeyFile)
	}
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("public key %s: no PEM \"PUBLIC KEY\" block", source)
	}
	key, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing public key %s: %w", source, err)
	}
	switch k := key.(type) {
	case ed25519.PublicKey:
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("public key %s: ECDSA curve %s, want P-256", source, k.Curve.Params().Name)
		}
	default:
		return nil, fmt.Errorf("public key %s: %T is not Ed25519 or ECDSA P-256", source, key)
	}
	id, err := KeyID(key)
	if err != nil {
		return nil, err
	}
	return &PublicKey{ID: id, Key: key, Source: source}, nil
}

// LoadPublicKeys reads the trusted keys at path: one PEM file, or every
// *.pub and *.pem file of a directory (not recursive), each no larger than
// lim's key-bytes bound.
func LoadPublicKeys(ctx context.Context, path string, lim limits.Limits) ([]*PublicKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading trusted keys: %w", err)
	}
	files := []string{path}
	if fi.IsDir() {
		ents, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("reading trusted keys: %w", err)
		}
		files = files[:0]
		for _, e := range ents {
			if !e.IsDir() && (strings.HasSuffix(e.Name(), ".pub") || strings.HasSuffix(e.Name(), ".pem")) {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
		slices.Sort(files)
	}
	var keys []*PublicKey
	for _, f := range files {
		b, err := lim.ReadFile(ctx, limits.KeyBytes, f)
		if err != nil {
			return nil, fmt.Errorf("reading trusted key: %w", err)
		}
		k, err := ParsePublicKey(f, b)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("no public keys (*.pub, *.pem) in %s", path)
	}
	return keys, nil
}
