package attest_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	ga "github.com/google/go-attestation/attest"

	. "github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/attest/collect"
	"github.com/sovbench/sovbench/attest/collect/collecttest"
)

var (
	imageSecurityGUID = [16]byte{0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45, 0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f}
	certSHA256GUID    = [16]byte{0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28}
)

// sigList encodes one EFI_SIGNATURE_LIST header followed by body.
func sigList(typ [16]byte, listSize, hdrSize, sigSize uint32, body []byte) []byte {
	var b bytes.Buffer
	b.Write(typ[:])
	binary.Write(&b, binary.LittleEndian, [3]uint32{listSize, hdrSize, sigSize})
	b.Write(body)
	return b.Bytes()
}

// injectingDBX is a dbx whose one SHA-256 list declares 24 bytes more than
// one entry: firmware reads one forbidden hash (0xAA…) and stops, while
// go-attestation v0.6.4 reads a second 48-byte entry out of the list's tail
// and the 24 bytes after it, a hash (0xEE…) that no firmware saw.
func injectingDBX() []byte {
	entry := append(make([]byte, 16), bytes.Repeat([]byte{0xAA}, 32)...)
	tail := bytes.Repeat([]byte{0xEE}, 24)
	return append(sigList(certSHA256GUID, 28+48+24, 0, 48, append(entry, tail...)), tail...)
}

func bootWithDBX(t testing.TB, dbx []byte) []BootEvent {
	ev := collect.BootProfile("crafted firmware", true, dbCert(t))
	for i, e := range ev {
		if e.PCR == 7 && e.Type == EvEFIVariableDriverConfig && bytes.Contains(e.Data, []byte{'d', 0, 'b', 0, 'x', 0}) {
			ev[i].Data = EFIVariable(imageSecurityGUID, "dbx", dbx)
			return ev
		}
	}
	t.Fatal("the boot profile has no dbx event")
	return nil
}

// GO-2026-5298: a crafted dbx in a log that really replays against the
// quoted PCRs. go-attestation alone reads a forbidden hash that firmware
// never saw; Verify refuses the list before go-attestation parses it and
// leaves the secure-boot state unknown, saying why.
func TestCraftedSignatureListIsRefused(t *testing.T) {
	req := request(t, "crafted dbx")
	d := collecttest.SimulatorBoot(t, req, bootWithDBX(t, injectingDBX()))
	injected := bytes.Repeat([]byte{0xEE}, 32)

	t.Run("go-attestation alone reads the injected hash (the advisory is real in this version)", func(t *testing.T) {
		el, err := ga.ParseEventLog(d.EventLog)
		if err != nil {
			t.Fatal(err)
		}
		sb, err := ga.ParseSecurebootState(el.Events(ga.HashSHA256))
		if err != nil {
			t.Skipf("go-attestation now refuses the crafted list (%v): a fixed version; the guard stays", err)
		}
		found := false
		for _, h := range sb.ForbiddenHashes {
			found = found || bytes.Equal(h, injected)
		}
		if !found {
			t.Skipf("go-attestation no longer injects (dbx hashes %x): a fixed version; the guard stays", sb.ForbiddenHashes)
		}
	})
	t.Run("Verify leaves secure boot unknown and names the malformed list", func(t *testing.T) {
		o := opts(req)
		o.AllowUnverifiedEK = true
		p, err := Verify(d, o)
		if err != nil {
			t.Fatal(err)
		}
		sb := p.Boot.SecureBoot()
		if sb.Known || !strings.Contains(sb.Reason, "dbx") || !strings.Contains(sb.Reason, "GO-2026-5298") {
			t.Errorf("secure boot %+v, want unknown with the dbx list named", sb)
		}
	})
	t.Run("the honest twin, a well-formed dbx, gives the state", func(t *testing.T) {
		entry := append(make([]byte, 16), bytes.Repeat([]byte{0xAA}, 32)...)
		req := request(t, "honest dbx")
		d := collecttest.SimulatorBoot(t, req, bootWithDBX(t, sigList(certSHA256GUID, 28+48, 0, 48, entry)))
		o := opts(req)
		o.AllowUnverifiedEK = true
		p, err := Verify(d, o)
		if err != nil {
			t.Fatal(err)
		}
		if sb := p.Boot.SecureBoot(); !sb.Known || !sb.Enabled {
			t.Errorf("secure boot %+v, want known and enabled", sb)
		}
	})
}

func TestCheckSignatureList(t *testing.T) {
	entry := append(make([]byte, 16), bytes.Repeat([]byte{1}, 32)...)
	ok := sigList(certSHA256GUID, 28+48, 0, 48, entry)
	for _, tc := range []struct {
		name string
		data []byte
		want string // "" accepted
	}{
		{"an empty variable is accepted", nil, ""},
		{"one list of one SHA-256 entry is accepted", ok, ""},
		{"two lists back to back are accepted", append(append([]byte{}, ok...), ok...), ""},
		{"entries that do not tile the list are refused", injectingDBX(), "do not tile"},
		{"a vendor header is refused", sigList(certSHA256GUID, 28+8+48, 8, 48, append(make([]byte, 8), entry...)), "SignatureHeaderSize 8"},
		{"a SHA-256 entry of another size is refused", sigList(certSHA256GUID, 28+64, 0, 64, make([]byte, 64)), "SHA-256 entries of 64 bytes"},
		{"a list longer than the variable is refused", sigList(certSHA256GUID, 28+96, 0, 48, entry), "outside"},
		{"a list shorter than its header is refused", sigList(certSHA256GUID, 4, 0, 48, nil), "outside"},
		{"an entry shorter than its owner GUID is refused", sigList(certSHA256GUID, 28, 0, 8, nil), "shorter than the owner GUID"},
		{"bytes after the last list are refused", append(append([]byte{}, ok...), 1, 2, 3), "3 bytes left"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckSignatureList("dbx", tc.data)
			var se *SignatureListError
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (!errors.As(err, &se) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want a *SignatureListError with %q", err, tc.want)
			}
		})
	}
}

func FuzzSignatureList(f *testing.F) {
	f.Add(injectingDBX())
	f.Add(sigList(certSHA256GUID, 28+48, 0, 48, make([]byte, 48)))
	f.Fuzz(func(t *testing.T, data []byte) {
		if CheckSignatureList("db", data) != nil {
			return
		}
		// An accepted variable is lists that tile it exactly.
		for off := 0; off < len(data); {
			size := int(binary.LittleEndian.Uint32(data[off+16:]))
			sig := int(binary.LittleEndian.Uint32(data[off+24:]))
			if size < 28 || (size-28)%sig != 0 || off+size > len(data) {
				t.Fatalf("accepted a list at %d that does not tile: size %d, entry %d", off, size, sig)
			}
			off += size
		}
	})
}
