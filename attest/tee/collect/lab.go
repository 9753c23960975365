package collect

import (
	"fmt"

	"github.com/google/go-configfs-tsm/configfs/configfsi"
	"github.com/google/go-configfs-tsm/configfs/faketsm"

	"github.com/sovbench/sovbench/attest/tee/testsign"
	"github.com/sovbench/sovbench/results"
)

// labTSM is a configfs-tsm stand-in whose provider is the lab's test
// signer: outblob is a report the signer makes for the written inblob,
// auxblob its certificate table, provider sev_guest or tdx_guest.
func labTSM(dir string) (configfsi.Client, error) {
	s, err := testsign.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("opening the lab's TEE test signer: %w", err)
	}
	sub := faketsm.ReportV7(0)
	sub.ReadAttr = func(e *faketsm.ReportEntry, attr string) ([]byte, error) {
		switch attr {
		case "provider":
			if s.Spec.Kind == results.TEETDX {
				return []byte("tdx_guest\n"), nil
			}
			return []byte("sev_guest\n"), nil
		case "auxblob":
			if s.Spec.Kind == results.TEETDX {
				return nil, nil
			}
			return s.CertTable(), nil
		case "outblob":
			var rd [64]byte
			if in, ok := e.InAttrs["inblob"]; ok {
				copy(rd[:], in.Value)
			}
			rep, _, err := s.Report(rd)
			return rep, err
		}
		return faketsm.ReportV7(0).ReadAttr(e, attr)
	}
	return &faketsm.Client{Subsystems: map[string]configfsi.Client{"report": sub}}, nil
}
