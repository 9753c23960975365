package geo

import (
	"fmt"
	"html"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/golang/geo/s2"
)

// MapOptions tune MapSVG.
type MapOptions struct {
	// Width of the picture in pixels (default 720); the height follows.
	Width int
	// Title is drawn at the top left.
	Title string
	// ClaimedCountry (ISO alpha-2) is shaded as the claimed location.
	ClaimedCountry string
	// Claimed, when set, marks a claimed point [lat, lon].
	Claimed *[2]float64
	// ClaimedKm draws a circle of this radius around Claimed.
	ClaimedKm float64
	// Countries are the outlines to draw and label, by ISO alpha-2 code
	// (geo/borders.Countries()); nil draws none.
	Countries map[string]*Country
}

// europe is the default frame: [south, west, north, east].
var europe = [4]float64{34, -12, 64, 35}

// MapSVG draws a solved region (a Region's Solution, or one rebuilt from a
// record of it; nil for none) as a standalone SVG document: country borders,
// the claimed location, every landmark's disk, the landmarks and the region. The frame is Europe, zoomed to fit the region and the claimed
// point when there is one. It is pure: same input, same picture.
func MapSVG(g *Solution, o MapOptions) string {
	if o.Width <= 0 {
		o.Width = 720
	}
	m := newMapFrame(frameOf(g, o), o.Width)
	m.countries = o.Countries
	m.codes = slices.Sorted(maps.Keys(o.Countries))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		m.w, m.h, m.w, m.h)
	fmt.Fprintf(&b, `<defs><clipPath id="frame"><rect width="%d" height="%d"/></clipPath></defs>`+"\n", m.w, m.h)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#dbe9f4"/>`+"\n<g clip-path=\"url(#frame)\">\n", m.w, m.h)
	m.borders(&b, strings.ToUpper(o.ClaimedCountry))
	if g != nil {
		m.disks(&b, g)
	}
	if o.Claimed != nil {
		m.claimed(&b, *o.Claimed, o.ClaimedKm)
	}
	if g != nil && len(g.Outline) > 0 {
		fmt.Fprintf(&b, `<path d="%s" fill="#d62728" fill-opacity="0.45" stroke="#a00" stroke-width="1.5"><title>feasible region: %.0f km²</title></path>`+"\n",
			m.path(g.Outline, true), g.AreaKm2)
		c := m.xy(g.Centroid[0], g.Centroid[1])
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="#600"/>`+"\n", c[0], c[1])
	}
	if g != nil {
		m.landmarks(&b, g)
	}
	m.labels(&b, strings.ToUpper(o.ClaimedCountry))
	b.WriteString("</g>\n")
	m.legend(&b, g, o)
	b.WriteString("</svg>\n")
	return b.String()
}

// frameOf picks [south, west, north, east] to draw: the region, the
// claimed point and the claimed country's main outline, so a reader sees
// the claim beside the evidence; Europe when there is neither region nor
// claimed country.
func frameOf(g *Solution, o MapOptions) [4]float64 {
	claimed := mainRing(o.Countries, o.ClaimedCountry)
	if (g == nil || len(g.Outline) == 0) && claimed == nil {
		return europe
	}
	s, w, n, e := 90.0, 180.0, -90.0, -180.0
	add := func(lat, lon float64) {
		s, n, w, e = min(s, lat), max(n, lat), min(w, lon), max(e, lon)
	}
	if g != nil {
		for _, p := range g.Outline {
			add(p[0], p[1])
		}
	}
	for _, p := range claimed {
		add(p[1], p[0])
	}
	if o.Claimed != nil {
		add(o.Claimed[0], o.Claimed[1])
	}
	// Pad by half the span, at least 1.5° so small regions show their
	// neighbours, at most the whole world.
	cos := math.Max(math.Cos((s+n)/2*math.Pi/180), 0.2)
	padLon := max((e-w)/2, 1.5/cos)
	// At least half as high as wide: a region and a country far apart
	// east to west must not become a strip.
	padLat := max((n-s)/2, 1.5, ((e-w+2*padLon)*cos/2-(n-s))/2)
	return [4]float64{max(s-padLat, -85), max(w-padLon, -180), min(n+padLat, 85), min(e+padLon, 180)}
}

type mapFrame struct {
	f         [4]float64
	k, cosLat float64
	w, h      int
	countries map[string]*Country
	codes     []string // countries' keys, sorted
}

func newMapFrame(f [4]float64, width int) *mapFrame {
	cosLat := math.Cos((f[0] + f[2]) / 2 * math.Pi / 180)
	k := float64(width) / ((f[3] - f[1]) * cosLat)
	return &mapFrame{f: f, k: k, cosLat: cosLat, w: width, h: int(math.Ceil((f[2] - f[0]) * k))}
}

// xy projects lat, lon (equirectangular, true to scale at the frame's
// middle latitude).
func (m *mapFrame) xy(lat, lon float64) [2]float64 {
	return [2]float64{(lon - m.f[1]) * m.cosLat * m.k, (m.f[2] - lat) * m.k}
}

// path draws [lat, lon] points, skipping those under half a pixel apart.
func (m *mapFrame) path(pts [][2]float64, close bool) string {
	var b strings.Builder
	var last [2]float64
	for i, p := range pts {
		q := m.xy(p[0], p[1])
		if i > 0 && math.Abs(q[0]-last[0]) < 0.5 && math.Abs(q[1]-last[1]) < 0.5 {
			continue
		}
		if i == 0 {
			fmt.Fprintf(&b, "M%.1f %.1f", q[0], q[1])
		} else {
			fmt.Fprintf(&b, "L%.1f %.1f", q[0], q[1])
		}
		last = q
	}
	if close {
		b.WriteString("Z")
	}
	return b.String()
}

func (m *mapFrame) borders(b *strings.Builder, claimed string) {
	for _, code := range m.codes {
		c := m.countries[code]
		var d strings.Builder
		for _, ring := range c.Rings {
			if !m.touches(ring) {
				continue
			}
			pts := make([][2]float64, len(ring))
			for i, p := range ring {
				pts[i] = [2]float64{p[1], p[0]}
			}
			d.WriteString(m.path(pts, true))
		}
		if d.Len() == 0 {
			continue
		}
		fill := "#f4f1ea"
		if code == claimed {
			fill = "#b7e1b0"
		}
		fmt.Fprintf(b, `<path d="%s" fill="%s" stroke="#888" stroke-width="0.6" fill-rule="evenodd"><title>%s</title></path>`+"\n",
			d.String(), fill, html.EscapeString(c.Name))
	}
}

// touches reports whether a [lon, lat] ring's bounding box meets the frame.
func (m *mapFrame) touches(ring [][2]float64) bool {
	s, w, n, e := 90.0, 180.0, -90.0, -180.0
	for _, p := range ring {
		w, e, s, n = min(w, p[0]), max(e, p[0]), min(s, p[1]), max(n, p[1])
	}
	return !(n < m.f[0] || s > m.f[2] || e < m.f[1] || w > m.f[3])
}

// circleRing returns the geodesic circle of radius km around lat, lon.
func circleRing(lat, lon, km float64) [][2]float64 {
	l := s2.RegularLoop(pointOf(lat, lon), angleOf(km), 96)
	out := make([][2]float64, 0, l.NumVertices())
	for _, v := range l.Vertices() {
		out = append(out, latLonOf(v))
	}
	return out
}

func (m *mapFrame) disks(b *strings.Builder, g *Solution) {
	for _, d := range g.Constraints {
		if !d.Used {
			continue
		}
		fmt.Fprintf(b, `<path d="%s" fill="none" stroke="#1f77b4" stroke-opacity="0.7" stroke-width="0.8"><title>%s: RTT %s, within %.0f km</title></path>`+"\n",
			m.path(circleRing(d.Lat, d.Lon, d.RadiusKm), true), html.EscapeString(d.Landmark), d.RTTMin, d.RadiusKm)
	}
}

func (m *mapFrame) landmarks(b *strings.Builder, g *Solution) {
	for _, d := range g.Constraints {
		p := m.xy(d.Lat, d.Lon)
		color := "#1f4e79"
		if !d.Used {
			color = "#999"
		}
		fmt.Fprintf(b, `<path d="M%.1f %.1fl4 7h-8z" fill="%s"/><text x="%.1f" y="%.1f" fill="%s">%s</text>`+"\n",
			p[0], p[1]-4, color, p[0]+6, p[1]+4, color, html.EscapeString(d.Landmark))
	}
}

func (m *mapFrame) claimed(b *strings.Builder, at [2]float64, km float64) {
	if km > 0 {
		fmt.Fprintf(b, `<path d="%s" fill="none" stroke="#2ca02c" stroke-width="1.5" stroke-dasharray="5 3"/>`+"\n", m.path(circleRing(at[0], at[1], km), true))
	}
	p := m.xy(at[0], at[1])
	fmt.Fprintf(b, `<path d="M%.1f %.1fl6 6M%.1f %.1fl-6 6" stroke="#2ca02c" stroke-width="2.5"/>`+"\n", p[0]-3, p[1]-3, p[0]+3, p[1]-3)
}

func (m *mapFrame) legend(b *strings.Builder, g *Solution, o MapOptions) {
	lines := []string{}
	if o.Title != "" {
		lines = append(lines, o.Title)
	}
	switch {
	case g == nil:
		lines = append(lines, "no round trips")
	case g.Empty:
		lines = append(lines, "the disks do not intersect")
	case len(g.Outline) == 0:
		lines = append(lines, "no landmark close enough to constrain")
	default:
		lines = append(lines, fmt.Sprintf("region %.0f km², within %.0f km of %.2f, %.2f", g.AreaKm2, g.EnclosingRadiusKm, g.EnclosingCenter[0], g.EnclosingCenter[1]))
	}
	if g != nil {
		lines = append(lines, fmt.Sprintf("disks at %.0f km/ms (%s)", g.SpeedKmPerMs, g.Mode))
	}
	fmt.Fprintf(b, `<rect x="6" y="6" width="%d" height="%d" fill="white" fill-opacity="0.85" stroke="#999"/>`+"\n", 330, 8+15*len(lines))
	for i, l := range lines {
		fmt.Fprintf(b, `<text x="12" y="%d">%s</text>`+"\n", 20+15*i, html.EscapeString(l))
	}
	// Scale bar: 100 km, or 1000 km on wide frames.
	km := 100.0
	if (m.f[3]-m.f[1])*111*m.cosLat > 2500 {
		km = 1000
	}
	px := km / 111.195 * m.k
	y := float64(m.h) - 12
	fmt.Fprintf(b, `<path d="M12 %.1fh%.1f" stroke="black" stroke-width="2"/><text x="12" y="%.1f">%.0f km</text>`+"\n", y, px, y-4, km)
}

// mainRing is the largest ring (by vertex count) of a country's outline
// as [lon, lat] pairs, nil for an unknown or empty code: the mainland, not
// an overseas territory that would zoom the map out to half the world.
func mainRing(cs map[string]*Country, code string) [][2]float64 {
	c, ok := cs[strings.ToUpper(code)]
	if !ok {
		return nil
	}
	var best [][2]float64
	for _, r := range c.Rings {
		if len(r) > len(best) {
			best = r
		}
	}
	return best
}

// labels names the countries whose main outline is large enough on the
// frame to hold a name, at the middle of its bounding box, and always the
// claimed country, marked as claimed.
func (m *mapFrame) labels(b *strings.Builder, claimed string) {
	for _, code := range m.codes {
		ring := mainRing(m.countries, code)
		if len(ring) == 0 || !m.touches(ring) {
			continue
		}
		s, w, n, e := 90.0, 180.0, -90.0, -180.0
		for _, p := range ring {
			w, e, s, n = min(w, p[0]), max(e, p[0]), min(s, p[1]), max(n, p[1])
		}
		c := m.xy((s+n)/2, (w+e)/2)
		if c[0] < 0 || c[1] < 0 || c[0] > float64(m.w) || c[1] > float64(m.h) {
			continue
		}
		name := m.countries[code].Name
		switch {
		case code == claimed:
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-weight="bold" font-size="13" fill="#1d5e1a" stroke="white" stroke-width="3" paint-order="stroke">%s (claimed)</text>`+"\n",
				c[0], c[1], html.EscapeString(name))
		case (e-w)*m.cosLat*m.k >= 60:
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#6b6457">%s</text>`+"\n", c[0], c[1], html.EscapeString(name))
		}
	}
}
