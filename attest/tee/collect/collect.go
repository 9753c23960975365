package collect

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/google/go-configfs-tsm/configfs/configfsi"
	"github.com/google/go-configfs-tsm/configfs/linuxtsm"
	"github.com/google/go-configfs-tsm/report"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/results"
)

// Interfaces a report can come from (Request.Interface).
const (
	Auto      = ""
	ConfigFS  = "configfs-tsm"
	SEVGuest  = "sev-guest"
	TDXGuest  = "tdx-guest"
	LabSigner = "lab-fixture"
)

// ConfigFSPath is where the kernel's configfs-tsm report interface lives.
const ConfigFSPath = "/sys/kernel/config/tsm/report"

// Request says where to collect from and where to find certificates.
type Request struct {
	// Interface is Auto (configfs-tsm if the kernel has it, else
	// /dev/sev-guest, else /dev/tdx_guest), one of them by name, or
	// LabSigner with SignerDir.
	Interface string
	// SignerDir is the lab's stand-in for the CPU: a directory holding
	// StandInFile (attest/tee/testsign writes it).
	SignerDir string
	// CertCache is a directory of SEV-SNP certificates (vcek.der or
	// vcek.pem, vlek.*, ask.pem, asvk.pem, ark.pem, or a KDS cert_chain.pem)
	// used when the extended report carries none.
	CertCache string
}

// ReportData is the REPORT_DATA a report binds: attest.QuoteNonce
// (SHA-256(verifier nonce ‖ evidence digest)) followed by 32 zero bytes,
// as attest/tee verifies it.
func ReportData(verifierNonce, evidenceDigest []byte) [64]byte {
	var out [64]byte
	copy(out[:], attest.QuoteNonce(verifierNonce, evidenceDigest))
	return out
}

// ErrNoTEE says no TEE interface exists on this host.
var ErrNoTEE = errors.New("no TEE interface: no configfs-tsm report provider, /dev/sev-guest or /dev/tdx_guest")

// Collect asks the TEE for a report carrying reportData and returns it with
// the certificates the host has: the extended report's, else the cache's.
// Fetching what is still missing is the auditor's (attest/tee/fetch). The
// evidence is unverified; Source and TestSigned say where it came from.
func Collect(ctx context.Context, req Request, reportData [64]byte) (*results.TEEDetails, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d, err := raw(req, reportData)
	if err != nil {
		return nil, err
	}
	if d.Kind == results.TEESEVSNP {
		err = snpCerts(req, d)
	}
	return d, err
}

// raw gets the report itself from the chosen interface.
func raw(req Request, rd [64]byte) (*results.TEEDetails, error) {
	switch req.Interface {
	case LabSigner:
		c, err := newLabTSM(req.SignerDir)
		if err != nil {
			return nil, err
		}
		d, err := fromConfigFS(c, rd)
		if d != nil {
			d.Source, d.TestSigned = LabSigner, true
		}
		return d, err
	case ConfigFS:
		return realConfigFS(rd)
	case SEVGuest:
		return sevGuest(rd)
	case TDXGuest:
		return tdxGuest(rd)
	case Auto:
		if _, err := os.Stat(ConfigFSPath); err == nil {
			return realConfigFS(rd)
		}
		if _, err := os.Stat(sevGuestPath); err == nil {
			return sevGuest(rd)
		}
		if _, err := os.Stat(tdxGuestPath); err == nil {
			return tdxGuest(rd)
		}
		return nil, ErrNoTEE
	}
	return nil, fmt.Errorf("unknown TEE interface %q", req.Interface)
}

func realConfigFS(rd [64]byte) (*results.TEEDetails, error) {
	c, err := linuxtsm.MakeClient()
	if err != nil {
		return nil, fmt.Errorf("opening configfs-tsm: %w", err)
	}
	return fromConfigFS(c, rd)
}

// fromConfigFS makes a configfs-tsm report: the provider attribute says
// which TEE answered, outblob is the report or quote, auxblob the SEV-SNP
// certificate table.
func fromConfigFS(c configfsi.Client, rd [64]byte) (*results.TEEDetails, error) {
	resp, err := report.Get(c, &report.Request{InBlob: rd[:], GetAuxBlob: true})
	if err != nil {
		return nil, fmt.Errorf("getting a configfs-tsm report: %w", err)
	}
	d := &results.TEEDetails{Source: ConfigFS, Provider: trim(resp.Provider), Report: resp.OutBlob}
	switch d.Provider {
	case "sev_guest":
		d.Kind = results.TEESEVSNP
		d.Certs, err = certTable(resp.AuxBlob, "extended report")
	case "tdx_guest":
		d.Kind = results.TEETDX
	default:
		err = fmt.Errorf("configfs-tsm provider %q is neither sev_guest nor tdx_guest", d.Provider)
	}
	return d, err
}

func trim(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == 0) {
		s = s[:len(s)-1]
	}
	return s
}
