// Package fetch completes TEE evidence over the network, on the auditor's
// side: the VCEK chain of an SEV-SNP report from AMD's KDS (when neither the
// extended report nor the target's certificate cache carried it) and a TDX
// quote's Intel PCS collateral (TCB info, QE identity, PCK and root CRLs),
// each response recorded whole for the offline verifier (attest/tee), each
// fetch under its own deadline. It goes through go-sev-guest and
// go-tdx-guest, which pull in protobuf and their verifiers: that is why it
// is not part of attest/tee/collect, which runs on every host inside the
// slim agent. Tests answer AMD's and Intel's URLs on loopback; the lab and
// the demo never fetch.
package fetch
