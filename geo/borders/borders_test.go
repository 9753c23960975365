package borders

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/geo"
)

func TestTheCodeListIsTheOutlines(t *testing.T) {
	var have []string
	for cc := range Countries() {
		have = append(have, cc)
	}
	slices.Sort(have)
	if want := geo.CountryCodes(); !slices.Equal(have, want) {
		t.Fatalf("geo's country codes (%d) differ from the outlines (%d): regenerate geo/codes.go", len(want), len(have))
	}
	for _, cc := range []string{"lu", "LU", "US"} {
		if !geo.IsCountryCode(cc) {
			t.Errorf("IsCountryCode(%q) is false", cc)
		}
	}
	for _, cc := range []string{"", "L", "XX", "LUX", "U "} {
		if geo.IsCountryCode(cc) {
			t.Errorf("IsCountryCode(%q) is true", cc)
		}
	}
}

func TestRelate(t *testing.T) {
	lux, _ := geo.LookupLandmark("Luxembourg,LU")
	lms := []geo.Landmark{lux}
	for _, n := range []string{"Paris,FR", "Frankfurt am Main", "Brussels", "Amsterdam"} {
		l, ok := geo.LookupLandmark(n)
		if !ok {
			t.Fatalf("no landmark %s", n)
		}
		lms = append(lms, l)
	}
	var ms []geo.Measurement
	for _, l := range lms {
		km := geo.DistanceKm(lux.Lat, lux.Lon, l.Lat, l.Lon)
		ms = append(ms, geo.Measurement{Landmark: l, RTT: time.Duration((km*1.3+5)/geo.FibreKmPerMs*2*float64(time.Millisecond)) + time.Millisecond})
	}
	r := geo.Solve(ms, geo.Options{})
	if rel, err := Relate(r, "lu"); err != nil || rel == geo.Outside || rel == geo.Unknown {
		t.Errorf("a region around Luxembourg relates to LU as %v, %v", rel, err)
	}
	if rel, err := Relate(r, "US"); err != nil || rel != geo.Outside {
		t.Errorf("a region around Luxembourg relates to the US as %v, %v", rel, err)
	}
	if _, err := Relate(r, "XX"); err == nil || !strings.Contains(err.Error(), `unknown country code "XX"`) {
		t.Errorf("an unknown code: %v", err)
	}
	if d := DistanceKm(r, "US"); d < 3000 {
		t.Errorf("Luxembourg lies %.0f km from the US border", d)
	}
	if d := DistanceKm(r, "XX"); d != -1 {
		t.Errorf("an unknown code's distance is %v", d)
	}
}
