package landmarks

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Format is the landmark file's format name.
const Format = "sovbench.landmarks/v1"

// PredicateType is the in-toto predicateType of a signed landmark file.
const PredicateType = "https://sovbench.dev/landmarks/v1"

// Set is a landmark file.
type Set struct {
	Format string `json:"format"`
	// Source is where the landmarks were fetched (an API URL).
	Source string `json:"source"`
	// Fetched is when, in UTC.
	Fetched time.Time `json:"fetched"`
	// SHA256 is the hex SHA-256 of the landmarks' canonical encoding
	// (Digest): what a suite pins the file by, the same whether the file
	// is plain or signed.
	SHA256 string `json:"sha256"`
	// Notes say what the fetch left out and why ("12 disabled anchors").
	Notes     []string   `json:"notes,omitempty"`
	Landmarks []Landmark `json:"landmarks"`
}

// Landmark is one server with published coordinates.
type Landmark struct {
	// Name is unique in the file (an anchor's FQDN).
	Name    string  `json:"name"`
	City    string  `json:"city,omitempty"`
	Country string  `json:"country"` // ISO 3166-1 alpha-2, upper case
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	IPv4    string  `json:"ipv4,omitempty"`
	IPv6    string  `json:"ipv6,omitempty"`
	// ProbeID is the RIPE Atlas probe that runs on the landmark (anchors
	// are probes too): it can measure towards a target ("the other
	// direction"). 0 when the landmark has none.
	ProbeID int `json:"probe_id,omitempty"`
	// Answers lists what the landmark answers: icmp, tcp/80, tcp/443.
	Answers []string `json:"answers"`
	// TLSA is the landmark's published DANE TLSA record for its HTTPS
	// certificate, as the source gave it; see Landmark.Pin.
	TLSA string `json:"tlsa,omitempty"`
}

// Answerable is every value Landmark.Answers may hold.
var Answerable = []string{"icmp", "tcp/80", "tcp/443"}

// Digest is the hex SHA-256 of the landmarks' canonical encoding: the
// encoding/json encoding of the array (fields in the order of Landmark,
// no white space).
func Digest(lms []Landmark) string {
	b, err := json.Marshal(lms)
	if err != nil {
		panic("landmarks: encoding plain data: " + err.Error()) // strings and numbers only
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// NewSet builds a set from fetched landmarks: sorted by name, with its
// digest. It fails on landmarks Check refuses.
func NewSet(source string, fetched time.Time, lms []Landmark, notes []string) (*Set, error) {
	lms = slices.Clone(lms)
	slices.SortFunc(lms, func(a, b Landmark) int { return strings.Compare(a.Name, b.Name) })
	s := &Set{Format: Format, Source: source, Fetched: fetched.UTC().Truncate(time.Second), Notes: notes, Landmarks: lms}
	s.SHA256 = Digest(lms)
	if err := s.Check(); err != nil {
		return nil, err
	}
	return s, nil
}

// Check validates the set: its format, its digest, and every landmark
// (unique name, a position, a country code, at least one address, known
// answers). Errors name the landmark by index and name.
func (s *Set) Check() error {
	switch {
	case s.Format != Format:
		return fmt.Errorf("format: %q, want %q", s.Format, Format)
	case s.Source == "":
		return fmt.Errorf("source: missing")
	case s.Fetched.IsZero():
		return fmt.Errorf("fetched: missing")
	case len(s.Landmarks) == 0:
		return fmt.Errorf("landmarks: none")
	}
	if d := Digest(s.Landmarks); d != s.SHA256 {
		return &DigestError{Field: "sha256", Want: s.SHA256, Got: d}
	}
	seen := map[string]bool{}
	for i, l := range s.Landmarks {
		if err := l.check(); err != nil {
			return fmt.Errorf("landmarks[%d] (%s): %w", i, l.Name, err)
		}
		if seen[l.Name] {
			return fmt.Errorf("landmarks[%d]: name %q appears twice", i, l.Name)
		}
		seen[l.Name] = true
	}
	return nil
}

// DigestError is a landmark digest that does not match: the file's own
// (the landmarks were edited after the fetch) or a suite's pin.
type DigestError struct {
	Field     string // where the expected digest came from
	Want, Got string
}

func (e *DigestError) Error() string {
	return fmt.Sprintf("%s: the landmarks hash to %s, not %s", e.Field, e.Got, e.Want)
}

func (l Landmark) check() error {
	switch {
	case l.Name == "":
		return fmt.Errorf("name: missing")
	case l.Lat < -90 || l.Lat > 90 || l.Lon < -180 || l.Lon > 180 || (l.Lat == 0 && l.Lon == 0):
		return fmt.Errorf("lat, lon: %v, %v is not a position", l.Lat, l.Lon)
	case len(l.Country) != 2 || strings.ToUpper(l.Country) != l.Country:
		return fmt.Errorf("country: %q is not an upper-case ISO 3166-1 alpha-2 code", l.Country)
	case l.IPv4 == "" && l.IPv6 == "":
		return fmt.Errorf("ipv4, ipv6: no address")
	}
	if a, err := netip.ParseAddr(l.IPv4); l.IPv4 != "" && (err != nil || !a.Is4()) {
		return fmt.Errorf("ipv4: %q is not an IPv4 address", l.IPv4)
	}
	if a, err := netip.ParseAddr(l.IPv6); l.IPv6 != "" && (err != nil || !a.Is6() || a.Is4In6()) {
		return fmt.Errorf("ipv6: %q is not an IPv6 address", l.IPv6)
	}
	for _, a := range l.Answers {
		if !slices.Contains(Answerable, a) {
			return fmt.Errorf("answers: %q is not one of %s", a, strings.Join(Answerable, ", "))
		}
	}
	if l.TLSA != "" {
		if _, err := ParseTLSA(l.TLSA); err != nil {
			return fmt.Errorf("tlsa: %w", err)
		}
	}
	return nil
}

// Address returns the landmark's address in family ip4 or ip6, or "".
func (l Landmark) Address(family string) string {
	if family == "ip6" {
		return l.IPv6
	}
	return l.IPv4
}
