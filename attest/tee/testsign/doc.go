// Package testsign is the lab's stand-in for a confidential VM's CPU: a
// TEST signer that builds an AMD-shaped SEV-SNP chain (ARK → ASK or ASVK →
// VCEK or VLEK) or an Intel-shaped TDX chain (root → PCK platform CA →
// PCK) under a root of its own, and signs reports and quotes for whatever
// REPORT_DATA it is asked. Nothing it signs chains to AMD or Intel: the
// verifier (attest/tee) accepts it only against test roots a suite lists,
// and then says TestSigned. The lab writes a signer into a host's fixture
// tree at demo time (Generate, Signer.WriteStandIn) and the tee probe on
// that host signs for the run's nonce with the stand-in it wrote
// (attest/tee/collect.StandIn: the report made here for all-zero
// REPORT_DATA and the key that re-signs it), through a configfs-tsm fake:
// the agent on the host links neither this package nor go-sev-guest's and
// go-tdx-guest's encoders.
//
// Keys are generated fresh by Generate (crypto/rand); they sit in the
// fixture directory, which is what makes them test keys: anyone who can
// read the lab's state can sign with them.
package testsign
