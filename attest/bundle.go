package attest

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"sync"
)

// The EK CA bundle: public CA certificates of TPM makers and cloud vTPMs,
// embedded so that tpm.required{hardware: true} and tpm.manufacturer_in work
// out of the box and every machine verifies a report against the same
// anchors. Provenance: roots/README.md (Keylime's tpm_cert_store, Apache-2.0;
// Google's vTPM CAs from go-tpm-tools, Apache-2.0).
//
//go:embed roots/keylime/*.pem roots/gce/*
var bundleFS embed.FS

// bundleTags tags every embedded certificate by its file name: which kind of
// anchor it is and whom it speaks for. TestBundleTags checks that every file
// has exactly one tag and that each certificate's organization agrees.
var bundleTags = []struct {
	prefix           string
	kind             RootKind
	vendor, vendorID string
}{
	{"keylime/IFX", RootMaker, "Infineon", "IFX"},
	{"keylime/INF_", RootMaker, "Infineon", "IFX"},
	{"keylime/STM_", RootMaker, "STMicroelectronics", "STM"},
	{"keylime/NTC", RootMaker, "Nuvoton Technology", "NTC"},
	{"keylime/NUVO_", RootMaker, "Nuvoton Technology", "NTC"},
	{"keylime/INTEL_", RootMaker, "Intel", "INTC"},
	{"keylime/Nationz_", RootMaker, "Nationz", "NTZ"},
	// GlobalSign runs this root for the EK CAs of several makers (STM's
	// among them): a chain ending here is a chip, of no maker in particular.
	{"keylime/GS_TPM_RT", RootMaker, "GlobalSign TPM root (several makers)", ""},
	{"keylime/Alibaba_Cloud_vTPM", RootCloudVTPM, "Alibaba Cloud", ""},
	{"gce/", RootCloudVTPM, "Google", ""},
}

// bundleTag returns the tag of an embedded file (path under roots/).
func bundleTag(name string) (kind RootKind, vendor, vendorID string, ok bool) {
	for _, t := range bundleTags {
		if strings.HasPrefix(name, t.prefix) {
			return t.kind, t.vendor, t.vendorID, true
		}
	}
	return "", "", "", false
}

type bundledCert struct {
	name string
	root Root
}

// bundle parses the embedded certificates once.
var bundle = sync.OnceValues(func() ([]bundledCert, error) {
	var out []bundledCert
	err := fs.WalkDir(bundleFS, "roots", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !certFile(p) {
			return err
		}
		name := strings.TrimPrefix(p, "roots/")
		kind, vendor, id, ok := bundleTag(name)
		if !ok {
			return fmt.Errorf("bundled root %s has no tag", name)
		}
		b, err := fs.ReadFile(bundleFS, p)
		if err != nil {
			return err
		}
		certs, err := ParseCertificates(b)
		if err != nil {
			return fmt.Errorf("bundled root %s: %w", name, err)
		}
		for _, c := range certs {
			out = append(out, bundledCert{name, Root{Cert: c, Kind: kind, Vendor: vendor, VendorID: id, Source: "bundled " + name}})
		}
		return nil
	})
	return out, err
})

// BundledRoots returns a new store holding the embedded EK CA bundle, to
// which the caller may add (LoadDir) and from which it may exclude roots.
func BundledRoots() *RootStore {
	s := NewRootStore()
	certs, err := bundle()
	if err != nil {
		panic("attest: the embedded root bundle is broken: " + err.Error()) // caught by TestBundleTags
	}
	for _, c := range certs {
		s.Add(c.root.Cert, c.root.Kind, c.root.Vendor, c.root.VendorID, c.root.Source)
	}
	return s
}
