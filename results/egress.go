package results

// EgressDetails is what the egress probe tried and what got through.
// Owned by the egress probe family.
type EgressDetails struct {
	Attempts []EgressAttempt `json:"attempts"`
}

// EgressAttempt is one method tried against one destination.
type EgressAttempt struct {
	Destination string   `json:"destination"` // host or IP
	Port        int      `json:"port,omitempty"`
	Protocol    string   `json:"protocol"` // tcp, udp, icmp, dns, ntp, http, https, tls
	Method      string   `json:"method"`
	Category    string   `json:"category,omitempty"`
	Control     bool     `json:"control,omitempty"` // a positive control: must be reachable
	Reachable   bool     `json:"reachable"`
	Took        Duration `json:"took"`
	Failure     *Failure `json:"failure,omitempty"`
}
