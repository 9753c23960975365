package collect

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/results"
)

// certTableEntrySize is an SEV-SNP certificate table entry: a GUID, then
// the certificate's offset and length (little-endian uint32s) in the table.
const certTableEntrySize = 24

// certGUIDs are the roles of the certificate table's GUIDs (AMD's GHCB
// specification, MSG_REPORT_REQ), in the byte order go-sev-guest reads and
// writes them (its abi.CertTable): the ASK's GUID also names an ASVK.
var certGUIDs = map[string]string{
	"63da758d-e664-4564-adc5-f4b93be8accd": "vcek",
	"a8074bc2-a25a-483e-aae6-39c045a0b8a1": "vlek",
	"4ab7b379-bbac-4fe4-a02f-05aef327c782": "ask",
	"c0b406a4-a803-4952-9743-3fb6014cd0ae": "ark",
}

// guidRole returns the role of a table entry's 16-byte GUID, "" for one
// this reader does not record.
func guidRole(g []byte) string {
	for s, role := range certGUIDs {
		b, _ := hex.DecodeString(strings.ReplaceAll(s, "-", "")) // constant: cannot fail
		if bytes.Equal(b, g) {
			return role
		}
	}
	return ""
}

// certTable reads an SEV-SNP certificate table (the extended report's,
// configfs-tsm's auxblob) into certificates by role: entries up to an
// all-zero one, each pointing after the entries and inside the table, as
// go-sev-guest's abi.CertTable reads it.
func certTable(blob []byte, from string) ([]results.TEECert, error) {
	if len(blob) == 0 {
		return nil, nil
	}
	type entry struct {
		guid        []byte
		off, length uint32
	}
	var entries []entry
	end := 0
	for {
		if len(blob)-end < certTableEntrySize {
			return nil, fmt.Errorf("reading the SEV-SNP certificate table: entry %d is cut short (%d bytes)", len(entries), len(blob)-end)
		}
		e := blob[end : end+certTableEntrySize]
		end += certTableEntrySize
		next := entry{guid: e[:16], off: binary.LittleEndian.Uint32(e[16:20]), length: binary.LittleEndian.Uint32(e[20:24])}
		if next.off == 0 && next.length == 0 && bytes.Equal(next.guid, make([]byte, 16)) {
			break
		}
		entries = append(entries, next)
	}
	byRole := map[string][]byte{}
	for i, e := range entries {
		if e.off < uint32(end) || uint64(e.off)+uint64(e.length) > uint64(len(blob)) {
			return nil, fmt.Errorf("reading the SEV-SNP certificate table: entry %d (offset %d, length %d) lies outside the %d-byte certificate data", i, e.off, e.length, len(blob))
		}
		if role := guidRole(e.guid); role != "" {
			byRole[role] = blob[e.off : e.off+e.length] // a later entry for a role wins, as in go-sev-guest
		}
	}
	var out []results.TEECert
	for _, role := range []string{"vcek", "vlek", "ask", "ark"} {
		if der := byRole[role]; len(der) > 0 {
			out = append(out, results.TEECert{Role: role, DER: bytes.Clone(der), From: from})
		}
	}
	return out, nil
}

// snpCerts completes the report's certificates from the cache; fetching
// what is still missing is the auditor's (attest/tee/fetch).
func snpCerts(req Request, d *results.TEEDetails) error {
	if req.CertCache == "" {
		return nil
	}
	cached, err := fromCache(req.CertCache, d.Certs)
	if err != nil {
		return err
	}
	d.Certs = append(d.Certs, cached...)
	return nil
}

// fromCache reads the certificates a cache directory holds for roles the
// evidence lacks: <role>.der|pem|crt, or cert_chain.pem (ASK then ARK, as
// AMD's KDS serves it).
func fromCache(dir string, have []results.TEECert) ([]results.TEECert, error) {
	var out []results.TEECert
	add := func(role string, der []byte, file string) {
		if !results.HasCertRole(have, role) && !results.HasCertRole(out, role) {
			out = append(out, results.TEECert{Role: role, DER: der, From: "cache " + file})
		}
	}
	for _, role := range []string{"vcek", "vlek", "ask", "asvk", "ark", "cert_chain"} {
		for _, ext := range []string{".der", ".pem", ".crt"} {
			file := filepath.Join(dir, role+ext)
			b, err := os.ReadFile(file)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("reading certificate cache: %w", err)
			}
			certs, err := attest.ParseCertificates(b)
			if err != nil {
				return nil, fmt.Errorf("reading certificate cache %s: %w", file, err)
			}
			if role == "cert_chain" {
				if len(certs) != 2 {
					return nil, fmt.Errorf("reading certificate cache %s: %d certificates, want the ASK and the ARK", file, len(certs))
				}
				add("ask", certs[0].Raw, file)
				add("ark", certs[1].Raw, file)
				continue
			}
			add(role, certs[0].Raw, file)
		}
	}
	return out, nil
}
