package host

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// fixtureRoot is the fixture tree of one platform under testdata/hosts.
func fixtureRoot(t *testing.T, platform string) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("testdata", "hosts", platform))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root); err != nil {
		t.Fatalf("fixture %s: %v", platform, err)
	}
	return root
}

// newHostAt builds the host probe with p: of this machine when root is "",
// else of the fixture tree at root.
func newHostAt(t *testing.T, p probes.HostParams, root string) probes.Probe {
	t.Helper()
	var (
		pr  probes.Probe
		err error
	)
	if root == "" {
		pr, err = New(p)
	} else {
		pr, err = NewFixture(p, root)
	}
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

// runHost runs the host probe with p (on the fixture tree at root, or this
// machine when root is "") and returns its details.
func runHost(t *testing.T, p probes.HostParams, root string, wrap func(fs.FS) fs.FS) (*results.HostDetails, results.Evidence) {
	t.Helper()
	pr := newHostAt(t, p, root)
	if wrap != nil {
		pr.(*hostProbe).fsys = wrap(pr.(*hostProbe).fsys)
	}
	ev, err := pr.Run(context.Background(), probes.Target{Name: "t", Kind: "local"})
	if err != nil {
		t.Fatal(err)
	}
	if ev.Host == nil {
		t.Fatal("no host details")
	}
	return ev.Host, ev
}

func TestHostFixturesNameTheirOperator(t *testing.T) {
	cases := []struct {
		name, platform          string
		operator, confidence    string
		virt, hvVendor, nicVend string
		hypervisor              bool
	}{
		{"GCE is Google", "gce", probes.OpGoogle, "high", "google", "kvm", "Google", true},
		{"AWS Nitro is Amazon", "aws-nitro", probes.OpAmazon, "high", "amazon", "kvm", "Amazon", true},
		{"an EC2 .metal instance is Amazon without a hypervisor", "aws-metal", probes.OpAmazon, "high", "none", "", "Amazon", false},
		{"Azure is Microsoft", "azure", probes.OpMicrosoft, "high", "microsoft", "microsoft", "Microsoft", true},
		{"a Nova cloud is OpenStack-based", "openstack", probes.OpOpenStack, "medium", "kvm", "kvm", "OpenStack Neutron", true},
		{"OVHcloud Public Cloud refines OpenStack", "ovh-public-cloud", probes.OpOVH, "high", "kvm", "kvm", "OpenStack Neutron", true},
		{"Hetzner Cloud is Hetzner", "hetzner-cloud", probes.OpHetzner, "high", "kvm", "kvm", "Hetzner", true},
		{"Scaleway by DMI alone is low confidence", "scaleway", probes.OpScaleway, "low", "kvm", "kvm", "", true},
		{"a Dell server without hypervisor is bare metal", "bare-metal", probes.OpBareMetal, "medium", "none", "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, _ := runHost(t, probes.DefaultHostParams(), fixtureRoot(t, c.platform), nil)
			if d.Operator.Name != c.operator || d.Operator.Confidence != c.confidence {
				t.Errorf("operator = %s (%s), want %s (%s); rules %+v", d.Operator.Name, d.Operator.Confidence, c.operator, c.confidence, d.Operator.Rules)
			}
			if d.Virt.Value != c.virt {
				t.Errorf("virtualization = %q (%s), want %q", d.Virt.Value, d.Virt.Source, c.virt)
			}
			if d.Hypervisor.Present != c.hypervisor || d.Hypervisor.Vendor != c.hvVendor {
				t.Errorf("hypervisor = %+v, want present=%v vendor=%q", d.Hypervisor, c.hypervisor, c.hvVendor)
			}
			if len(d.NICs) == 0 || d.NICs[0].Vendor != c.nicVend {
				t.Errorf("NICs = %+v, want first vendor %q", d.NICs, c.nicVend)
			}
			if d.Kernel.Value == "" || d.CPU.Model == "" || d.CPU.Count == 0 {
				t.Errorf("kernel %+v / cpu %+v not read", d.Kernel, d.CPU)
			}
			if d.MetadataQueried || len(d.Metadata) > 0 {
				t.Errorf("metadata asked although off by default: %+v", d.Metadata)
			}
		})
	}
}

func TestHostReportsEveryValueWithItsSource(t *testing.T) {
	// A fixture stands for the host's root: sources name the host's files
	// (/etc/resolv.conf), never where the fixture lies on the lab machine.
	root := "/"
	d, _ := runHost(t, probes.DefaultHostParams(), fixtureRoot(t, "azure"), nil)
	tag, ok := d.DMIValue("chassis_asset_tag")
	if !ok || tag.Value != "7783-7084-3265-9085-8269-3286-77" || tag.Source != filepath.Join(root, "sys/class/dmi/id/chassis_asset_tag") {
		t.Errorf("chassis_asset_tag = %+v", tag)
	}
	want := []results.Claimed{
		{Name: "nameserver", Value: "127.0.0.53", Source: filepath.Join(root, "etc/resolv.conf") + ":1"},
		{Name: "search", Value: "abcdefghijklmnopqrstuvwxyz.ax.internal.cloudapp.net", Source: filepath.Join(root, "etc/resolv.conf") + ":3"},
		{Name: "nameserver", Value: "168.63.129.16", Source: filepath.Join(root, "run/systemd/resolve/resolv.conf") + ":1"},
		{Name: "search", Value: "abcdefghijklmnopqrstuvwxyz.ax.internal.cloudapp.net", Source: filepath.Join(root, "run/systemd/resolve/resolv.conf") + ":2"},
	}
	if !slices.Equal(d.Resolvers, want) {
		t.Errorf("resolvers = %+v\nwant %+v", d.Resolvers, want)
	}
	if len(d.NTP) != 1 || d.NTP[0].Value != "PHC /dev/ptp_hyperv" || !strings.HasSuffix(d.NTP[0].Source, "etc/chrony/chrony.conf:2") {
		t.Errorf("ntp = %+v", d.NTP)
	}
	if d.Hypervisor.Signature != "Microsoft Hv" || !strings.HasSuffix(d.Hypervisor.Source, CPUIDFixture+" leaf 0x1 ecx[31]") {
		t.Errorf("hypervisor = %+v", d.Hypervisor)
	}
	for _, h := range d.Operator.Rules {
		if h.Source == "" || h.Value == "" {
			t.Errorf("rule hit without value or source: %+v", h)
		}
	}
}

// denyFS fails opening the named files with EACCES, as sysfs does for a
// non-root reader of product_serial. Root bypasses file modes, so a chmod in
// a temp tree could not test this when CI runs as root.
type denyFS struct {
	fs.FS
	deny map[string]bool
}

func (d denyFS) Open(name string) (fs.File, error) {
	if d.deny[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EACCES}
	}
	return d.FS.Open(name)
}

func TestHostRecordsPermissionDeniedDMISerial(t *testing.T) {
	deny := map[string]bool{"sys/class/dmi/id/product_serial": true, "sys/class/dmi/id/product_uuid": true}
	d, ev := runHost(t, probes.DefaultHostParams(), fixtureRoot(t, "aws-nitro"), func(f fs.FS) fs.FS { return denyFS{f, deny} })
	for _, field := range []string{"product_serial", "product_uuid"} {
		i := slices.IndexFunc(d.DMI, func(c results.Claimed) bool { return c.Name == field })
		if i < 0 {
			t.Fatalf("%s missing from DMI %+v", field, d.DMI)
		}
		if c := d.DMI[i]; c.Failure == nil || c.Failure.Class != results.ClassPermission || c.Value != "" {
			t.Errorf("%s = %+v, want permission_denied and no value", field, c)
		}
	}
	i := slices.IndexFunc(ev.Observations, func(o results.Observation) bool {
		return strings.HasSuffix(o.Address, "product_serial")
	})
	if i < 0 || ev.Observations[i].Failure == nil || ev.Observations[i].Failure.Class != results.ClassPermission {
		t.Errorf("no permission_denied observation for product_serial")
	}
	if d.Operator.Name != probes.OpAmazon || slices.ContainsFunc(d.Operator.Rules, func(h results.RuleHit) bool { return h.Rule == "aws-dmi-uuid" }) {
		t.Errorf("operator %+v: an unreadable uuid must not fire a rule", d.Operator)
	}
}

func TestHostOnAMissingTreeRecordsNotFoundAndGuessesNothing(t *testing.T) {
	d, ev := runHost(t, probes.DefaultHostParams(), t.TempDir(), nil)
	if d.Kernel.Failure == nil || d.Kernel.Failure.Class != results.ClassNotFound {
		t.Errorf("kernel = %+v, want not_found", d.Kernel)
	}
	if len(d.DMI) != 0 || len(d.NICs) != 0 || d.Hypervisor.Present {
		t.Errorf("empty tree produced values: %+v", d)
	}
	if d.Operator.Name != probes.OpUnknown || d.Operator.Confidence != "low" {
		t.Errorf("operator = %+v, want unknown/low", d.Operator)
	}
	if len(ev.Observations) == 0 {
		t.Error("no observations recorded")
	}
}

func TestHostLiveReadsThisMachine(t *testing.T) {
	d, _ := runHost(t, probes.DefaultHostParams(), "", nil)
	if d.Kernel.Value == "" || d.Kernel.Source != "/proc/sys/kernel/osrelease" {
		t.Errorf("kernel = %+v", d.Kernel)
	}
	if d.Virt.Value == "" || d.Operator.Name == "" {
		t.Errorf("virt %+v operator %+v", d.Virt, d.Operator)
	}
	if d.MetadataQueried {
		t.Error("the default parameters asked metadata services")
	}
}

func TestHostRejectsABrokenCPUIDFixture(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, ".sovbench"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, CPUIDFixture), []byte("hypervisor_bit: maybe\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pr := newHostAt(t, probes.DefaultHostParams(), root)
	_, err := pr.Run(context.Background(), probes.Target{Name: "t"})
	want := `reading CPUID fixture under ` + root + `: /` + CPUIDFixture + `:1: hypervisor_bit: "maybe" is not 0, 1, true or false`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant    %s", err, want)
	}
}

func TestHostParamsValidation(t *testing.T) {
	base := probes.DefaultHostParams()
	cases := []struct {
		name string
		edit func(*probes.HostParams)
		want string
	}{
		{"the defaults are valid and keep metadata off", func(*probes.HostParams) {}, ""},
		{"URLs without metadata on are refused", func(p *probes.HostParams) { p.MetadataURLs = map[string]string{"aws": "http://127.0.0.1:1"} },
			"metadata_urls/metadata_flavors: set, but metadata is false (set metadata: true to query them)"},
		{"an unknown flavour is named", func(p *probes.HostParams) {
			p.Metadata = true
			p.MetadataURLs = map[string]string{"ibm": "http://127.0.0.1:1"}
		},
			"metadata_urls.ibm: unknown flavour (known: aws, gce, azure, openstack, scaleway, hetzner, oracle)"},
		{"a URL without scheme is refused", func(p *probes.HostParams) {
			p.Metadata = true
			p.MetadataURLs = map[string]string{"gce": "127.0.0.1:80"}
		},
			`metadata_urls.gce: "127.0.0.1:80" is not an http(s) URL with a host`},
		{"an unknown flavour in the list is named", func(p *probes.HostParams) { p.Metadata = true; p.MetadataFlavors = []string{"aws", "gcp"} },
			`metadata_flavors[1]: unknown flavour "gcp" (known: aws, gce, azure, openstack, scaleway, hetzner, oracle)`},
		{"a request deadline longer than the phase is refused", func(p *probes.HostParams) { p.MetadataRequestTimeout = 2 * p.MetadataTimeout },
			"metadata_request_timeout: 6s exceeds metadata_timeout 3s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := base
			c.edit(&p)
			err := p.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != c.want {
				t.Errorf("Validate() = %q, want %q", got, c.want)
			}
		})
	}
}
