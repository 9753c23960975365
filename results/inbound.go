package results

// InboundDetails are round trips measured towards the host from outside:
// outside vantage points (RIPE Atlas probes on anchors with published
// coordinates) pinged the target's public address, and the region those
// round trips bound it to. The host cannot shorten them: it can only delay
// or drop its answers, which widens the region or leaves it unconstrained.
// Owned by the inbound probe family (probes/inbound).
type InboundDetails struct {
	// Service is the measurement API used (its root URL, never a key).
	Service string `json:"service"`
	// MeasurementID is the service's id of the measurement, so anyone can
	// fetch its results from the service and compare.
	MeasurementID int `json:"measurement_id"`
	// Target is the address the vantage points pinged.
	Target string `json:"target"`
	// Status is the measurement's last known state ("Stopped", or
	// "Ongoing" when the probe's time ran out first).
	Status string `json:"status"`
	// VantageSource names the landmark file and rules the vantage points
	// came from.
	VantageSource string `json:"vantage_source,omitempty"`
	// Vantages are the vantage points' round trips, one per vantage point
	// asked (method "atlas-ping"; Address is where its results say it
	// pinged from). One that gave no result has no samples and a failure.
	Vantages []LandmarkRTT `json:"vantages"`
	// Location is the feasible region at fibre speed. Claims recompute it.
	Location *Geolocation `json:"location,omitempty"`
}
