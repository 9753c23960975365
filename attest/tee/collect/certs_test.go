package collect

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/google/go-sev-guest/abi"
	"github.com/google/uuid"

	"github.com/sovbench/sovbench/results"
)

// goSevGuest is what go-sev-guest makes of a certificate table (abi.CertTable
// and its Proto), in this package's roles and order.
func goSevGuest(t *testing.T, blob []byte) ([]results.TEECert, error) {
	var ct abi.CertTable
	if err := ct.Unmarshal(blob); err != nil {
		return nil, err
	}
	c := ct.Proto()
	var out []results.TEECert
	for _, e := range []struct {
		role string
		der  []byte
	}{{"vcek", c.GetVcekCert()}, {"vlek", c.GetVlekCert()}, {"ask", c.GetAskCert()}, {"ark", c.GetArkCert()}} {
		if len(e.der) > 0 {
			out = append(out, results.TEECert{Role: e.role, DER: e.der, From: "t"})
		}
	}
	return out, nil
}

// TestCertTableAgreesWithGoSevGuest: the in-house reader makes of a table
// what go-sev-guest does, for tables go-sev-guest writes (every role, an
// unknown GUID, a role twice) and for broken ones (both refuse).
func TestCertTableAgreesWithGoSevGuest(t *testing.T) {
	e := func(guid string, b ...byte) abi.CertTableEntry {
		return abi.CertTableEntry{GUID: uuid.MustParse(guid), RawCert: b}
	}
	tables := map[string][]byte{"empty": nil}
	for name, entries := range map[string][]abi.CertTableEntry{
		"vcek chain":   {e(abi.VcekGUID, 1, 2), e(abi.AskGUID, 3), e(abi.ArkGUID, 4, 5, 6)},
		"vlek chain":   {e(abi.ArkGUID, 4), e(abi.VlekGUID, 7, 7), e(abi.AskGUID, 3)},
		"extra entry":  {e(abi.VcekGUID, 1), e(abi.ExtraPlatformInfoGUID, 9, 9, 9)},
		"role twice":   {e(abi.VcekGUID, 1), e(abi.VcekGUID, 2)},
		"empty entry":  {e(abi.VcekGUID), e(abi.AskGUID, 3)},
		"only unknown": {e("11111111-2222-3333-4444-555555555555", 1)},
	} {
		tables[name] = (&abi.CertTable{Entries: entries}).Marshal()
	}
	good := tables["vcek chain"]
	tables["cut short"] = good[:30]
	outside := bytes.Clone(good)
	binary.LittleEndian.PutUint32(outside[20:24], 1000) // the first entry's length
	tables["outside"] = outside
	before := bytes.Clone(good)
	binary.LittleEndian.PutUint32(before[16:20], 8) // the first entry's offset, inside the entries
	tables["offset into entries"] = before
	for name, blob := range tables {
		want, wantErr := goSevGuest(t, blob)
		got, err := certTable(blob, "t")
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%s: error %v, go-sev-guest's %v", name, err, wantErr)
			continue
		}
		if len(got) != len(want) {
			t.Errorf("%s: %+v, go-sev-guest's %+v", name, got, want)
			continue
		}
		for i := range got {
			if got[i].Role != want[i].Role || !bytes.Equal(got[i].DER, want[i].DER) {
				t.Errorf("%s: certificate %d is %s %x, go-sev-guest's %s %x", name, i, got[i].Role, got[i].DER, want[i].Role, want[i].DER)
			}
		}
	}
}
