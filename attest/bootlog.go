package attest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"fmt"
	"math/big"
	"time"
	"unicode/utf16"

	"github.com/google/go-tpm/legacy/tpm2"
	"github.com/google/go-tpm/tpmutil"
)

// TCG event types used by BootProfile (PC Client Platform Firmware Profile).
const (
	EvNoAction                       = 0x00000003
	EvSeparator                      = 0x00000004
	EvSCRTMVersion                   = 0x00000008
	EvEFIVariableDriverConfig        = 0x80000001
	EvEFIAction                      = 0x80000007
	EvEFIBootServicesApp             = 0x80000003
	EvEFIVariableAuthority           = 0x800000e0
	evSpecIDSignature                = "Spec ID Event03\x00"
	algSHA256                 uint16 = 0x000b
)

// EFI variable GUIDs as they appear in UEFI_VARIABLE_DATA (little-endian
// fields).
var (
	efiGlobalVariable = [16]byte{0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c}
	efiCertX509       = [16]byte{0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72}
	efiImageSecurity  = [16]byte{0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45, 0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f}
)

// BootEvent is one measurement: Digest (SHA-256 of Data unless set) is
// extended into PCR and logged with Type and Data.
type BootEvent struct {
	PCR    int
	Type   uint32
	Data   []byte
	Digest []byte
}

func (e BootEvent) digest() []byte {
	if e.Digest != nil {
		return e.Digest
	}
	s := sha256.Sum256(e.Data)
	return s[:]
}

// EFIVariable encodes UEFI_VARIABLE_DATA.
func EFIVariable(guid [16]byte, name string, data []byte) []byte {
	u := utf16.Encode([]rune(name))
	var b bytes.Buffer
	b.Write(guid[:])
	binary.Write(&b, binary.LittleEndian, uint64(len(u)))
	binary.Write(&b, binary.LittleEndian, uint64(len(data)))
	binary.Write(&b, binary.LittleEndian, u)
	b.Write(data)
	return b.Bytes()
}

// BootProfile is a minimal UEFI measured boot: the S-CRTM version in PCR 0,
// the secure-boot variables in PCR 7 and separators in PCRs 0-7. The lab and
// the tests play it into a swtpm or the simulator (Measure) to get an event
// log that replays against real quoted PCRs. label ends up in the S-CRTM
// version string. With secure boot on, authority is the db certificate
// logged as having verified the boot loader (go-attestation reports secure
// boot as unknown when no key was used); nil makes a throwaway one.
func BootProfile(label string, secureBoot bool, authority *x509.Certificate) []BootEvent {
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
	ev := []BootEvent{
		{PCR: 0, Type: EvSCRTMVersion, Data: cb.Bytes()},
		{PCR: 7, Type: EvEFIVariableDriverConfig, Data: EFIVariable(efiGlobalVariable, "SecureBoot", []byte{sb})},
		{PCR: 7, Type: EvEFIVariableDriverConfig, Data: EFIVariable(efiGlobalVariable, "PK", keys)},
		{PCR: 7, Type: EvEFIVariableDriverConfig, Data: EFIVariable(efiGlobalVariable, "KEK", keys)},
		{PCR: 7, Type: EvEFIVariableDriverConfig, Data: EFIVariable(efiImageSecurity, "db", keys)},
		{PCR: 7, Type: EvEFIVariableDriverConfig, Data: EFIVariable(efiImageSecurity, "dbx", nil)},
	}
	for pcr := 0; pcr <= 7; pcr++ {
		ev = append(ev, BootEvent{PCR: pcr, Type: EvSeparator, Data: []byte{0, 0, 0, 0}})
	}
	if secureBoot && authority != nil {
		// The db key that verified the boot loader, measured after the
		// separator as firmware does when secure boot is on.
		owner := make([]byte, 16)
		ev = append(ev, BootEvent{PCR: 7, Type: EvEFIVariableAuthority, Data: EFIVariable(efiImageSecurity, "db", append(owner, authority.Raw...))})
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

// EncodeEventLog writes events as a crypto-agile TCG event log with one
// SHA-256 bank.
func EncodeEventLog(events []BootEvent) []byte {
	var spec bytes.Buffer
	spec.WriteString(evSpecIDSignature)
	binary.Write(&spec, binary.LittleEndian, struct {
		Class                uint32
		Minor, Major, Errata uint8
		UintnSize            uint8
		NumAlgs              uint32
		Alg, Size            uint16
		VendorInfoSize       uint8
	}{UintnSize: 2, Major: 2, NumAlgs: 1, Alg: algSHA256, Size: sha256.Size})
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, [2]uint32{0, EvNoAction})
	b.Write(make([]byte, 20))
	binary.Write(&b, binary.LittleEndian, uint32(spec.Len()))
	b.Write(spec.Bytes())
	for _, e := range events {
		binary.Write(&b, binary.LittleEndian, [3]uint32{uint32(e.PCR), e.Type, 1})
		binary.Write(&b, binary.LittleEndian, algSHA256)
		b.Write(e.digest())
		binary.Write(&b, binary.LittleEndian, uint32(len(e.Data)))
		b.Write(e.Data)
	}
	return b.Bytes()
}

// Measure extends each event's digest into its PCR (SHA-256 bank) the way
// firmware would, and returns the matching event log. Use it once, on a
// fresh swtpm or simulator: the log replays only from reset PCRs.
func (d *Device) Measure(ctx context.Context, events []BootEvent) ([]byte, error) {
	d.ch.setContext(ctx)
	defer d.ch.setContext(nil)
	for i, e := range events {
		if err := tpm2.PCRExtend(d.ch, tpmutil.Handle(e.PCR), tpm2.AlgSHA256, e.digest(), ""); err != nil {
			return nil, fmt.Errorf("extending PCR %d (event %d): %w", e.PCR, i, err)
		}
	}
	return EncodeEventLog(events), nil
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
