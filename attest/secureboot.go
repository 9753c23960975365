package attest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// The secure-boot state, read from the replayed events themselves (the
// events fastReplay already parsed) instead of go-attestation's
// ParseSecurebootState, which parses every certificate of PK, KEK, db and
// an authority with crypto/x509 (about 340 µs on a real firmware log, ten
// times the quote's signature check) and has GO-2026-5298. Only the facts
// the verdict needs are read, with go-attestation's rules for them:
//
//   - PCR 7 holds only separators, EFI actions, driver-config variables and
//     authorities; a "UEFI Debug Mode" action makes the state unknown;
//   - each variable appears once, before the separator; SecureBoot is one
//     byte; PK, KEK, db and dbx are signature lists that tile exactly
//     (checkSignatureList), of X.509 or SHA-256 entries only, each X.509
//     entry one DER SEQUENCE;
//   - enabled needs an authority event and non-empty PK, KEK and db.
//
// The digests of separators, driver-config variables and EFI actions were
// checked against their data by the replay (dataDigestEvents); authority
// digests are checked here. What is not read: the certificates' contents
// (a verdict never rests on them) and PCR 2's driver-source hints.

// EFI_CERT_X509_GUID and the shim-lock vendor GUID as they appear on the wire.
var (
	efiCertX509  = [16]byte{0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72}
	shimLockGUID = [16]byte{0x50, 0xab, 0x5d, 0x60, 0x46, 0xe0, 0x00, 0x43, 0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23}
)

// sbScan is the state of one pass over PCR 7.
type sbScan struct {
	sep, authority, enabled bool
	seen                    map[string]bool
	entries                 map[string]int // signature entries of PK, KEK, db, dbx
}

// secureBootOf reads the secure-boot state from the replayed events.
func secureBootOf(events []logEvent) SecureBoot {
	s := sbScan{seen: map[string]bool{}, entries: map[string]int{}}
	for i, e := range events {
		if e.pcr != 7 {
			continue
		}
		if err := s.event(e); err != nil {
			return SecureBoot{Reason: fmt.Sprintf("PCR 7 event %d: %v", i+1, err)}
		}
	}
	if !s.enabled {
		return SecureBoot{Known: true}
	}
	switch {
	case !s.authority:
		return SecureBoot{Reason: "secure boot was enabled but no key was used"}
	case s.entries["PK"] == 0, s.entries["KEK"] == 0, s.entries["db"] == 0:
		return SecureBoot{Reason: "secure boot was enabled but PK, KEK or db is empty"}
	}
	return SecureBoot{Known: true, Enabled: true}
}

func (s *sbScan) event(e logEvent) error {
	switch e.typ {
	case EvSeparator:
		if s.sep {
			return errors.New("a second separator")
		}
		s.sep = true
		if !bytes.Equal(e.data, []byte{0, 0, 0, 0}) {
			return fmt.Errorf("separator data %x", e.data)
		}
	case EvEFIAction:
		switch string(e.data) {
		case "UEFI Debug Mode":
			return errors.New("a UEFI debugger was present during boot")
		case "DMA Protection Disabled":
		default:
			return errors.New("unexpected EFI action")
		}
	case EvEFIVariableDriverConfig:
		return s.variable(e.data)
	case EvEFIVariableAuthority:
		if err := checkAuthority(e.data, e.digest); err != nil {
			return err
		}
		s.authority = true
	default:
		return fmt.Errorf("unexpected event type 0x%x", e.typ)
	}
	return nil
}

// variable reads one driver-config variable.
func (s *sbScan) variable(raw []byte) error {
	name, data, ok := efiVariable(raw)
	if !ok {
		return errors.New("EFI variable does not parse")
	}
	if s.seen[name] {
		return fmt.Errorf("variable %q measured twice", name)
	}
	s.seen[name] = true
	if s.sep {
		return fmt.Errorf("variable %q measured after the separator", name)
	}
	switch name {
	case "SecureBoot":
		if len(data) != 1 {
			return fmt.Errorf("SecureBoot is %d bytes, want 1", len(data))
		}
		s.enabled = data[0] == 1
	case "PK", "KEK", "db", "dbx":
		n, err := signatureEntries(name, data)
		if err != nil {
			return err
		}
		s.entries[name] = n
	}
	return nil
}

// signatureEntries checks a signature database (checkSignatureList, then
// X.509 or SHA-256 entries only, each X.509 entry one DER SEQUENCE) and
// counts its entries.
func signatureEntries(name string, data []byte) (int, error) {
	if err := checkSignatureList(name, data); err != nil {
		return 0, err
	}
	n := 0
	for off := 0; off < len(data); {
		size := int(binary.LittleEndian.Uint32(data[off+16:]))
		sig := int(binary.LittleEndian.Uint32(data[off+24:]))
		switch typ := [16]byte(data[off : off+16]); typ {
		case efiCertSHA256:
		case efiCertX509:
			for e := off + efiListHdrLen; e < off+size; e += sig {
				if !isDERSequence(data[e+efiGUIDLen : e+sig]) {
					return 0, &SignatureListError{Variable: name, Offset: off, Reason: "an X.509 entry is not one DER SEQUENCE"}
				}
			}
		default:
			return 0, &SignatureListError{Variable: name, Offset: off, Reason: fmt.Sprintf("signature type %x is not X.509 or SHA-256", typ)}
		}
		n += (size - efiListHdrLen) / sig
		off += size
	}
	return n, nil
}

// checkAuthority checks an EFI_VARIABLE_AUTHORITY event: its digest, and
// that it holds one certificate (EFI_SIGNATURE_DATA), or is one of shim's
// SbatLevel and MokListTrusted entries. Older shims log the certificate
// without its owner GUID and hash one byte too many; go-attestation
// accepts that, and so does this.
func checkAuthority(raw, digest []byte) error {
	name, data, ok := efiVariable(raw)
	if !ok {
		return errors.New("authority variable does not parse")
	}
	if [16]byte(raw[:16]) == shimLockGUID && (name == "SbatLevel" || name == "MokListTrusted") {
		return digestOf(raw, digest)
	}
	if len(data) >= efiGUIDLen && isDERSequence(data[efiGUIDLen:]) {
		return digestOf(raw, digest)
	}
	if isDERSequence(data) && len(raw) > 0 {
		if digestOf(raw, digest) == nil || digestOf(raw[:len(raw)-1], digest) == nil {
			return nil
		}
		return errors.New("authority data does not hash to its measured digest")
	}
	return errors.New("authority holds no certificate")
}

func digestOf(data, digest []byte) error {
	if sha256.Sum256(data) != [32]byte(digest) {
		return errors.New("authority data does not hash to its measured digest")
	}
	return nil
}

// isDERSequence reports whether b is exactly one DER SEQUENCE (tag and
// definite length spanning b): the shape crypto/x509 parses a certificate
// from, without parsing it.
func isDERSequence(b []byte) bool {
	if len(b) < 2 || b[0] != 0x30 {
		return false
	}
	l, hdr := int(b[1]), 2
	if l >= 0x80 {
		n := l & 0x7f
		if n == 0 || n > 3 || len(b) < 2+n {
			return false
		}
		l = 0
		for _, c := range b[2 : 2+n] {
			l = l<<8 | int(c)
		}
		if l < 0x80 || (n > 1 && b[2] == 0) { // not the shortest form
			return false
		}
		hdr += n
	}
	return hdr+l == len(b)
}
