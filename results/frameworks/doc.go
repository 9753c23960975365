// Package frameworks maps each claim kind onto the audit criteria its
// verdicts give evidence for (ANSSI SecNumCloud 3.2 §19.2 and §19.6, BSI
// C5:2020 PSS-12, BSI C3A SOV-4-09-C), with each framework's source. The
// table is data (criteria.yaml, embedded) so that tables, reports and the
// report site show the same mapping; it imports nothing of ours.
//
// A verdict is evidence towards a criterion, never a certification of it:
// see the comment at the top of criteria.yaml.
package frameworks
