// Package inbound is the inbound probe: the other direction of the rtt
// probe. Outside vantage points (RIPE Atlas probes on anchors with
// published coordinates) ping the target's public address in a one-off
// measurement; the probe creates it with the user's API key, polls it,
// reads the results and bounds the target's position with them.
//
// The host cannot shorten round trips that others measure towards it: it
// can only delay or drop its answers, which widens the region or leaves it
// unconstrained, never moves it. Set beside the host's own rtt evidence,
// which the host's network controls, a disagreement between the two
// regions shows that the host's own round trips cannot be trusted
// (location.consistent), and location claims on this region alone
// (location.inbound) rest on the vantage points and the Atlas service, not
// on the host.
//
// The probe runs on the auditor's machine (probes.Kind.Outside): the key
// stays there, and no agent on the audited host can write its record. It
// needs an Atlas client (WithAtlas), which only the runner has.
package inbound
