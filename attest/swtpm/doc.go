// Package swtpm provisions and runs Debian's swtpm as a TPM 2.0 over TCP on
// loopback, with an EK certificate issued by a local CA (swtpm_setup
// --create-ek-cert with swtpm_localca). Tests use it through swtpmtest
// (attest, attest/collect, fleet); the lab starts one per simulated host.
package swtpm
