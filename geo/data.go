package geo

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/golang/geo/s2"
)

//go:embed data/countries.json
var countriesJSON []byte

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

// Country is one country outline.
type Country struct {
	Code string // ISO 3166-1 alpha-2
	Name string
	// Rings are the outline's rings as [lon, lat] pairs, as in the data.
	Rings   [][][2]float64
	polygon *s2.Polygon
}

// Polygon returns the outline as an s2 polygon.
func (c *Country) Polygon() *s2.Polygon { return c.polygon }

var loadCatalogue = sync.OnceValues(func() ([]Landmark, error) {
	return parseLandmarks(bytes.NewReader(landmarksCSV), "data/landmarks.csv")
})

var loadCountries = sync.OnceValues(func() (map[string]*Country, error) {
	return parseCountries(countriesJSON, "data/countries.json")
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

// Countries returns every country outline by ISO code.
func Countries() map[string]*Country {
	m, err := loadCountries()
	if err != nil {
		panic("geo: embedded country outlines: " + err.Error()) // a build defect, tested
	}
	return m
}

// LookupCountry returns the outline of the country with ISO alpha-2 code cc.
func LookupCountry(cc string) (*Country, bool) {
	c, ok := Countries()[strings.ToUpper(cc)]
	return c, ok
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

func parseCountries(data []byte, file string) (map[string]*Country, error) {
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

// loopOfRing turns a closed [lon, lat] ring into a normalized s2 loop, or nil
// when the ring is degenerate or invalid on the sphere (the source is drawn
// for flat maps: a few polar rings run along the antimeridian).
func loopOfRing(ring [][2]float64) *s2.Loop {
	if n := len(ring); n > 1 && ring[0] == ring[n-1] {
		ring = ring[:n-1]
	}
	pts := make([]s2.Point, 0, len(ring))
	for _, p := range ring {
		q := pointOf(p[1], p[0])
		if len(pts) > 0 && pts[len(pts)-1].ApproxEqual(q) {
			continue
		}
		pts = append(pts, q)
	}
	if len(pts) < 3 {
		return nil
	}
	l := s2.LoopFromPoints(pts)
	l.Normalize()
	if l.Validate() != nil {
		return nil
	}
	return l
}

var sortedCodes = sync.OnceValue(func() []string {
	out := make([]string, 0, len(Countries()))
	for c := range Countries() {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
})
