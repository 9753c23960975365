package results

// RTTDetails are round-trip samples to landmarks with known coordinates,
// and the region they bound the host to.
// Owned by the rtt probe family (probes/rtt).
type RTTDetails struct {
	Landmarks []LandmarkRTT `json:"landmarks"`
	// Overhead is the probe's own cost per sample, measured on loopback-free
	// timer reads: the time between two monotonic clock reads around an empty
	// operation. Samples include it; it bounds how precise they can be.
	Overhead Duration `json:"overhead"`
	// LandmarkSource names the landmark file (with its SHA-256) and the
	// selection rules the landmarks came from, when a suite named them so.
	LandmarkSource string `json:"landmark_source,omitempty"`
	// Location is the feasible region the samples allow, computed by the
	// probe at the default speed. Claims recompute it from the samples.
	Location *Geolocation `json:"location,omitempty"`
}

// LandmarkRTT summarises round trips to one landmark.
type LandmarkRTT struct {
	Name    string  `json:"name"`
	Address string  `json:"address"`
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	// Country is the landmark's ISO 3166-1 alpha-2 code when known.
	Country string `json:"country,omitempty"`
	Method  string `json:"method"` // tcp, udp, icmp, tls
	// Authenticated is set on a tls series with samples: each sample is a
	// completed exchange only the landmark could complete (a TLS 1.3
	// handshake signed by the landmark's pinned key, or by a key the
	// suite's CA certified for its name), so nothing nearer than the
	// landmark can have answered it. A handshake another key answered is
	// lost, with class tls_intercepted.
	Authenticated bool `json:"authenticated,omitempty"`
	// Key is the pin ("sha256/…") of the key that signed the handshakes
	// (method tls), or of the wrong key that answered instead.
	Key     string     `json:"key,omitempty"`
	Samples []Duration `json:"samples"`
	Lost    int        `json:"lost"`
	Summary Summary    `json:"summary"`
	// Failure is the class of the last lost sample, when any was lost.
	Failure *Failure `json:"failure,omitempty"`
}

// ControlPlaneDetails are per-phase timings of repeated requests to a
// provider API, and what they imply about where it answers from.
// Owned by the rtt probe family (probes/rtt).
type ControlPlaneDetails struct {
	URL      string             `json:"url"`
	Requests []PhaseTimings     `json:"requests"`
	Phases   map[string]Summary `json:"phases,omitempty"` // per phase name, over successful requests
	// CertSubject and CertIssuer are the leaf certificate's names (HTTPS).
	CertSubject string `json:"cert_subject,omitempty"`
	CertIssuer  string `json:"cert_issuer,omitempty"`
	// RTT is the network round trip to the TCP terminator: the minimum
	// connect time (the kernel's handshake timing where it is shorter).
	RTT Duration `json:"rtt"`
	// ServerTime is the minimum of processing minus RTT: time the server
	// spent before its first byte, including any backend hops.
	ServerTime Duration `json:"server_time"`
	// MaxDistanceKm is the farthest the TCP terminator can be at 2/3 c
	// (light in fibre); MaxDistanceStrictKm at c (a bound nothing beats).
	MaxDistanceKm       float64 `json:"max_distance_km"`
	MaxDistanceStrictKm float64 `json:"max_distance_strict_km"`
	Origin              Origin  `json:"origin"`
}

// PhaseTimings is one request, phase by phase, from net/http/httptrace.
// Processing runs from the request written to the first response byte, so
// it holds one network round trip plus the server's time.
type PhaseTimings struct {
	Resolve    Duration `json:"resolve"`
	Connect    Duration `json:"connect"`
	TLS        Duration `json:"tls"`
	Processing Duration `json:"processing"`
	Transfer   Duration `json:"transfer"`
	Total      Duration `json:"total"`
	// KernelRTT is the kernel's own timing of the TCP handshake (TCP_INFO),
	// free of this process's scheduling delays; 0 when not available.
	KernelRTT Duration `json:"kernel_rtt,omitempty"`
	Status    int      `json:"status,omitempty"`
	Failure   *Failure `json:"failure,omitempty"`
}

// Origin verdicts.
const (
	OriginLocal   = "local"          // server time too short for a distant backend
	OriginRemote  = "remote_backend" // server time long enough for a distant hop
	OriginUnknown = "unknown"        // no successful request
)

// Origin says whether a control plane answers by itself or after a hop.
// The timing cannot tell a slow local server from a fast remote one: a
// remote verdict means the server time *fits* a hop that far, no more;
// every distance here is an upper bound.
type Origin struct {
	Verdict string `json:"verdict"`
	// FrontEndKm is the farthest the front end (TCP terminator) can be.
	FrontEndKm float64 `json:"front_end_km"`
	// BackendTime is the server time the verdict rests on.
	BackendTime Duration `json:"backend_time"`
	// RemoteHopKm is the farthest a backend can be whose exchange, of
	// BackendRoundTrips round trips, took all of BackendTime at 2/3 c: an
	// upper bound ("≤"). Timing never bounds it from below: a slow server
	// near by spends the same time.
	RemoteHopKm float64 `json:"remote_hop_km"`
	// BackendRoundTrips is the round trips the backend exchange is taken
	// to need (the probe's backend_round_trips).
	BackendRoundTrips int `json:"backend_round_trips,omitempty"`
	// LocalAllowance is the server time still taken as local.
	LocalAllowance Duration `json:"local_allowance"`
	Text           string   `json:"text"`
}

// Geolocation is the region round trips bound a host to: the intersection of
// one disk per landmark, of radius speed × RTTmin / 2.
type Geolocation struct {
	// SpeedKmPerMs is the propagation speed assumed (about 200 for 2/3 c).
	SpeedKmPerMs float64 `json:"speed_km_per_ms"`
	Mode         string  `json:"mode"` // fibre, strict, calibrated
	Constraints  []Disk  `json:"constraints"`
	// Empty is set when the disks do not intersect: some round trip is
	// faster than the speed allows (a measurement or spoofing problem).
	Empty bool `json:"empty,omitempty"`
	// Region is the feasible region's outline, [lat, lon] in degrees,
	// counter-clockwise.
	Region            [][2]float64 `json:"region,omitempty"`
	AreaKm2           float64      `json:"area_km2"`
	Centroid          [2]float64   `json:"centroid"`
	EnclosingCenter   [2]float64   `json:"enclosing_center"`
	EnclosingRadiusKm float64      `json:"enclosing_radius_km"`
}

// Disk is one landmark's constraint.
type Disk struct {
	Landmark string   `json:"landmark"`
	Lat      float64  `json:"lat"`
	Lon      float64  `json:"lon"`
	RTTMin   Duration `json:"rtt_min"`
	RadiusKm float64  `json:"radius_km"`
	// Used is false when the disk was left out (too large to constrain,
	// no samples); Note says why.
	Used bool   `json:"used"`
	Note string `json:"note,omitempty"`
}
