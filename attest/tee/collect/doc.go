// Package collect gathers TEE evidence on the confidential VM itself: an
// SEV-SNP extended report or a TDX quote for a given REPORT_DATA, through
// the kernel's configfs-tsm report interface (/sys/kernel/config/tsm/report,
// go-configfs-tsm), /dev/sev-guest (go-sev-guest) or /dev/tdx_guest
// (go-tdx-guest), with the certificates the verifier needs: the extended
// report's certificate table, else a local cache directory, else (only when
// the caller passes an HTTP client: an explicit option for real use, never in
// tests) AMD's KDS for the VCEK chain and Intel's PCS for TDX collateral.
// On a lab host the lab's test signer (attest/tee/testsign) stands in for
// the CPU behind a configfs-tsm fake, so the lab goes through the same
// configfs code path as a real guest. It is the device half of attest/tee,
// which it imports for nothing but shared vocabulary.
package collect
