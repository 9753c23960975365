package results

// LatencyDetails are round-trip samples to landmarks.
// Owned by the latency and location probe family.
type LatencyDetails struct {
	Landmarks []LandmarkRTT `json:"landmarks"`
}

// LandmarkRTT summarises round trips to one landmark.
type LandmarkRTT struct {
	Name    string     `json:"name"`
	Address string     `json:"address"`
	Lat     float64    `json:"lat"`
	Lon     float64    `json:"lon"`
	Method  string     `json:"method"` // tcp, udp, icmp
	Samples []Duration `json:"samples"`
	Lost    int        `json:"lost"`
	Summary Summary    `json:"summary"`
}

// ControlPlaneDetails are per-phase timings of requests to a provider API.
// Owned by the latency and location probe family.
type ControlPlaneDetails struct {
	URL string `json:"url"`
}
