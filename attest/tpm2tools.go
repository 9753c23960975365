package attest

import (
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/sovbench/sovbench/results"
)

// Tpm2ToolsFiles are the files ExportTpm2Tools writes, relative to its dir.
const (
	Tpm2ToolsAK      = "ak.pem"
	Tpm2ToolsMessage = "quote.msg"
	Tpm2ToolsSig     = "quote.sig"
	Tpm2ToolsPCRs    = "pcrs.bin"
)

// ExportTpm2Tools writes quote i of d so that tpm2-tools can check it
// independently:
//
//	tpm2_checkquote -u ak.pem -m quote.msg -s quote.sig -f pcrs.bin -g sha256 -q <nonce>
//
// and returns the nonce as hex. The AK is written without being verified.
func ExportTpm2Tools(d *results.TPMDetails, i int, dir string) (string, error) {
	if i < 0 || i >= len(d.Quotes) {
		return "", fmt.Errorf("exporting quote %d: evidence has %d quotes", i, len(d.Quotes))
	}
	ak, err := checkAK(d)
	if err != nil {
		return "", fmt.Errorf("exporting quote %d: %w", i, err)
	}
	der, err := x509.MarshalPKIXPublicKey(ak.Public)
	if err != nil {
		return "", fmt.Errorf("exporting quote %d: %w", i, err)
	}
	files := map[string][]byte{
		Tpm2ToolsAK:      pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}),
		Tpm2ToolsMessage: d.Quotes[i].Quote,
		Tpm2ToolsSig:     d.Quotes[i].Signature,
		Tpm2ToolsPCRs:    Tpm2ToolsPCRFile(d.PCRs),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return "", fmt.Errorf("exporting quote %d: %w", i, err)
		}
	}
	return hex.EncodeToString(QuoteNonce(d.Nonce.Verifier, d.Nonce.EvidenceDigest)), nil
}

// Tpm2ToolsPCRFile encodes SHA-256 PCR values in tpm2-tools' serialized PCR
// file format (what tpm2_quote -o writes): a TPML_PCR_SELECTION, a count and
// TPML_DIGEST chunks of eight, as little-endian C structures. tpm2_checkquote
// mis-hashes more than eight values in its plain format, hence this one.
func Tpm2ToolsPCRFile(pcrs []results.TPMPCR) []byte {
	var sel [4]byte
	var vals [][]byte
	sorted := slices.Clone(pcrs)
	slices.SortFunc(sorted, func(a, b results.TPMPCR) int { return a.Index - b.Index })
	for _, p := range sorted {
		if p.Bank == "sha256" && p.Index >= 0 && p.Index < 24 {
			sel[p.Index/8] |= 1 << (p.Index % 8)
			vals = append(vals, p.Digest)
		}
	}
	const selSize, digestListSize = 4 + 16*8, 4 + 8*(2+64)
	chunks := (len(vals) + 7) / 8
	b := make([]byte, selSize+4+chunks*digestListSize)
	binary.LittleEndian.PutUint32(b[0:], 1)
	binary.LittleEndian.PutUint16(b[4:], 0x000b)
	b[6] = 3
	copy(b[7:10], sel[:3])
	binary.LittleEndian.PutUint32(b[selSize:], uint32(chunks))
	for c := 0; c < chunks; c++ {
		off := selSize + 4 + c*digestListSize
		part := vals[c*8 : min(len(vals), c*8+8)]
		binary.LittleEndian.PutUint32(b[off:], uint32(len(part)))
		for j, v := range part {
			o := off + 4 + j*66
			binary.LittleEndian.PutUint16(b[o:], uint16(len(v)))
			copy(b[o+2:o+66], v)
		}
	}
	return b
}
