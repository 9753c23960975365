package collect

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"fmt"
	"math/big"
	"time"
	"unicode/utf16"

	"github.com/google/go-tpm/legacy/tpm2"
	"github.com/google/go-tpm/tpmutil"

	"github.com/sovbench/sovbench/attest"
)

// EFI variable GUIDs as they appear in UEFI_VARIABLE_DATA (little-endian
// fields).
var (
	efiGlobalVariable = [16]byte{0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c}
	efiCertX509       = [16]byte{0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72}
	efiImageSecurity  = [16]byte{0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45, 0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f}
)

// BootProfile is a minimal UEFI measured boot: the S-CRTM version in PCR 0,
// the secure-boot variables in PCR 7 and separators in PCRs 0-7. The lab and
// the tests play it into a swtpm or the simulator (Measure) to get an event
// log that replays against real quoted PCRs. label ends up in the S-CRTM
// version string. With secure boot on, authority is the db certificate
// logged as having verified the boot loader (go-attestation reports secure
// boot as unknown when no key was used); nil makes a throwaway one.
func BootProfile(label string, secureBoot bool, authority *x509.Certificate) []attest.BootEvent {
	sb := byte(0)
	if secureBoot {
		sb = 1
	}
	if secureBoot && authority == nil {
		authority = ephemeralDBCert(label)
	}
	var keys []byte
	if secureBoot && authority != nil {
		keys = signatureList(authority)
	}
	crtm := utf16.Encode([]rune(label + "\x00"))
	var cb bytes.Buffer
	binary.Write(&cb, binary.LittleEndian, crtm)
	ev := []attest.BootEvent{
		{PCR: 0, Type: attest.EvSCRTMVersion, Data: cb.Bytes()},
		{PCR: 7, Type: attest.EvEFIVariableDriverConfig, Data: attest.EFIVariable(efiGlobalVariable, "SecureBoot", []byte{sb})},
		{PCR: 7, Type: attest.EvEFIVariableDriverConfig, Data: attest.EFIVariable(efiGlobalVariable, "PK", keys)},
		{PCR: 7, Type: attest.EvEFIVariableDriverConfig, Data: attest.EFIVariable(efiGlobalVariable, "KEK", keys)},
		{PCR: 7, Type: attest.EvEFIVariableDriverConfig, Data: attest.EFIVariable(efiImageSecurity, "db", keys)},
		{PCR: 7, Type: attest.EvEFIVariableDriverConfig, Data: attest.EFIVariable(efiImageSecurity, "dbx", nil)},
	}
	for pcr := 0; pcr <= 7; pcr++ {
		ev = append(ev, attest.BootEvent{PCR: pcr, Type: attest.EvSeparator, Data: []byte{0, 0, 0, 0}})
	}
	if secureBoot && authority != nil {
		// The db key that verified the boot loader, measured after the
		// separator as firmware does when secure boot is on.
		owner := make([]byte, 16)
		ev = append(ev, attest.BootEvent{PCR: 7, Type: attest.EvEFIVariableAuthority, Data: attest.EFIVariable(efiImageSecurity, "db", append(owner, authority.Raw...))})
	}
	return ev
}

// signatureList encodes an EFI_SIGNATURE_LIST holding one X.509 certificate.
func signatureList(c *x509.Certificate) []byte {
	var b bytes.Buffer
	b.Write(efiCertX509[:])
	size := 16 + len(c.Raw)
	binary.Write(&b, binary.LittleEndian, [3]uint32{uint32(28 + size), 0, uint32(size)})
	b.Write(make([]byte, 16)) // signature owner
	b.Write(c.Raw)
	return b.Bytes()
}

// Measure extends each event's measurement into its PCR (SHA-256 bank) the
// way firmware would, and returns the matching event log
// (attest.EncodeEventLog). Use it once, on a fresh swtpm or simulator: the
// log replays only from reset PCRs.
func (d *Device) Measure(ctx context.Context, events []attest.BootEvent) ([]byte, error) {
	d.ch.setContext(ctx)
	defer d.ch.setContext(nil)
	for i, e := range events {
		if err := tpm2.PCRExtend(d.ch, tpmutil.Handle(e.PCR), tpm2.AlgSHA256, e.Measurement(), ""); err != nil {
			return nil, fmt.Errorf("extending PCR %d (event %d): %w", e.PCR, i, err)
		}
	}
	return attest.EncodeEventLog(events), nil
}

// ephemeralDBCert makes a throwaway self-signed "db" certificate.
func ephemeralDBCert(label string) *x509.Certificate {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: label + " db key"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<33, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		return nil
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	return c
}
