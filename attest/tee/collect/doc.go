// Package collect gathers TEE evidence on the confidential VM itself: an
// SEV-SNP extended report or a TDX quote for a given REPORT_DATA, through
// the kernel's configfs-tsm report interface (/sys/kernel/config/tsm/report,
// go-configfs-tsm), /dev/sev-guest or /dev/tdx_guest (the drivers' ioctls,
// with go-sev-guest's and go-tdx-guest's linuxabi structures, as their
// clients make them), with the certificates the host has: the extended
// report's certificate table, else a local cache directory. The evidence is
// raw, in the format go-sev-guest and go-tdx-guest read; fetching what is
// missing (AMD's KDS, Intel's PCS) is the auditor's (attest/tee/fetch) and
// verifying it is attest/tee's. This package runs on every host inside the
// slim agent, so it links neither of those nor protobuf
// (cmd/sovbench-agent's deps test). On a lab host a stand-in the lab's test
// signer wrote (StandIn) answers for the CPU behind a configfs-tsm fake, so
// the lab goes through the same configfs code path as a real guest.
package collect
