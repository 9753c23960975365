package results

import "time"

// CanaryDetails is what the auditor's canaries recorded of one target's
// run: which of the run's egress tokens arrived at far ends the auditor
// runs. Owned by the canary probe, which runs on the auditor's machine
// after the target's own steps; the host never writes it.
type CanaryDetails struct {
	// Token is the target's egress token in this run (probes.RunToken of
	// the run id and the target): every token-bearing datagram, connection
	// or request carries it.
	Token string `json:"token"`
	// Source is where the arrivals were read: "lab" or the canary server's URL.
	Source string `json:"source"`
	// Arrivals are the recorded arrivals that carry Token.
	Arrivals []CanaryArrival `json:"arrivals"`
}

// CanaryArrival is one packet, connection or request a canary recorded
// with this run's token.
type CanaryArrival struct {
	Time time.Time `json:"time"`
	// Canary names the recording service or server; Proto is how the
	// traffic arrived (udp, tcp, http, ...), Destination the canary's
	// address and port it arrived at, Peer where it came from.
	Canary      string `json:"canary,omitempty"`
	Proto       string `json:"proto"`
	Destination string `json:"destination"`
	Peer        string `json:"peer,omitempty"`
	// Payload is the first bytes received, as the canary recorded them.
	Payload string `json:"payload,omitempty"`
}
