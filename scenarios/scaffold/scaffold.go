package scaffold

import (
	"bytes"
	_ "embed"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"text/template"

	"github.com/sovbench/sovbench/geo"
)

// Families are the claim families a suite can be scaffolded with, in the
// order the suite lists them.
var Families = []string{"host", "egress", "location", "inbound", "controlplane", "tpm", "jurisdiction"}

// FamilyDoc says in a line what each family checks (for the questions).
var FamilyDoc = map[string]string{
	"host":         "who operates the host: DMI, hypervisor, metadata services",
	"egress":       "what the host can reach outside the provider",
	"location":     "where the host is, from its round trips to RIPE Atlas anchors",
	"inbound":      "where the host is, from Atlas probes' round trips towards it (needs an Atlas API key)",
	"controlplane": "where the provider's control-plane API answers from",
	"tpm":          "the host's TPM: hardware, whose, what booted",
	"jurisdiction": "whose law applies to the operator's chain of control",
}

// Options are the answers a suite is written from.
type Options struct {
	Provider string   // provider name
	Hosts    []string // ssh hosts (addresses or names)
	User     string   // ssh user
	Key      string   // ssh private key file
	// KnownHosts is the known_hosts file holding the hosts' keys.
	KnownHosts string
	Families   []string
	// Country is where the provider says the hosts are (ISO alpha-2).
	Country string
	// Near is a catalogue place the nearest anchors are chosen around
	// (default: the most populous place of Country).
	Near string
	// Landmarks is the landmark file (sovbench landmarks fetch), and
	// SHA256 its pin when the file is there.
	Landmarks, SHA256 string
	// Disconnected: the provider says its hosts reach nothing outside.
	Disconnected bool
	// Control is the positive control of the egress probe: host:port of
	// a service inside the provider that must answer.
	Control string
	// Operator is the operating company, as the jurisdiction registry
	// names it; ControlPlane is the provider's API URL.
	Operator, ControlPlane string
	// EKRoots is the directory of extra TPM makers' EK CAs (--tpm-roots
	// layout) that the run hint names.
	EKRoots string
}

//go:embed suite.yaml.tmpl
var suiteTemplate string

var tmpl = template.Must(template.New("suite").Funcs(template.FuncMap{"q": func(s string) string { return fmt.Sprintf("%q", s) }}).Parse(suiteTemplate))

// Check completes the defaults and checks the answers; errors name the
// answer (its flag in sovbench init).
func (o *Options) Check() error {
	if o.Landmarks == "" {
		o.Landmarks = "landmarks/atlas-anchors.json"
	}
	if o.EKRoots == "" {
		o.EKRoots = "/etc/sovbench/ek-roots"
	}
	o.Country = strings.ToUpper(o.Country)
	for _, f := range o.Families {
		if !slices.Contains(Families, f) {
			return fmt.Errorf("families: unknown family %q (known: %s)", f, strings.Join(Families, ", "))
		}
	}
	switch {
	case o.Provider == "":
		return fmt.Errorf("provider: give the provider's name")
	case len(o.Hosts) == 0:
		return fmt.Errorf("hosts: give at least one host to log in to")
	case o.User == "" || o.Key == "" || o.KnownHosts == "":
		return fmt.Errorf("ssh-user, ssh-key, known-hosts: the ssh login (the host keys are always checked against known_hosts)")
	case len(o.Families) == 0:
		return fmt.Errorf("families: choose at least one of %s", strings.Join(Families, ", "))
	}
	return o.checkFamilies()
}

func (o *Options) checkFamilies() error {
	if o.has("location") || o.has("inbound") {
		if !geo.IsCountryCode(o.Country) {
			return fmt.Errorf("country: %q is not an ISO 3166 alpha-2 country code", o.Country)
		}
		if o.Near == "" {
			o.Near = largestPlace(o.Country)
		}
		if _, ok := geo.LookupLandmark(o.Near); !ok {
			return fmt.Errorf("near: no place %q in the catalogue (try \"City\" or \"City,CC\")", o.Near)
		}
	}
	if o.has("inbound") {
		for _, h := range o.Hosts {
			if _, err := netip.ParseAddr(h); err != nil {
				return fmt.Errorf("hosts: inbound needs the hosts' public IP addresses (Atlas probes ping an address), not %q", h)
			}
		}
	}
	switch {
	case o.has("egress") && o.Control == "":
		return fmt.Errorf("control: egress needs a positive control, host:port of a service inside the provider that must answer")
	case o.has("jurisdiction") && o.Operator == "":
		return fmt.Errorf("operator: jurisdiction needs the operating company")
	case o.has("controlplane") && !strings.HasPrefix(o.ControlPlane, "https://"):
		return fmt.Errorf("control-plane: controlplane needs the provider's API URL (https://...)")
	}
	return nil
}

func (o *Options) has(f string) bool { return slices.Contains(o.Families, f) }

// largestPlace is the most populous catalogue place of a country.
func largestPlace(cc string) string {
	best := geo.Landmark{}
	for _, l := range geo.Catalogue() {
		if l.Country == cc && l.Population >= best.Population {
			best = l
		}
	}
	if best.Name == "" {
		return ""
	}
	return best.Name + "," + cc
}

// Write returns the suite's YAML for checked options.
func Write(o Options) ([]byte, error) {
	host, port, err := splitControl(o)
	if err != nil {
		return nil, err
	}
	data := map[string]any{"O": o, "Has": o.has, "ControlHost": host, "ControlPort": port, "Name": slug(o.Provider)}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("writing the suite: %w", err)
	}
	return b.Bytes(), nil
}

func splitControl(o Options) (string, string, error) {
	if !o.has("egress") {
		return "", "", nil
	}
	i := strings.LastIndex(o.Control, ":")
	if i <= 0 || i == len(o.Control)-1 {
		return "", "", fmt.Errorf("control: %q is not host:port", o.Control)
	}
	return strings.Trim(o.Control[:i], "[]"), o.Control[i+1:], nil
}

// slug makes a suite name from a provider name.
func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-") + "-audit"
}
