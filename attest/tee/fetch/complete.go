package fetch

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-sev-guest/abi"
	"github.com/google/go-sev-guest/kds"
	"github.com/google/go-sev-guest/verify"

	"github.com/sovbench/sovbench/results"
)

// Complete fetches what d still lacks through client, each fetch bounded
// by timeout (10 s if not positive): an SEV-SNP report's VCEK chain from
// AMD's KDS unless d already carries a signing key's certificate, its
// intermediate and the ARK; a TDX quote's Intel PCS collateral. Whether
// any of it verifies is the verifier's call.
func Complete(ctx context.Context, d *results.TEEDetails, client *http.Client, timeout time.Duration) error {
	f := newFetcher(client, timeout)
	switch d.Kind {
	case results.TEESEVSNP:
		if results.HasCertRole(d.Certs, "vcek", "vlek") && results.HasCertRole(d.Certs, "ask", "asvk") && results.HasCertRole(d.Certs, "ark") {
			return nil
		}
		return fetchKDS(ctx, f, d)
	case results.TEETDX:
		col, err := tdxCollateral(ctx, f, d.Report)
		d.Collateral = col
		return err
	}
	return fmt.Errorf("fetching collateral: unknown TEE kind %q", d.Kind)
}

// fetchKDS asks AMD's KDS for the VCEK the report names (by chip and TCB)
// and its ASK and ARK, through go-sev-guest with a recording getter. A VLEK
// cannot be fetched: the cloud provider must supply it.
func fetchKDS(ctx context.Context, f *fetcher, d *results.TEEDetails) error {
	rep, err := abi.ReportToProto(d.Report)
	if err != nil {
		return fmt.Errorf("reading the report to fetch its VCEK: %w", err)
	}
	g := &sevGetter{f: f}
	att, err := verify.GetAttestationFromReportContext(ctx, rep, &verify.Options{Getter: g, Now: time.Now()})
	if err != nil {
		return fmt.Errorf("fetching the VCEK chain from AMD KDS: %w", err)
	}
	c := att.GetCertificateChain()
	for _, e := range []struct {
		role string
		der  []byte
	}{{"vcek", c.GetVcekCert()}, {"ask", c.GetAskCert()}, {"ark", c.GetArkCert()}} {
		if len(e.der) > 0 && !results.HasCertRole(d.Certs, e.role) {
			if _, err := x509.ParseCertificate(e.der); err != nil {
				return fmt.Errorf("AMD KDS sent a %s that does not parse: %w", e.role, err)
			}
			d.Certs = append(d.Certs, results.TEECert{Role: e.role, DER: e.der, From: "AMD KDS " + kds.ProductLine(att.GetProduct())})
		}
	}
	return nil
}
