package attest

import "fmt"

// Class is what a TPM is, decided by who endorses its EK: a TPM maker, a
// cloud operator, a software TPM's CA, or nobody. The device path the
// collector opened and the strings the TPM reports about itself play no
// part (both are the audited host's word).
type Class string

// The classes of TPM.
const (
	// ClassHardware: the EK certificate chains to a TPM maker's root.
	ClassHardware Class = "hardware"
	// ClassCloudVTPM: it chains to a cloud operator's vTPM root.
	ClassCloudVTPM Class = "cloud-vtpm"
	// ClassSoftware: it chains to a software TPM's CA, or the collector
	// itself recorded a simulated TPM (believed: against its interest).
	ClassSoftware Class = "software"
	// ClassUnendorsed: no trusted anchor vouches for the EK (no
	// certificate, an unknown maker, a software TPM whose CA the verifier
	// was not given): nothing says it is not software.
	ClassUnendorsed Class = "unendorsed"
)

// Classify decides the TPM's class from the first EK chain whose anchor
// accept allows (nil allows all; a suite may pin or exclude anchors), and
// returns the chain (nil unless endorsed) and why, in a phrase naming whose
// word it is. It needs Verify to have had roots; without, the TPM is
// unendorsed.
func (p *Platform) Classify(accept func(*Root) bool) (Class, *Chain, string) {
	var chain *Chain
	if e := p.Endorsement; e != nil {
		for i := range e.Chains {
			if accept == nil || accept(e.Chains[i].Root) {
				chain = &e.Chains[i]
				break
			}
		}
	}
	switch {
	case p.Simulated:
		return ClassSoftware, chain, fmt.Sprintf("the collector recorded a simulated TPM (%s)", p.Kind)
	case p.Endorsement == nil:
		return ClassUnendorsed, nil, "no trust anchors were given"
	case chain == nil && len(p.Endorsement.Chains) > 0:
		return ClassUnendorsed, nil, "the EK chains only to roots the suite does not accept"
	case chain == nil:
		return ClassUnendorsed, nil, "nobody endorses the EK: " + p.Endorsement.Unverified
	case chain.Root.Kind == RootMaker:
		return ClassHardware, chain, "EK endorsed by TPM maker " + chain.Root.Vendor + " " + chain.Describe()
	case chain.Root.Kind == RootCloudVTPM:
		return ClassCloudVTPM, chain, "EK endorsed by cloud operator " + chain.Root.Vendor + " " + chain.Describe()
	}
	return ClassSoftware, chain, "EK endorsed by a software TPM CA " + chain.Describe()
}

// Describe names the chain's anchor by subject and digest, and any
// certificate of the path that had expired: only what every verifier with
// the same anchor sees (not where its copy came from).
func (c *Chain) Describe() string {
	s := fmt.Sprintf("(root %q %s", c.Root.Cert.Subject.CommonName, c.Root.Digest())
	for _, x := range c.Expired {
		s += "; through expired " + x
	}
	return s + ")"
}
