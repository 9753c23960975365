// Package claims is the claim catalogue: every claim kind a suite can
// state (operator.not_in, location.in, egress.blocked, tpm.required, ...),
// named once, with its parameter type, its check and its pure evaluation
// over one target's evidence. Evaluate turns a suite's claims and a
// report's evidence into verdicts; it is pure, so anyone can re-evaluate a
// report's verdicts from its evidence (package verify does).
//
// Claims do not decode YAML themselves: the suite loader decodes each
// claim's parameters strictly (Kind.Parse takes its decoder) and places
// any error in the suite file.
package claims
