package attest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"unicode/utf16"
)

// TCG event types (PC Client Platform Firmware Profile) that the replay and
// the synthetic boot profiles (collect.BootProfile) use.
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

// BootEvent is one measurement: Measurement() (Digest, or SHA-256 of Data
// when Digest is unset) is extended into PCR and logged with Type and Data.
type BootEvent struct {
	PCR    int
	Type   uint32
	Data   []byte
	Digest []byte
}

// Measurement is the SHA-256 digest extended into the PCR: Digest when set,
// else the hash of Data.
func (e BootEvent) Measurement() []byte {
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

// EncodeEventLog writes events as a crypto-agile TCG event log with one
// SHA-256 bank: the inverse of EventsFromLog. Tests of the replay and the
// collector's Measure use it.
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
		b.Write(e.Measurement())
		binary.Write(&b, binary.LittleEndian, uint32(len(e.Data)))
		b.Write(e.Data)
	}
	return b.Bytes()
}
