package attest

import (
	"encoding/binary"
	"fmt"
	"unicode/utf16"

	ga "github.com/google/go-attestation/attest"
)

// The guard against GO-2026-5298. go-attestation v0.6.4 (the newest served
// version) reads EFI_SIGNATURE_LISTs in ParseSecurebootState so that entries
// need not tile their list: a crafted PK, KEK, db or dbx variable in a
// submitted event log makes it read bytes of a neighbouring list as hashes
// or certificates that no firmware saw (hash injection). The event data is
// measured, so the log still replays; the parser differential is the attack.
// checkSignatureLists refuses such a log before go-attestation sees it: every
// list must be exactly what the UEFI specification (§32.4.1) defines and
// firmware reads.

// EFI_SIGNATURE_LIST header: SignatureType (GUID), SignatureListSize,
// SignatureHeaderSize, SignatureSize.
const (
	efiGUIDLen     = 16
	efiListHdrLen  = efiGUIDLen + 3*4
	efiSHA256Entry = efiGUIDLen + 32
	// efiMaxVarData bounds a variable's data (go-attestation's own bound).
	efiMaxVarData = 1 << 20
)

// efiCertSHA256 is EFI_CERT_SHA256_GUID as it appears on the wire.
var efiCertSHA256 = [16]byte{0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28}

// signatureDBs are the PCR 7 variables ParseSecurebootState reads as
// signature lists.
var signatureDBs = map[string]bool{"PK": true, "KEK": true, "db": true, "dbx": true}

// SignatureListError says a secure-boot variable in an event log holds an
// EFI_SIGNATURE_LIST that firmware would not read the way go-attestation
// does (GO-2026-5298); the secure-boot state is then left unknown.
type SignatureListError struct {
	Variable string
	Offset   int // of the offending list in the variable's data
	Reason   string
}

func (e *SignatureListError) Error() string {
	return fmt.Sprintf("malformed EFI signature list in %s at byte %d: %s (refused before parsing, GO-2026-5298)", e.Variable, e.Offset, e.Reason)
}

// checkSignatureLists validates every PK/KEK/db/dbx variable measured into
// PCR 7 as a driver-config event.
func checkSignatureLists(events []ga.Event) error {
	for _, e := range events {
		if e.Index != 7 || uint32(e.Type) != EvEFIVariableDriverConfig {
			continue
		}
		name, data, ok := efiVariable(e.Data)
		if !ok || !signatureDBs[name] {
			continue // go-attestation refuses what does not parse
		}
		if err := checkSignatureList(name, data); err != nil {
			return err
		}
	}
	return nil
}

// efiVariable splits UEFI_VARIABLE_DATA into the name and the data.
func efiVariable(b []byte) (string, []byte, bool) {
	if len(b) < efiGUIDLen+16 {
		return "", nil, false
	}
	nameLen := binary.LittleEndian.Uint64(b[16:])
	dataLen := binary.LittleEndian.Uint64(b[24:])
	rest := b[32:]
	if nameLen > uint64(len(rest))/2 || dataLen > efiMaxVarData || dataLen > uint64(len(rest))-2*nameLen {
		return "", nil, false
	}
	u := make([]uint16, nameLen)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(rest[2*i:])
	}
	off := 2 * nameLen
	return string(utf16.Decode(u)), rest[off : off+dataLen], true
}

// checkSignatureList checks that data is a sequence of EFI_SIGNATURE_LISTs
// that tile it exactly, each with no vendor header and entries that tile its
// body, SHA-256 entries of exactly 48 bytes.
func checkSignatureList(name string, data []byte) error {
	for off := 0; off < len(data); {
		bad := func(format string, a ...any) error {
			return &SignatureListError{Variable: name, Offset: off, Reason: fmt.Sprintf(format, a...)}
		}
		if len(data)-off < efiListHdrLen {
			return bad("%d bytes left, a list header needs %d", len(data)-off, efiListHdrLen)
		}
		h := data[off:]
		listSize := int64(binary.LittleEndian.Uint32(h[16:]))
		hdrSize := binary.LittleEndian.Uint32(h[20:])
		sigSize := int64(binary.LittleEndian.Uint32(h[24:]))
		switch {
		case listSize < efiListHdrLen || listSize > int64(len(data)-off):
			return bad("SignatureListSize %d outside [%d, %d]", listSize, efiListHdrLen, len(data)-off)
		case hdrSize != 0:
			return bad("SignatureHeaderSize %d: no signature type defines a header", hdrSize)
		case sigSize < efiGUIDLen:
			return bad("SignatureSize %d is shorter than the owner GUID", sigSize)
		case (listSize-efiListHdrLen)%sigSize != 0:
			return bad("entries of %d bytes do not tile the %d-byte body", sigSize, listSize-efiListHdrLen)
		case [16]byte(h[:16]) == efiCertSHA256 && sigSize != efiSHA256Entry:
			return bad("SHA-256 entries of %d bytes, want %d", sigSize, efiSHA256Entry)
		}
		off += int(listSize)
	}
	return nil
}
