package geo

import "testing"

func TestNearestPlace(t *testing.T) {
	cases := []struct {
		name     string
		lat, lon float64
		want, cc string
		maxKm    float64
	}{
		{"a point in Frankfurt is Frankfurt", 50.11, 8.68, "Frankfurt am Main", "DE", 5},
		{"a point in Luxembourg city is Luxembourg", 49.61, 6.13, "Luxembourg", "LU", 5},
		{"a point in Singapore is Singapore", 1.29, 103.85, "Singapore", "SG", 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, km, ok := NearestPlace(c.lat, c.lon)
			if !ok || p.Name != c.want || p.Country != c.cc || km > c.maxKm {
				t.Fatalf("got %+v at %.1f km (ok %v), want %s, %s within %.0f km", p, km, ok, c.want, c.cc, c.maxKm)
			}
		})
	}
}
