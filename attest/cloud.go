package attest

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"

	ga "github.com/google/go-attestation/attest"

	"github.com/sovbench/sovbench/results"
)

// oidGCEInstance is Google's instance-identity extension in GCE AK
// certificates (as go-tpm-tools reads it).
var oidGCEInstance = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 1, 21}

type gceSecurityProperties struct {
	SecurityVersion int64 `asn1:"explicit,tag:0,optional"`
	IsProduction    bool  `asn1:"explicit,tag:1,optional"`
}

type gceInstanceInfo struct {
	Zone               string `asn1:"utf8"`
	ProjectNumber      int64
	ProjectID          string `asn1:"utf8"`
	InstanceID         int64
	InstanceName       string                `asn1:"utf8"`
	SecurityProperties gceSecurityProperties `asn1:"explicit,optional"`
}

// OperatorFact is operator or location evidence from a cloud AK certificate.
type OperatorFact struct {
	Source   string `json:"source"`   // gce-ak-rsa, azure-ak, ek-root
	Operator string `json:"operator"` // Google, Microsoft, or the root's organization
	Zone     string `json:"zone,omitempty"`
	Project  string `json:"project,omitempty"`
	Instance string `json:"instance,omitempty"`
	Subject  string `json:"subject,omitempty"`
	// Verified: the certificate chains to a trusted cloud vTPM root, Root.
	Verified bool   `json:"verified"`
	Root     string `json:"root,omitempty"`
	// Bound: the certified key is the AK that signed the quote. A verified
	// but unbound certificate says the TPM holds such a key, not that this
	// quote came from it.
	Bound  bool   `json:"bound"`
	Reason string `json:"reason,omitempty"`
}

// GCEInstance reads the GCE instance-identity extension from an AK
// certificate; ok is false when the certificate has none.
func GCEInstance(c *x509.Certificate) (zone, project, instance string, ok bool, err error) {
	for _, ext := range c.Extensions {
		if !ext.Id.Equal(oidGCEInstance) {
			continue
		}
		var info gceInstanceInfo
		if _, err := asn1.Unmarshal(ext.Value, &info); err != nil {
			return "", "", "", false, fmt.Errorf("parsing GCE instance extension: %w", err)
		}
		return info.Zone, info.ProjectID, fmt.Sprintf("%s (%d)", info.InstanceName, info.InstanceID), true, nil
	}
	return "", "", "", false, nil
}

// operatorFacts lists operator evidence from cloud AK certificates. Which
// operator a certificate names is decided by the anchor it chains to (a
// cloud vTPM root names its cloud), never by the label the collector gave
// the NV index it read it from.
func operatorFacts(d *results.TPMDetails, o Options, ak *ga.AKPublic) []OperatorFact {
	var out []OperatorFact
	for _, c := range d.AKCerts {
		f := OperatorFact{Source: c.Label, Operator: "unknown"}
		cert, chains, err := o.Roots.VerifyCert(c.Certificate, o.now())
		if cert == nil {
			f.Reason = "certificate does not parse: " + err.Error()
			out = append(out, f)
			continue
		}
		f.Subject = cert.Subject.String()
		if z, p, i, ok, err := GCEInstance(cert); err == nil && ok {
			f.Zone, f.Project, f.Instance = z, p, i
		}
		switch {
		case err != nil:
			f.Reason = err.Error()
		case chains[0].Root.Kind != RootCloudVTPM:
			f.Reason = "chains to " + string(chains[0].Root.Kind) + " root " + chains[0].Root.Digest() + ", not a cloud's"
		default:
			f.Verified, f.Operator, f.Root = true, chains[0].Root.Vendor, chains[0].Root.Digest()
		}
		f.Bound = samePublic(cert.PublicKey, ak.Public)
		out = append(out, f)
	}
	return out
}
