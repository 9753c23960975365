package seed

import (
	"bytes"
	"embed"
	"fmt"
	"sort"
	"strings"
	"text/template"

	"github.com/sovbench/sovbench/scenarios/suite"
)

//go:embed suites/*.tmpl
var suiteFS embed.FS

// suiteTemplates parses every suite template with the shared parts once.
var suiteTemplates = template.Must(template.New("seed").Option("missingkey=error").
	Funcs(template.FuncMap{"list": func(s ...string) []string { return s }}).ParseFS(suiteFS, "suites/*.tmpl"))

// SuiteNames lists the seed suites in the order the demo runs them.
func SuiteNames() []string {
	var names []string
	for _, t := range suiteTemplates.Templates() {
		if n, ok := strings.CutSuffix(t.Name(), ".yaml.tmpl"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// Landmark is a landmark of the lab with its true position.
type Landmark struct {
	Name, Addr string
	Lat, Lon   float64
}

// Binding is what a suite template needs to run against one lab provider
// (lab/seed's Bind fills it from a running lab):
// the host to run on, the provider's operator of record (input of the
// jurisdiction probe), its positive control and control-plane API inside the
// provider, and the addresses of the lab's far ends.
type Binding struct {
	Provider, Claims, Host, Operator string
	// Control is the provider-internal landmark (egress positive control),
	// API the provider's control-plane endpoint and CAPEM the lab CA
	// (inline, never a file: the suite, embedded in every report, must parse
	// after the lab is gone and on another machine).
	Control, API, CAPEM string
	// TPM is the host's software TPM (swtpm://...); the suites leave the TPM
	// out when it is empty. Its claims name no trust anchor: a software TPM
	// passes them only as such (allow_simulated), on any machine.
	TPM string
	// TEE is the host's confidential-VM fixture (nil: none); the suites
	// leave the tee probe and claims out without one.
	TEE *TEE
	// Proxy is the provider's forward proxy URL, empty when it has none.
	Proxy string
	// Metadata is the base URL the host probe asks the aws, gce and azure
	// metadata protocols at, standing in for 169.254.169.254 (never dialled
	// here): the provider's md-<provider> service, or the host's own
	// address, where nothing listens, when its platform has none.
	Metadata                      string
	Sink, Vendor, Replica, Mirror string
	// Places say where the far ends are, by lab service name (sink,
	// vendor, replica, mirror), and "provider" where the provider's own
	// controls are, as the lab file states; the suites write them as each
	// destination's place, and leave it empty where the lab says nothing.
	Places    map[string]string
	Landmarks []Landmark
	// Control6 is Control's IPv6 twin; Services and Services6 the
	// provider's own control service (TCP and UDP echo on 7, HTTP 80, HTTPS
	// 443, NTP 123, QUIC 443), Resolver the provider's resolver: together
	// the positive controls of every way out the full coverage tries.
	Control6, Services, Services6, Resolver, Resolver6 string
	// FarEnds are swept with the full coverage (egress-full): every
	// address of every far end with its category.
	FarEnds []FarEnd
}

// FarEnd is one address of a far end, the category it stands for and
// where the lab says it is ("" when the lab does not say).
type FarEnd struct{ Addr, Category, Place string }

// TEE is a lab host's confidential-VM fixture as a suite binds it: the
// kind its test signer claims and the fingerprint ("sha256:...") of the
// test root the suite lists.
type TEE struct {
	Kind, Root string
}

// Render renders the named seed suite for b and parses it.
func Render(name string, b Binding) (*suite.Suite, error) {
	var buf bytes.Buffer
	if err := suiteTemplates.ExecuteTemplate(&buf, name+".yaml.tmpl", b); err != nil {
		return nil, fmt.Errorf("rendering suite %s for %s: %w", name, b.Provider, err)
	}
	s, err := suite.Parse(fmt.Sprintf("seed/%s@%s.yaml", name, b.Provider), buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("parsing suite %s for %s: %w", name, b.Provider, err)
	}
	return s, nil
}
