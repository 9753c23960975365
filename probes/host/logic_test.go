package host

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

func kvm() cpuidInfo { return cpuidInfo{Known: true, HypervisorBit: true, Signature: "KVMKVMKVM"} }

func TestDetectVirtFollowsSystemdOrder(t *testing.T) {
	cases := []struct {
		name string
		in   virtInputs
		want string
	}{
		{"GCE DMI wins over the KVM signature", virtInputs{DMI: map[string]string{"product_name": "Google Compute Engine"}, CPUID: kvm()}, "google"},
		{"EC2 Nitro DMI wins over KVM", virtInputs{DMI: map[string]string{"sys_vendor": "Amazon EC2", "product_name": "m5.large"}, CPUID: kvm()}, "amazon"},
		{"an EC2 .metal product is no VM", virtInputs{DMI: map[string]string{"sys_vendor": "Amazon EC2", "product_name": "c5.metal"}}, "none"},
		{"an EC2 .metal-48xl product is no VM", virtInputs{DMI: map[string]string{"sys_vendor": "Amazon EC2", "product_name": "m7i.metal-48xl"}}, "none"},
		{"the SMBIOS VM bit overrides .metal guessing", virtInputs{DMI: map[string]string{"sys_vendor": "Amazon EC2", "product_name": "c5.metal"}, SMBIOS: smbiosSet}, "amazon"},
		{"a clear SMBIOS VM bit on EC2 means metal", virtInputs{DMI: map[string]string{"sys_vendor": "Amazon EC2", "product_name": "m5.large"}, SMBIOS: smbiosUnset}, "none"},
		{"QEMU with Hyper-V enlightenments is QEMU", virtInputs{DMI: map[string]string{"sys_vendor": "QEMU"}, CPUID: cpuidInfo{Known: true, HypervisorBit: true, Signature: "Microsoft Hv"}}, "qemu"},
		{"Hyper-V with nothing else is Microsoft", virtInputs{DMI: map[string]string{"sys_vendor": "Microsoft Corporation"}, CPUID: cpuidInfo{Known: true, HypervisorBit: true, Signature: "Microsoft Hv"}}, "microsoft"},
		{"TCG is plain QEMU", virtInputs{CPUID: cpuidInfo{Known: true, HypervisorBit: true, Signature: "TCGTCGTCGTCG"}}, "qemu"},
		{"an unknown signature is vm-other", virtInputs{CPUID: cpuidInfo{Known: true, HypervisorBit: true, Signature: "NoSuchHV"}}, "vm-other"},
		{"the SMBIOS VM bit alone is vm-other", virtInputs{DMI: map[string]string{"sys_vendor": "Dell Inc."}, SMBIOS: smbiosSet}, "vm-other"},
		{"a Xen domU is xen", virtInputs{ProcXen: true, CPUID: kvm()}, "xen"},
		{"a Xen dom0 without CPUID hypervisor is none", virtInputs{ProcXen: true, XenDom0: true}, "none"},
		{"sys/hypervisor/type xen is xen", virtInputs{SysHypervisor: "xen"}, "xen"},
		{"UML says so in cpuinfo", virtInputs{CPUInfoVendor: "User Mode Linux", CPUID: kvm()}, "uml"},
		{"OpenStack DMI on arm64 is kvm", virtInputs{DMI: map[string]string{"product_name": "OpenStack Nova"}}, "kvm"},
		{"a device-tree KVM hypervisor is kvm", virtInputs{DeviceTreeHyp: "linux,kvm"}, "kvm"},
		{"bhyve is recognised by its padded signature", virtInputs{CPUID: cpuidInfo{Known: true, HypervisorBit: true, Signature: "bhyve bhyve "}}, "bhyve"},
		{"a Dell server is none", virtInputs{DMI: map[string]string{"sys_vendor": "Dell Inc.", "product_name": "PowerEdge R640"}, CPUID: cpuidInfo{Known: true}}, "none"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.in.DMI == nil {
				c.in.DMI = map[string]string{}
			}
			if got, why := detectVirt(c.in); got != c.want {
				t.Errorf("detectVirt = %q (%s), want %q", got, why, c.want)
			}
		})
	}
}

func TestOperatorRulesAreWellFormed(t *testing.T) {
	ops := []string{probes.OpGoogle, probes.OpAmazon, probes.OpMicrosoft, probes.OpOVH, probes.OpScaleway, probes.OpHetzner, probes.OpOracle, probes.OpOpenStack, probes.OpBareMetal}
	sigs := []Signal{SigDMI, SigHypervisor, SigVirt, SigIMDS, SigNIC, SigResolver, SigSearch, SigNTP}
	seen := map[string]bool{}
	for _, r := range OperatorRules() {
		switch {
		case seen[r.Name]:
			t.Errorf("rule %s named twice", r.Name)
		case !slices.Contains(ops, r.Operator):
			t.Errorf("rule %s names unknown operator %q", r.Name, r.Operator)
		case !slices.Contains(sigs, r.Signal):
			t.Errorf("rule %s uses unknown signal %q", r.Name, r.Signal)
		case r.Weight < 1 || r.Weight > 4:
			t.Errorf("rule %s weight %d outside 1..4", r.Name, r.Weight)
		case r.Ref == "":
			t.Errorf("rule %s does not say where its value is published", r.Name)
		case r.Signal == SigDMI && !slices.Contains(dmiFields, r.Field):
			t.Errorf("rule %s reads DMI field %q, which the probe does not read", r.Name, r.Field)
		}
		if _, err := regexp.Compile(r.Match.String()); err != nil { // compiled lazily in use
			t.Errorf("rule %s: %v", r.Name, err)
		}
		seen[r.Name] = true
	}
	vendors := map[string]bool{}
	for _, v := range nicVendors {
		vendors[v.Vendor] = true
		if v.Ref == "" {
			t.Errorf("NIC rule %s has no source", v.Name)
		}
	}
	for _, r := range OperatorRules() {
		if r.Signal == SigNIC && !slices.ContainsFunc(keys(vendors), r.Match.MatchString) {
			t.Errorf("rule %s matches no vendor of the NIC table", r.Name)
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestGuessOperatorDecidesOnlyWithAMargin(t *testing.T) {
	dmi := func(kv ...string) []results.Claimed {
		var out []results.Claimed
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, results.Claimed{Name: kv[i], Value: kv[i+1], Source: "/sys/class/dmi/id/" + kv[i]})
		}
		return out
	}
	cases := []struct {
		name       string
		d          results.HostDetails
		want, conf string
	}{
		{"no signal names nobody", results.HostDetails{}, probes.OpUnknown, "low"},
		{"equal evidence for two operators names nobody", results.HostDetails{DMI: dmi("sys_vendor", "Hetzner", "chassis_asset_tag", "OracleCloud.com")}, probes.OpUnknown, "low"},
		{"one DMI string is low confidence", results.HostDetails{DMI: dmi("sys_vendor", "Scaleway")}, probes.OpScaleway, "low"},
		{"an unreadable value fires nothing", results.HostDetails{DMI: []results.Claimed{{Name: "sys_vendor", Value: "Hetzner", Failure: &results.Failure{Class: results.ClassPermission}}}}, probes.OpUnknown, "low"},
		{"a metadata answer plus DMI is high", results.HostDetails{DMI: dmi("sys_vendor", "Hetzner"), MetadataQueried: true,
			Metadata: []results.IMDSAnswer{{Flavor: "hetzner", Answered: true, URL: "http://127.0.0.1/hetzner/v1/metadata"}}}, probes.OpHetzner, "high"},
		{"an IMDSv1 answer alone is weaker than DMI against it", results.HostDetails{DMI: dmi("sys_vendor", "Hetzner", "product_name", "vServer"), MetadataQueried: true,
			Metadata: []results.IMDSAnswer{{Flavor: "aws", Mode: "imdsv1", Answered: true}}}, probes.OpHetzner, "low"},
		{"two nameservers of one rule count once", results.HostDetails{Resolvers: []results.Claimed{{Name: "nameserver", Value: "185.12.64.1"}, {Name: "nameserver", Value: "185.12.64.2"}}}, probes.OpHetzner, "low"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := GuessOperator(&c.d)
			if g.Name != c.want || g.Confidence != c.conf {
				t.Errorf("guess = %s (%s), want %s (%s); scores %v", g.Name, g.Confidence, c.want, c.conf, g.Scores)
			}
		})
	}
}

func TestNICVendorTable(t *testing.T) {
	cases := []struct {
		name, mac, driver, pci, want string
	}{
		{"a GCE MAC is Google", "42:01:0a:84:00:02", "virtio_net", "", "Google"},
		{"ENA is Amazon whatever the random MAC", "0e:12:34:56:78:9a", "ena", "", "Amazon"},
		{"the Amazon PCI vendor is Amazon", "02:aa:bb:cc:dd:ee", "", "0x1D0F", "Amazon"},
		{"Hyper-V's MAC pool is Microsoft", "00:15:5D:01:02:03", "", "", "Microsoft"},
		{"an Azure MAC is Microsoft", "00:0d:3a:01:02:03", "", "", "Microsoft"},
		{"VMware's OUI is VMware", "00:50:56:aa:bb:cc", "", "", "VMware"},
		{"QEMU's default prefix is QEMU", "52:54:00:12:34:56", "virtio_net", "", "QEMU"},
		{"XenSource's OUI is Xen", "00:16:3e:00:00:01", "", "", "Xen"},
		{"Neutron's base MAC is OpenStack", "fa:16:3e:01:02:03", "", "", "OpenStack Neutron"},
		{"a GCE MAC on virtio is still Google", "42:01:0a:84:00:02", "virtio_net", "0x1af4", "Google"},
		{"plain virtio is virtio", "02:fc:00:00:00:01", "virtio_net", "0x1af4", "virtio"},
		{"a Dell NIC is nobody's cloud", "24:6e:96:1a:2b:3c", "tg3", "0x14e4", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got, _ := nicVendor(c.mac, c.driver, c.pci); got != c.want {
				t.Errorf("nicVendor = %q, want %q", got, c.want)
			}
		})
	}
	if !locallyAdministered("06:9c:2e:41:7b:3d") || locallyAdministered("00:50:56:aa:bb:cc") {
		t.Error("locallyAdministered reads the wrong bit")
	}
}

func TestParseCPUIDFixtureErrorsNameLineAndField(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"a line without a colon", "hypervisor_bit 1\n", "f:1: want `field: value`, got \"hypervisor_bit 1\""},
		{"an unknown field", "# c\nleaf: 1\n", "f:2: leaf: unknown field (known: hypervisor_bit, hypervisor_signature, vendor, brand)"},
		{"a signature over 12 bytes", "hypervisor_bit: 1\nhypervisor_signature: KVMKVMKVMKVMKVM\n", `f:2: hypervisor_signature: "KVMKVMKVMKVMKVM" is longer than 12 bytes`},
		{"a signature without the bit", "hypervisor_signature: KVMKVMKVM\n", `f: hypervisor_signature "KVMKVMKVM" needs hypervisor_bit: 1 (CPUID leaf 0x40000000 is only defined with the bit set)`},
		{"a broken quote", "brand: \"Intel\n", "f:1: brand: unquoting \"Intel: invalid syntax"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseCPUIDFixture("f", []byte(c.in))
			if err == nil || err.Error() != c.want {
				t.Errorf("error = %v\nwant    %s", err, c.want)
			}
		})
	}
	got, err := parseCPUIDFixture("f", []byte("hypervisor_bit: 1\nhypervisor_signature: \"bhyve bhyve \"\n"))
	if err != nil || got.Signature != "bhyve bhyve " || !got.HypervisorBit {
		t.Errorf("quoted signature = %+v, %v", got, err)
	}
}

func TestParseNTPConfigReadsEveryDaemon(t *testing.T) {
	chrony := "pool 2.debian.pool.ntp.org iburst\nserver 169.254.169.123 prefer # AWS\n! comment\nrefclock PHC /dev/ptp_hyperv poll 3\n"
	got := parseNTPConfig(ntpDirectives, "c", []byte(chrony))
	want := []string{"pool=2.debian.pool.ntp.org@c:1", "server=169.254.169.123@c:2", "refclock=PHC /dev/ptp_hyperv@c:4"}
	if s := render(got); !slices.Equal(s, want) {
		t.Errorf("chrony = %v, want %v", s, want)
	}
	timesyncd := "[Time]\nNTP=ntp1.hetzner.de ntp2.hetzner.com\n#NTP=ignored\nFallbackNTP=ntp.ubuntu.com\n"
	got = parseNTPConfig(ntpTimesyncd, "t", []byte(timesyncd))
	want = []string{"NTP=ntp1.hetzner.de@t:2", "NTP=ntp2.hetzner.com@t:2", "FallbackNTP=ntp.ubuntu.com@t:4"}
	if s := render(got); !slices.Equal(s, want) {
		t.Errorf("timesyncd = %v, want %v", s, want)
	}
}

func render(cs []results.Claimed) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name+"="+c.Value+"@"+c.Source)
	}
	return out
}

func FuzzParseCPUIDFixture(f *testing.F) {
	f.Add([]byte("hypervisor_bit: 1\nhypervisor_signature: \"bhyve bhyve \"\nvendor: AuthenticAMD\n"))
	f.Add([]byte("# x\nbrand: \"a\\x00\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := parseCPUIDFixture("f", data)
		if err == nil && (len(info.Signature) > 12 || (info.Signature != "" && !info.HypervisorBit)) {
			t.Errorf("accepted an impossible CPUID: %+v", info)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "f") && !strings.HasPrefix(err.Error(), "reading f") {
			t.Errorf("error does not name the file: %v", err)
		}
	})
}

func FuzzParseResolvConf(f *testing.F) {
	f.Add([]byte("nameserver 127.0.0.53\nsearch a.example. b.example\noptions edns0\n"))
	f.Add([]byte("domain x # c\nnameserver\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range parseResolvConf("r", data) {
			if c.Value == "" && c.Name == "nameserver" || strings.ContainsAny(c.Value, " \t\n") || !strings.HasPrefix(c.Source, "r:") {
				t.Errorf("bad entry %+v", c)
			}
		}
	})
}

func FuzzParseNTPConfig(f *testing.F) {
	f.Add([]byte("server a iburst\nrefclock PHC /dev/x\n"), false)
	f.Add([]byte("[Time]\nNTP=a b\n"), true)
	f.Fuzz(func(t *testing.T, data []byte, timesyncd bool) {
		format := ntpDirectives
		if timesyncd {
			format = ntpTimesyncd
		}
		for _, c := range parseNTPConfig(format, "n", data) {
			if c.Value == "" || c.Name == "" {
				t.Errorf("empty entry %+v", c)
			}
		}
	})
}

func FuzzParseCPUInfo(f *testing.F) {
	f.Add([]byte("processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu hypervisor\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got := parseCPUInfo(data)
		if got.Count < 0 || got.Count > strings.Count(string(data), "processor") {
			t.Errorf("count %d from %d processor lines", got.Count, strings.Count(string(data), "processor"))
		}
	})
}

func TestEveryIMDSFlavourHasAnAsker(t *testing.T) {
	for _, f := range probes.IMDSFlavors() {
		if askers[f] == nil {
			t.Errorf("flavour %s: no ask function", f)
		}
	}
	if len(askers) != len(probes.IMDSFlavors()) {
		t.Errorf("%d ask functions for %d flavours", len(askers), len(probes.IMDSFlavors()))
	}
}
