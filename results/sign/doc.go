// Package sign signs reports and checks signed reports: signing keys
// (Ed25519, ECDSA P-256; PKCS#8 and SPKI PEM files), the in-toto Statement
// v1 whose predicate is the report, its subjects (suite, target identity,
// every evidence record), and the DSSE envelope around it, accepted only in
// its one canonical byte form.
//
// Reading an envelope WITHOUT checking it (ReadUnverified) is for display
// only; package verify joins these checks with the rest. sign does no
// report storage (results/store writes signed reports) and does not log.
package sign
