package geo

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/golang/geo/s2"
)

//go:embed data/landmarks.csv
var landmarksCSV []byte

// Landmark is a place with known coordinates.
type Landmark struct {
	Name    string  `json:"name"`
	Country string  `json:"country"` // ISO 3166-1 alpha-2
	Lat     float64 `json:"lat"`
	Lon     float64 `json:"lon"`
	// Population orders places of the same name; 0 when not known.
	Population int `json:"population,omitempty"`
}

// Point returns the landmark's position.
func (l Landmark) Point() s2.Point { return pointOf(l.Lat, l.Lon) }

// Attribution credits the embedded data, as its licences ask wherever it
// is shown (version output, HTML reports); data/ATTRIBUTION.md has the
// details.
const Attribution = "Place data from GeoNames (geonames.org, CC BY 4.0); country outlines from Natural Earth (public domain)."

// OutlineMarginKm is how far a country outline may lie from the true
// border or coast. The 1:50m outlines lie within 3 km of the 1:10m ones at
// the 90th percentile of their vertices and within 8 km at the 99th; small
// island territories come from the 1:10m outlines; every capital lies
// within 4.5 km of its country's outline (TestOutlines). A region closer
// than this to a border cannot be placed on either side of it.
const OutlineMarginKm = 10.0

// Country is one country outline (geo/borders has them all).
type Country struct {
	Code string // ISO 3166-1 alpha-2
	Name string
	// Rings are the outline's rings as [lon, lat] pairs, as in the data.
	Rings   [][][2]float64
	polygon *s2.Polygon

	indexOnce sync.Once // index: the outline indexed for distance queries
	index     *s2.ShapeIndex
}

// Polygon returns the outline as an s2 polygon.
func (c *Country) Polygon() *s2.Polygon { return c.polygon }

var loadCatalogue = sync.OnceValues(func() ([]Landmark, error) {
	return parseLandmarks(bytes.NewReader(landmarksCSV), "data/landmarks.csv")
})

// Catalogue returns every landmark shipped with sovbench.
func Catalogue() []Landmark {
	l, err := loadCatalogue()
	if err != nil {
		panic("geo: embedded landmark catalogue: " + err.Error()) // a build defect, tested
	}
	return l
}

// LookupLandmark finds a catalogue place by "Name" or "Name,CC" (case
// insensitive). Among places of the same name the most populous wins.
func LookupLandmark(name string) (Landmark, bool) {
	n, cc, _ := strings.Cut(name, ",")
	n, cc = strings.TrimSpace(n), strings.TrimSpace(cc)
	var best Landmark
	found := false
	for _, l := range Catalogue() {
		if !strings.EqualFold(l.Name, n) || (cc != "" && !strings.EqualFold(l.Country, cc)) {
			continue
		}
		if !found || l.Population > best.Population {
			best, found = l, true
		}
	}
	return best, found
}

func parseLandmarks(r io.Reader, file string) ([]Landmark, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 5
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("reading %s: no header", file)
	}
	out := make([]Landmark, 0, len(recs)-1)
	for i, rec := range recs[1:] {
		lat, err1 := strconv.ParseFloat(rec[2], 64)
		lon, err2 := strconv.ParseFloat(rec[3], 64)
		pop, err3 := strconv.Atoi(rec[4])
		if err1 != nil || err2 != nil || err3 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			return nil, fmt.Errorf("%s:%d: bad lat, lon or population %q", file, i+2, strings.Join(rec, ","))
		}
		out = append(out, Landmark{Name: rec[0], Country: rec[1], Lat: lat, Lon: lon, Population: pop})
	}
	return out, nil
}

type featureCollection struct {
	Features []struct {
		ID         string `json:"id"`
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
		Geometry struct {
			Type        string           `json:"type"`
			Coordinates [][][][2]float64 `json:"coordinates"`
		} `json:"geometry"`
	} `json:"features"`
}

// ParseCountries reads country outlines from a GeoJSON feature collection
// of MultiPolygons keyed by ISO alpha-2 id, as geo/borders embeds them;
// file names the data in errors.
func ParseCountries(data []byte, file string) (map[string]*Country, error) {
	var fc featureCollection
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", file, err)
	}
	out := make(map[string]*Country, len(fc.Features))
	for i, f := range fc.Features {
		if f.Geometry.Type != "MultiPolygon" || f.ID == "" {
			return nil, fmt.Errorf("%s: features[%d]: want a MultiPolygon with an id, got %q %q", file, i, f.Geometry.Type, f.ID)
		}
		c := &Country{Code: f.ID, Name: f.Properties.Name}
		var loops []*s2.Loop
		for _, poly := range f.Geometry.Coordinates {
			for _, ring := range poly {
				c.Rings = append(c.Rings, ring)
				if l := loopOfRing(ring); l != nil {
					loops = append(loops, l)
				}
			}
		}
		c.polygon = s2.PolygonFromLoops(loops)
		out[c.Code] = c
	}
	return out, nil
}

// loopOfRing turns a closed [lon, lat] ring into an s2 loop around the
// ring's own (planar) inside, or nil when the ring is degenerate or invalid
// on the sphere (the source is drawn for flat maps: a few polar rings run
// along the antimeridian). The inside is the side the ring encloses on the
// map, whichever way it winds, or for a ring around a pole the smaller
// side: no outline ring covers half the Earth. s2's Normalize cannot tell
// for rings of a few km² (their turning angle is below its error bound),
// which once turned small islands into outlines covering the globe.
func loopOfRing(ring [][2]float64) *s2.Loop {
	if n := len(ring); n > 1 && ring[0] == ring[n-1] {
		ring = ring[:n-1]
	}
	ring = densify(ring)
	ccw := planarArea(ring) > 0
	pts := make([]s2.Point, 0, len(ring))
	for i := range ring {
		p := ring[i]
		if !ccw {
			p = ring[len(ring)-1-i]
		}
		q := pointOf(p[1], p[0])
		if len(pts) > 0 && pts[len(pts)-1].ApproxEqual(q) {
			continue
		}
		pts = append(pts, q)
	}
	pts = dropSpikes(pts)
	if len(pts) < 3 {
		return nil
	}
	// s2 decides which side is inside from the corner at vertex 1: make
	// it a convex corner (the southernmost vertex), as a sliver's corners
	// may be too flat to decide.
	low := 0
	for i, p := range pts {
		if p.Z < pts[low].Z {
			low = i
		}
	}
	k := (low - 1 + len(pts)) % len(pts)
	pts = append(pts[k:len(pts):len(pts)], pts[:k]...)
	l := s2.LoopFromPoints(pts)
	if l.Area() > 2*math.Pi {
		l.Invert() // a ring around a pole, whose flat-map winding says nothing
	}
	if l.Validate() != nil || l.ContainsPoint(s2.Point{Vector: l.Vertex(0).Mul(-1)}) {
		return nil
	}
	return l
}

// densifyStep is the longest edge, in degrees of latitude or longitude, a
// ring keeps: at 80° of latitude a great circle over it strays 0.1 km from
// the straight line on the map.
const densifyStep = 0.25

// densify adds points along every edge longer than densifyStep. The source
// draws its edges straight on the flat map: a border along a parallel (the
// 49th between Canada and the United States, 22° N between Egypt and
// Sudan) is straight in latitude and longitude, and a great circle between
// its ends would bow poleward by up to 190 km.
func densify(ring [][2]float64) [][2]float64 {
	out := make([][2]float64, 0, len(ring))
	for i, a := range ring {
		out = append(out, a)
		b := ring[(i+1)%len(ring)]
		dlon, dlat := b[0]-a[0], b[1]-a[1]
		if math.Abs(dlon) > 180 { // the cut at the antimeridian: no edge
			continue
		}
		n := int(math.Ceil(max(math.Abs(dlon), math.Abs(dlat)) / densifyStep))
		for k := 1; k < n; k++ {
			f := float64(k) / float64(n)
			out = append(out, [2]float64{a[0] + f*dlon, a[1] + f*dlat})
		}
	}
	return out
}

// dropSpikes removes a ring's closing duplicate and every spike A B A:
// a polar ring drawn for flat maps runs down the antimeridian to the pole
// and back up the same meridian, which on the sphere is an edge and its
// reverse.
func dropSpikes(pts []s2.Point) []s2.Point {
	for changed := true; changed && len(pts) >= 3; {
		changed = false
		if pts[0].ApproxEqual(pts[len(pts)-1]) {
			pts, changed = pts[:len(pts)-1], true
			continue
		}
		for i := range pts {
			a, c := pts[(i-1+len(pts))%len(pts)], pts[(i+1)%len(pts)]
			if a.ApproxEqual(c) {
				j := (i + 1) % len(pts)
				pts = slices.Delete(pts, max(i, j), max(i, j)+1)
				pts = slices.Delete(pts, min(i, j), min(i, j)+1)
				changed = true
				break
			}
		}
	}
	return pts
}

// planarArea is the shoelace area of a [lon, lat] ring on the flat map:
// positive when it winds counter-clockwise. A ring that crosses the
// antimeridian is unwrapped first.
func planarArea(ring [][2]float64) float64 {
	s, shift := 0.0, 0.0
	prev := ring[len(ring)-1][0]
	for i := range ring {
		a, b := ring[i], ring[(i+1)%len(ring)]
		if d := a[0] - prev; d > 180 {
			shift -= 360
		} else if d < -180 {
			shift += 360
		}
		prev = a[0]
		x1, x2 := a[0]+shift, b[0]+shift
		if d := b[0] - a[0]; d > 180 {
			x2 -= 360
		} else if d < -180 {
			x2 += 360
		}
		s += x1*b[1] - x2*a[1]
	}
	return s / 2
}
