package atlas

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/sovbench/sovbench/landmarks"
)

// maxPages bounds how many anchor pages one fetch follows (the whole list
// is 4 pages of 500).
const maxPages = 200

// Anchor is one anchor of GET anchors/, as the API describes it (the
// fields sovbench uses; others are ignored).
type Anchor struct {
	ID      int     `json:"id"`
	FQDN    string  `json:"fqdn"`
	Probe   int     `json:"probe"`
	IPv4    *string `json:"ip_v4"`
	IPv6    *string `json:"ip_v6"`
	City    string  `json:"city"`
	Country string  `json:"country"`
	// Geometry is a GeoJSON point: coordinates are [lon, lat].
	Geometry struct {
		Type        string    `json:"type"`
		Coordinates []float64 `json:"coordinates"`
	} `json:"geometry"`
	TLSA       *string `json:"tlsa_record"`
	IsDisabled bool    `json:"is_disabled"`
}

// page is one page of a paginated list.
type page struct {
	Count    *int            `json:"count"`
	Next     *string         `json:"next"`
	Previous *string         `json:"previous"`
	Results  json.RawMessage `json:"results"`
}

// Anchors fetches the whole anchor list, following "next" pages (on the
// API's origin only). No key is sent: the list is public. A page that
// does not decode fails the fetch, naming the page.
func (c *Client) Anchors(ctx context.Context) ([]Anchor, error) {
	u := c.endpoint("anchors/", url.Values{"page_size": {"500"}})
	var out []Anchor
	seen := map[string]bool{}
	for n := 1; u != nil; n++ {
		if n > maxPages || seen[u.String()] {
			return nil, fmt.Errorf("fetching anchors: page %d (%s): the pages do not end", n, u.Redacted())
		}
		seen[u.String()] = true
		op := fmt.Sprintf("fetching anchors page %d", n)
		var p page
		if err := c.do(ctx, op, "GET", u, nil, false, &p); err != nil {
			return nil, err
		}
		if p.Count == nil || p.Results == nil {
			return nil, fmt.Errorf("%s (%s): not a page of the anchor list (no count or results)", op, u.Redacted())
		}
		var as []Anchor
		if err := json.Unmarshal(p.Results, &as); err != nil {
			return nil, fmt.Errorf("%s (%s): decoding results: %w", op, u.Redacted(), err)
		}
		out = append(out, as...)
		u = nil
		if p.Next != nil && *p.Next != "" {
			next, err := url.Parse(*p.Next)
			if err != nil {
				return nil, fmt.Errorf("%s: next page %q: %w", op, *p.Next, err)
			}
			u = next
		}
		if u == nil && len(out) != *p.Count {
			return nil, fmt.Errorf("%s: the list says %d anchors, the pages held %d", op, *p.Count, len(out))
		}
	}
	return out, nil
}

// LandmarkSet turns anchors into a landmark file: disabled anchors and
// anchors without a usable position, country or address are left out, each
// counted in the notes (named when few).
func LandmarkSet(anchors []Anchor, source string, fetched time.Time) (*landmarks.Set, error) {
	var lms []landmarks.Landmark
	skipped := map[string][]string{}
	for _, a := range anchors {
		if a.IsDisabled {
			skipped["disabled"] = append(skipped["disabled"], a.FQDN)
			continue
		}
		l, why := landmarkOf(a)
		if why != "" {
			skipped[why] = append(skipped[why], fmt.Sprintf("%s (id %d)", a.FQDN, a.ID))
			continue
		}
		lms = append(lms, l)
	}
	lms = dedupe(lms, skipped)
	var notes []string
	for _, why := range []string{"disabled", "no position", "no country", "no address", "a bad TLSA record", "a name seen before"} {
		if names := skipped[why]; len(names) > 0 {
			note := fmt.Sprintf("%d anchors left out: %s", len(names), why)
			if len(names) <= 5 {
				note += " (" + strings.Join(names, ", ") + ")"
			}
			notes = append(notes, note)
		}
	}
	return landmarks.NewSet(source, fetched, lms, notes)
}

// landmarkOf converts one anchor, or says why it cannot be a landmark.
func landmarkOf(a Anchor) (landmarks.Landmark, string) {
	g := a.Geometry.Coordinates
	if a.Geometry.Type != "Point" || len(g) != 2 || g[1] < -90 || g[1] > 90 || g[0] < -180 || g[0] > 180 || (g[0] == 0 && g[1] == 0) {
		return landmarks.Landmark{}, "no position"
	}
	cc := strings.ToUpper(strings.TrimSpace(a.Country))
	if len(cc) != 2 {
		return landmarks.Landmark{}, "no country"
	}
	l := landmarks.Landmark{Name: a.FQDN, City: a.City, Country: cc, Lat: g[1], Lon: g[0], ProbeID: a.Probe,
		Answers: []string{"icmp", "tcp/80", "tcp/443"}}
	if a.IPv4 != nil {
		if ip, err := netip.ParseAddr(*a.IPv4); err == nil && ip.Is4() {
			l.IPv4 = ip.String()
		}
	}
	if a.IPv6 != nil {
		if ip, err := netip.ParseAddr(*a.IPv6); err == nil && ip.Is6() && !ip.Is4In6() && ip.Zone() == "" {
			l.IPv6 = ip.String()
		}
	}
	if a.TLSA != nil && *a.TLSA != "" {
		if _, err := landmarks.ParseTLSA(*a.TLSA); err != nil {
			return landmarks.Landmark{}, "a bad TLSA record"
		}
		l.TLSA = *a.TLSA
	}
	if a.FQDN == "" || (l.IPv4 == "" && l.IPv6 == "") {
		return landmarks.Landmark{}, "no address"
	}
	return l, ""
}

// dedupe keeps the first landmark of each name.
func dedupe(lms []landmarks.Landmark, skipped map[string][]string) []landmarks.Landmark {
	seen := map[string]bool{}
	out := lms[:0]
	for _, l := range lms {
		if seen[l.Name] {
			skipped["a name seen before"] = append(skipped["a name seen before"], l.Name)
			continue
		}
		seen[l.Name] = true
		out = append(out, l)
	}
	return out
}
