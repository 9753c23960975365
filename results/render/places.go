package render

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/results"
)

// PlaceNotStated is what a page says of a destination whose place the
// suite does not state: sovbench never guesses one (an address's
// registry country is not where a host is).
const PlaceNotStated = "place not stated"

// places are the egress destinations the suite lists, by placeKey: where
// it says each is and what for. They come from the suite embedded in the
// report, which the auditor wrote, never from the evidence an agent sent
// (which could call the replica a positive control).
type places map[string]declared

// declared is what the suite says of one destination.
type declared struct {
	Place, Category string
	Control         bool
}

func placeKey(host string, port int, protocol string) string {
	return host + "|" + strconv.Itoa(port) + "|" + protocol
}

// placesOf reads the places of the egress destinations the suite embedded
// in r lists inline (destinations from list files have none). A suite
// that does not parse here yields none: every place is then not stated.
func placesOf(r *results.Report) places {
	var s struct {
		Probes []struct {
			Probe  string `yaml:"probe"`
			Params struct {
				Destinations []struct {
					Host     string `yaml:"host"`
					Port     int    `yaml:"port"`
					Protocol string `yaml:"protocol"`
					Place    string `yaml:"place"`
					Category string `yaml:"category"`
					Control  bool   `yaml:"control"`
				} `yaml:"destinations"`
				Sweep []struct {
					Host     string `yaml:"host"`
					Category string `yaml:"category"`
					Place    string `yaml:"place"`
				} `yaml:"sweep"`
			} `yaml:"params"`
		} `yaml:"probes"`
	}
	out := places{}
	if yaml.Unmarshal([]byte(r.Suite.Source), &s) != nil {
		return out
	}
	for _, p := range s.Probes {
		if p.Probe != "egress" {
			continue
		}
		for _, d := range p.Params.Destinations {
			out[placeKey(d.Host, d.Port, d.Protocol)] = declared{Place: strings.TrimSpace(d.Place), Category: d.Category, Control: d.Control}
		}
		for _, w := range p.Params.Sweep { // every port and way of a far end
			out[placeKey(w.Host, -1, "")] = declared{Place: strings.TrimSpace(w.Place), Category: w.Category}
		}
	}
	return out
}

// lookup is what the suite declares of d (ok false when it lists no such
// destination). A destination whose port the suite left to the
// protocol's default is matched without it; one of a far end the suite
// sweeps, by its host alone.
func (ps places) lookup(d results.EgressDestination) (declared, bool) {
	if x, ok := ps[placeKey(d.Host, d.Port, d.Protocol)]; ok {
		return x, true
	}
	if x, ok := ps[placeKey(d.Host, 0, d.Protocol)]; ok {
		return x, true
	}
	x, ok := ps[placeKey(d.Host, -1, "")]
	return x, ok
}

// where names d by role and place as the suite declares them
// ("replication, Singapore"); the role falls back to the evidence's
// category, the place to PlaceNotStated.
func (ps places) where(d results.EgressDestination) string {
	x, ok := ps.lookup(d)
	if !ok {
		x = declared{Category: d.Category, Control: d.Control}
	}
	place := x.Place
	if place == "" {
		place = PlaceNotStated
	}
	return role(x) + ", " + place
}

// role is what a destination is for: a positive control (the provider's
// own service) or the category the suite gave it.
func role(x declared) string {
	switch {
	case x.Control && x.Category != "":
		return "positive control (" + x.Category + ")"
	case x.Control:
		return "positive control"
	case x.Category != "":
		return x.Category
	}
	return "destination"
}

// reached lists the destinations of r's egress evidence that answered and
// are not positive controls, by role and place with their address, in
// evidence order and without repeats: what a leak reached and where.
func reached(r *results.Report) []string {
	ps := placesOf(r)
	seen := map[string]bool{}
	var out []string
	for _, e := range r.Evidence {
		if e.Egress == nil {
			continue
		}
		for _, d := range e.Egress.Destinations {
			if x, ok := ps.lookup(d); !d.Reachable || d.RandomPort || (ok && x.Control) || (!ok && d.Control) {
				continue
			}
			s := fmt.Sprintf("%s (%s)", ps.where(d), address(d))
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

// address is d's host, port and protocol: "198.18.9.9:9000/tcp",
// "[fd5b:1ab::3]:9000/tcp".
func address(d results.EgressDestination) string {
	if d.Port > 0 {
		return net.JoinHostPort(d.Host, strconv.Itoa(d.Port)) + "/" + d.Protocol
	}
	return d.Host + "/" + d.Protocol
}
