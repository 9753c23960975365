package seed

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"

	"github.com/sovbench/sovbench/lab"
	seedsuites "github.com/sovbench/sovbench/scenarios/seed"
)

//go:embed lab.yaml
var labFile []byte

// LabFile returns the embedded lab file's source.
func LabFile() []byte { return bytes.Clone(labFile) }

// Topology parses the embedded lab file, for its providers and ground
// truth. Its hosts' fixture paths name trees that exist only once WriteLab
// has written them.
func Topology() (*lab.Topology, error) {
	return lab.Parse("seed/lab.yaml", labFile)
}

// Bind binds the seed suites to provider p of the running lab l.
func Bind(l *lab.Lab, p lab.Provider) (seedsuites.Binding, error) {
	b := seedsuites.Binding{
		Provider: p.Name, Operator: p.Operator, Host: p.Name + "/vm1",
		Claims: fmt.Sprintf("%s, %s (%s): %s", p.Operator, p.City, p.Country, p.Facts["claim"]),
		CAPEM:  string(l.CA.PEM),
	}
	addrs := map[string]*string{
		"ctl-" + p.Name: &b.Control, "api-" + p.Name: &b.API, "svc-" + p.Name: &b.Services, "dns-" + p.Name: &b.Resolver,
		"sink": &b.Sink, "vendor": &b.Vendor, "replica": &b.Replica, "mirror": &b.Mirror,
	}
	if p.Name == "s3ns" {
		addrs["s3ns-proxy"] = &b.Proxy
	}
	md := b.Host
	if _, err := l.Topology.Service("md-" + p.Name); err == nil {
		md = "md-" + p.Name
	}
	addrs[md] = &b.Metadata
	for name, dst := range addrs {
		a, err := l.Addr(name)
		if err != nil {
			return b, fmt.Errorf("binding %s: %w", p.Name, err)
		}
		*dst = a.String()
	}
	if b.Proxy != "" {
		b.Proxy = "http://" + b.Proxy + ":3128"
	}
	b.Places = map[string]string{"provider": placeOf(p)}
	for _, name := range []string{"sink", "vendor", "replica", "mirror"} {
		if s, err := l.Topology.Service(name); err == nil {
			b.Places[name] = s.Location.Place
		}
	}
	if err := bindFull(l, p, &b); err != nil {
		return b, err
	}
	b.Metadata = "http://" + b.Metadata
	for _, s := range l.Topology.Services {
		if s.Kind == "landmark" && strings.HasPrefix(s.Name, "lm-") {
			b.Landmarks = append(b.Landmarks, seedsuites.Landmark{Name: s.Name, Addr: s.Addrs[0].String(), Lat: s.Location.Lat, Lon: s.Location.Lon})
		}
	}
	return b, nil
}

// farEnds are the lab's far ends swept by the full coverage, with the
// category each stands for.
var farEnds = []struct{ name, category string }{
	{"sink", "internet"}, {"vendor", "vendor"}, {"replica", "replication"}, {"mirror", "updates"},
}

// bindFull fills what the full coverage needs: the IPv6 twins of the
// controls and every address of every far end.
func bindFull(l *lab.Lab, p lab.Provider, b *seedsuites.Binding) error {
	v6 := func(name string) (string, error) {
		s, err := l.Topology.Service(name)
		if err != nil {
			return "", fmt.Errorf("binding %s: %w", p.Name, err)
		}
		return s.Addrs[len(s.Addrs)-1].String(), nil
	}
	var err error
	if b.Control6, err = v6("ctl-" + p.Name); err != nil {
		return err
	}
	if b.Services6, err = v6("svc-" + p.Name); err != nil {
		return err
	}
	if b.Resolver6, err = v6("dns-" + p.Name); err != nil {
		return err
	}
	for _, f := range farEnds {
		s, err := l.Topology.Service(f.name)
		if err != nil {
			return fmt.Errorf("binding %s: %w", p.Name, err)
		}
		for _, a := range s.Addrs {
			b.FarEnds = append(b.FarEnds, seedsuites.FarEnd{Addr: a.String(), Category: f.category, Place: s.Location.Place})
		}
	}
	return nil
}

// placeOf is where the lab file puts provider p: its city and country
// code, or whichever of them it states.
func placeOf(p lab.Provider) string {
	if p.City != "" && p.Country != "" {
		return p.City + ", " + p.Country
	}
	return p.City + p.Country
}
