package collect

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"os"
	"path"
	"path/filepath"
	"strconv"

	"github.com/sovbench/sovbench/internal/strictjson"
)

// StandInFile is the file of a lab signer directory that the collector
// reads: the lab's stand-in for the CPU.
const StandInFile = "stand-in.json"

// Signature encodings of a stand-in (StandIn.Signature).
const (
	// SigP384AMD is SEV-SNP's: ECDSA P-384 over SHA-384, R then S each
	// little-endian in 72 bytes.
	SigP384AMD = "ecdsa-p384-sha384-amd"
	// SigP256Raw is a TDX quote's: ECDSA P-256 over SHA-256, R then S each
	// big-endian in 32 bytes.
	SigP256Raw = "ecdsa-p256-sha256-raw"
)

// StandIn is what a lab host's CPU stand-in signs: a report or quote made
// by the lab's test signer (attest/tee/testsign) for all-zero REPORT_DATA,
// in which the collector writes the REPORT_DATA asked for and re-signs the
// bytes the signature covers with Key. Everything else, the certificates
// included, is the test signer's: this package only knows where the
// REPORT_DATA and the signature go, so the slim agent links neither the
// signer nor go-sev-guest's and go-tdx-guest's encoders.
type StandIn struct {
	// Provider is the configfs-tsm provider it answers as: sev_guest or
	// tdx_guest.
	Provider string `json:"provider"`
	// Template is the report or quote; AuxBlob the SEV-SNP certificate table.
	Template []byte `json:"template"`
	AuxBlob  []byte `json:"auxblob,omitempty"`
	// ReportDataAt is REPORT_DATA's offset; the signature covers
	// Template[:SignedBytes] and is written at SignatureAt.
	ReportDataAt int    `json:"report_data_at"`
	SignedBytes  int    `json:"signed_bytes"`
	SignatureAt  int    `json:"signature_at"`
	Signature    string `json:"signature"`
	// Key is the signing key, PKCS #8.
	Key []byte `json:"key"`
}

// sign returns Template carrying rd, signed.
func (s *StandIn) sign(rd [64]byte) ([]byte, error) {
	k, err := x509.ParsePKCS8PrivateKey(s.Key)
	if err != nil {
		return nil, fmt.Errorf("reading the stand-in's key: %w", err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the stand-in's key is %T, not ECDSA", k)
	}
	hash, size, le := crypto.SHA256, 32, false
	if s.Signature == SigP384AMD {
		hash, size, le = crypto.SHA384, 72, true
	} else if s.Signature != SigP256Raw {
		return nil, fmt.Errorf("unknown stand-in signature %q", s.Signature)
	}
	n := len(s.Template)
	if s.ReportDataAt < 0 || s.ReportDataAt+64 > s.SignedBytes || s.SignedBytes > s.SignatureAt || s.SignatureAt+2*size > n {
		return nil, fmt.Errorf("stand-in layout: REPORT_DATA at %d, %d signed bytes, signature at %d do not fit a %d-byte template",
			s.ReportDataAt, s.SignedBytes, s.SignatureAt, n)
	}
	out := append([]byte(nil), s.Template...)
	copy(out[s.ReportDataAt:], rd[:])
	h := hash.New()
	h.Write(out[:s.SignedBytes])
	r, sv, err := ecdsa.Sign(rand.Reader, key, h.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("signing the stand-in's report: %w", err)
	}
	put(out[s.SignatureAt:s.SignatureAt+size], r, le)
	put(out[s.SignatureAt+size:s.SignatureAt+2*size], sv, le)
	return out, nil
}

// put writes v into b, big-endian or little-endian, zero-padded.
func put(b []byte, v *big.Int, le bool) {
	clear(b)
	be := v.Bytes()
	for i, c := range be {
		if le {
			b[len(be)-1-i] = c
		} else {
			b[len(b)-len(be)+i] = c
		}
	}
}

// LoadStandIn reads dir's StandInFile.
func LoadStandIn(dir string) (*StandIn, error) {
	file := filepath.Join(dir, StandInFile)
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("opening the lab's TEE stand-in: %w", err)
	}
	var s StandIn
	if err := strictjson.Decode(b, &s); err != nil {
		return nil, fmt.Errorf("reading the lab's TEE stand-in %s: %w", file, err)
	}
	if s.Provider != "sev_guest" && s.Provider != "tdx_guest" {
		return nil, fmt.Errorf("reading the lab's TEE stand-in %s: provider %q is neither sev_guest nor tdx_guest", file, s.Provider)
	}
	return &s, nil
}

// labTSM is a configfs-tsm report subsystem whose provider is the lab's
// stand-in, for go-configfs-tsm's report.Get (the code path real guests
// take): one report entry at a time, inblob written, outblob the
// stand-in's report for it, auxblob its certificate table, and the
// generation counting writes as the kernel's does.
type labTSM struct {
	s      *StandIn
	gen    uint64
	inblob [64]byte
}

func newLabTSM(dir string) (*labTSM, error) {
	s, err := LoadStandIn(dir)
	if err != nil {
		return nil, err
	}
	return &labTSM{s: s}, nil
}

// MkdirTemp makes the report entry.
func (c *labTSM) MkdirTemp(dir, pattern string) (string, error) {
	return path.Join(dir, pattern+"0"), nil
}

// ReadFile reads an attribute of the entry.
func (c *labTSM) ReadFile(name string) ([]byte, error) {
	switch path.Base(name) {
	case "generation":
		return []byte(strconv.FormatUint(c.gen, 10) + "\n"), nil
	case "provider":
		return []byte(c.s.Provider + "\n"), nil
	case "auxblob":
		return c.s.AuxBlob, nil
	case "outblob":
		return c.s.sign(c.inblob)
	}
	return nil, fmt.Errorf("reading %s: %w", name, os.ErrNotExist)
}

// WriteFile writes inblob, the only attribute the stand-in takes.
func (c *labTSM) WriteFile(name string, data []byte) error {
	if path.Base(name) != "inblob" || len(data) > len(c.inblob) {
		return fmt.Errorf("writing %d bytes to %s: %w", len(data), name, os.ErrInvalid)
	}
	c.inblob = [64]byte{}
	copy(c.inblob[:], data)
	c.gen++
	return nil
}

// ReadDir lists nothing: report.Get does not list.
func (c *labTSM) ReadDir(name string) ([]os.DirEntry, error) {
	return nil, fmt.Errorf("listing %s: %w", name, os.ErrInvalid)
}

// RemoveAll removes the entry.
func (c *labTSM) RemoveAll(string) error { return nil }
