package collect

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	"github.com/google/go-sev-guest/verify"

	"github.com/sovbench/sovbench/attest"
	"github.com/sovbench/sovbench/results"
)

// certTable reads an SEV-SNP certificate table (the extended report's,
// configfs-tsm's auxblob) into certificates by role.
func certTable(blob []byte, from string) ([]results.TEECert, error) {
	if len(blob) == 0 {
		return nil, nil
	}
	var t abi.CertTable
	if err := t.Unmarshal(blob); err != nil {
		return nil, fmt.Errorf("reading the SEV-SNP certificate table: %w", err)
	}
	c := t.Proto()
	var out []results.TEECert
	for _, e := range []struct {
		role string
		der  []byte
	}{{"vcek", c.GetVcekCert()}, {"vlek", c.GetVlekCert()}, {"ask", c.GetAskCert()}, {"ark", c.GetArkCert()}} {
		if len(e.der) > 0 {
			out = append(out, results.TEECert{Role: e.role, DER: e.der, From: from})
		}
	}
	return out, nil
}

func has(certs []results.TEECert, roles ...string) bool {
	for _, c := range certs {
		for _, r := range roles {
			if c.Role == r {
				return true
			}
		}
	}
	return false
}

// snpCerts completes the report's certificates: the extended report's,
// then the cache, then (Request.Fetch only) AMD's KDS.
func snpCerts(ctx context.Context, req Request, d *results.TEEDetails) error {
	if req.CertCache != "" {
		cached, err := fromCache(req.CertCache, d.Certs)
		if err != nil {
			return err
		}
		d.Certs = append(d.Certs, cached...)
	}
	if has(d.Certs, "vcek", "vlek") && has(d.Certs, "ask", "asvk") && has(d.Certs, "ark") {
		return nil
	}
	if req.Fetch == nil {
		return nil // the verifier will say which certificate is missing
	}
	return fetchKDS(ctx, req, d)
}

// fromCache reads the certificates a cache directory holds for roles the
// evidence lacks: <role>.der|pem|crt, or cert_chain.pem (ASK then ARK, as
// AMD's KDS serves it).
func fromCache(dir string, have []results.TEECert) ([]results.TEECert, error) {
	var out []results.TEECert
	add := func(role string, der []byte, file string) {
		if !has(have, role) && !has(out, role) {
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

// fetchKDS asks AMD's KDS for the VCEK the report names (by chip and TCB)
// and its ASK and ARK, through go-sev-guest with a recording getter. A VLEK
// cannot be fetched: the cloud provider must supply it.
func fetchKDS(ctx context.Context, req Request, d *results.TEEDetails) error {
	rep, err := abi.ReportToProto(d.Report)
	if err != nil {
		return fmt.Errorf("reading the report to fetch its VCEK: %w", err)
	}
	g := &sevGetter{f: newFetcher(req)}
	att, err := verify.GetAttestationFromReportContext(ctx, rep, &verify.Options{Getter: g, Now: time.Now()})
	if err != nil {
		return fmt.Errorf("fetching the VCEK chain from AMD KDS: %w", err)
	}
	c := att.GetCertificateChain()
	for _, e := range []struct {
		role string
		der  []byte
	}{{"vcek", c.GetVcekCert()}, {"ask", c.GetAskCert()}, {"ark", c.GetArkCert()}} {
		if len(e.der) > 0 && !has(d.Certs, e.role) {
			if _, err := x509.ParseCertificate(e.der); err != nil {
				return fmt.Errorf("AMD KDS sent a %s that does not parse: %w", e.role, err)
			}
			d.Certs = append(d.Certs, results.TEECert{Role: e.role, DER: e.der, From: "AMD KDS " + kds.ProductLine(att.GetProduct())})
		}
	}
	return nil
}
