package borders

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"

	"github.com/sovbench/sovbench/geo"
)

//go:embed data/countries.json
var countriesJSON []byte

var load = sync.OnceValues(func() (map[string]*geo.Country, error) {
	return geo.ParseCountries(countriesJSON, "geo/borders/data/countries.json")
})

// Countries returns every country outline by ISO alpha-2 code. The map is
// shared: callers must not change it.
func Countries() map[string]*geo.Country {
	m, err := load()
	if err != nil {
		panic("borders: embedded country outlines: " + err.Error()) // a build defect, tested
	}
	return m
}

// Lookup returns the outline of the country with ISO alpha-2 code cc
// (either case).
func Lookup(cc string) (*geo.Country, bool) {
	c, ok := Countries()[strings.ToUpper(cc)]
	return c, ok
}

// Relate relates a region to the country cc's outline (geo.Region's
// RelateCountry); an unknown code is an error.
func Relate(r *geo.Region, cc string) (geo.Relation, error) {
	c, ok := Lookup(cc)
	if !ok {
		return geo.Unknown, fmt.Errorf("relating region: unknown country code %q", cc)
	}
	return r.RelateCountry(c)
}

// DistanceKm is how far a region is from the border of the country cc (0
// when it straddles it); -1 for an empty or unconstrained region or an
// unknown code.
func DistanceKm(r *geo.Region, cc string) float64 {
	c, ok := Lookup(cc)
	if !ok {
		return -1
	}
	return r.BorderDistanceKm(c)
}
