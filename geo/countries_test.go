package geo

import (
	"os"
	"strings"
	"sync"
)

// testCountries are the outlines geo/borders embeds, read from its source
// file: this package's tests cannot import borders, which imports geo.
var testCountries = sync.OnceValue(func() map[string]*Country {
	const file = "borders/data/countries.json"
	b, err := os.ReadFile(file)
	if err != nil {
		panic(err)
	}
	m, err := ParseCountries(b, file)
	if err != nil {
		panic(err)
	}
	return m
})

// testCountry is the outline of cc, nil for an unknown code.
func testCountry(cc string) *Country { return testCountries()[strings.ToUpper(cc)] }
