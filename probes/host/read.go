package host

import (
	"bytes"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// hostReader reads files under the probe root through fsys and records every
// read as an observation.
type hostReader struct {
	fsys fs.FS
	rec  *probes.Recorder
	note string // on every observation: FixtureNote for a lab fixture
}

// path is rel as a path on the host the probe describes, as reported in
// sources: a lab fixture stands for that host's root, so its files are
// named as the host would name them (/proc/cpuinfo), never by where the
// fixture happens to lie on the machine that ran the lab (a temporary
// directory whose name would end up in signed reports).
func (r *hostReader) path(rel string) string { return "/" + path.Clean(rel) }

// read reads rel, records the read, and returns the failure (not_found,
// permission_denied, ...) as data.
func (r *hostReader) read(rel string) ([]byte, *results.Failure) {
	began := time.Now()
	b, err := fs.ReadFile(r.fsys, rel)
	return b, r.rec.Observe("read", r.path(rel), began, err, r.note)
}

// readOptional reads rel only if it exists; absent files are not recorded.
func (r *hostReader) readOptional(rel string) ([]byte, bool) {
	if _, err := fs.Stat(r.fsys, rel); err != nil {
		return nil, false
	}
	b, f := r.read(rel)
	return b, f == nil
}

// claimed reads one single-line value.
func (r *hostReader) claimed(name, rel string) results.Claimed {
	b, f := r.read(rel)
	return results.Claimed{Name: name, Value: strings.TrimSpace(string(b)), Source: r.path(rel), Failure: f}
}

// dmiFields are the /sys/class/dmi/id files the probe reads.
var dmiFields = []string{
	"sys_vendor", "product_name", "product_version", "product_serial", "product_uuid",
	"bios_vendor", "bios_version", "board_vendor", "board_name", "chassis_vendor", "chassis_asset_tag",
}

// dmi reads the DMI strings. Absent files are left out; files that exist but
// cannot be read are kept with their failure.
func (r *hostReader) dmi() []results.Claimed {
	var out []results.Claimed
	for _, f := range dmiFields {
		c := r.claimed(f, "sys/class/dmi/id/"+f)
		if c.Failure != nil && c.Failure.Class == results.ClassNotFound {
			continue
		}
		out = append(out, c)
	}
	return out
}

func (r *hostReader) cpu(c cpuidInfo) results.CPUInfo {
	rel := "proc/cpuinfo"
	b, f := r.read(rel)
	info := results.CPUInfo{Source: r.path(rel)}
	if f == nil {
		pf := parseCPUInfo(b)
		info.Vendor, info.Model, info.Count, info.Flags = pf.Vendor, pf.Model, pf.Count, pf.Flags
	}
	if info.Vendor == "" && info.Model == "" && c.Known {
		info.Vendor, info.Model, info.Source = c.Vendor, c.Brand, c.Source
	}
	return info
}

func (r *hostReader) hypervisor(c cpuidInfo, cpu results.CPUInfo) results.Hypervisor {
	var hv results.Hypervisor
	var checked []string
	signal := func(name, value, src string, present bool) {
		hv.Signals = append(hv.Signals, results.Claimed{Name: name, Value: value, Source: src})
		checked = append(checked, src)
		if present && !hv.Present {
			hv.Present, hv.Source = true, src
		}
	}
	if c.Known {
		signal("cpuid.hypervisor_bit", boolDigit(c.HypervisorBit), c.Source+" leaf 0x1 ecx[31]", c.HypervisorBit)
		if c.HypervisorBit {
			hv.Signature = c.Signature
			signal("cpuid.signature", c.Signature, c.Source+" leaf 0x40000000", false)
		}
	}
	if cpu.Flags != nil {
		has := slices.Contains(cpu.Flags, "hypervisor")
		signal("cpuinfo.hypervisor_flag", boolDigit(has), cpu.Source, has)
	}
	if b, ok := r.readOptional("sys/hypervisor/type"); ok {
		t := strings.TrimSpace(string(b))
		signal("sys.hypervisor_type", t, r.path("sys/hypervisor/type"), t != "")
		if hv.Vendor == "" && t != "" {
			hv.Vendor = t
		}
	}
	if k := vmOfCPUID(c); k != "none" && k != "vm-other" {
		hv.Vendor = k
	}
	if hv.Present && hv.Vendor == "" {
		hv.Vendor = "unknown"
	}
	if !hv.Present {
		hv.Source = strings.Join(checked, ", ")
	}
	return hv
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// virt gathers systemd-detect-virt's inputs and applies detectVirt.
func (r *hostReader) virt(dmi []results.Claimed, c cpuidInfo, cpuVendor string) results.Claimed {
	in := virtInputs{DMI: map[string]string{}, CPUID: c, CPUInfoVendor: cpuVendor}
	for _, d := range dmi {
		if d.Failure == nil {
			in.DMI[d.Name] = d.Value
		}
	}
	if raw, ok := r.readOptional("sys/firmware/dmi/entries/0-0/raw"); ok && len(raw) >= 20 && raw[1] >= 20 {
		in.SMBIOS = smbiosUnset
		if raw[19]&(1<<4) != 0 {
			in.SMBIOS = smbiosSet
		}
	}
	if _, err := fs.Stat(r.fsys, "proc/xen"); err == nil {
		in.ProcXen = true
		in.XenDom0 = r.xenDom0()
	}
	if b, ok := r.readOptional("sys/hypervisor/type"); ok {
		in.SysHypervisor = strings.TrimSpace(string(b))
	}
	if b, ok := r.readOptional("proc/device-tree/hypervisor/compatible"); ok {
		in.DeviceTreeHyp = strings.TrimRight(strings.TrimSpace(string(b)), "\x00")
	}
	if len(in.DMI) == 0 && !in.CPUID.Known && cpuVendor == "" && in.SysHypervisor == "" && !in.ProcXen && in.DeviceTreeHyp == "" {
		return results.Claimed{Name: "virtualization", Value: "unknown", Source: "no DMI, CPUID or /proc/cpuinfo to decide on"}
	}
	kind, why := detectVirt(in)
	return results.Claimed{Name: "virtualization", Value: kind, Source: "systemd-detect-virt rules: " + why}
}

// xenDom0 is detect_vm_xen_dom0: XENFEAT_dom0 (bit 11) in the features, or
// control_d among /proc/xen/capabilities.
func (r *hostReader) xenDom0() bool {
	if b, ok := r.readOptional("sys/hypervisor/properties/features"); ok {
		if v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 16, 64); err == nil {
			return v&(1<<11) != 0
		}
	}
	if b, ok := r.readOptional("proc/xen/capabilities"); ok {
		return slices.Contains(strings.Split(strings.TrimSpace(string(b)), ","), "control_d")
	}
	return false
}

// nics lists the interfaces of sys/class/net with their MAC, driver and PCI
// vendor, and names the vendor from the nicVendors table.
func (r *hostReader) nics() []results.NIC {
	entries, err := fs.ReadDir(r.fsys, "sys/class/net")
	if err != nil {
		r.rec.Observe("list", r.path("sys/class/net"), time.Now(), err, r.note)
		return nil
	}
	var out []results.NIC
	for _, e := range entries {
		name := e.Name()
		dir := path.Join("sys/class/net", name)
		b, f := r.read(dir + "/address")
		mac := strings.ToLower(strings.TrimSpace(string(b)))
		if name == "lo" || f != nil || mac == "" || mac == "00:00:00:00:00:00" {
			continue
		}
		n := results.NIC{Name: name, MAC: mac, Source: r.path(dir + "/address"), LocallyAdministered: locallyAdministered(mac)}
		if ue, ok := r.readOptional(dir + "/device/uevent"); ok {
			for _, line := range strings.Split(string(ue), "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(line), "DRIVER="); ok {
					n.Driver = v
				}
			}
		}
		if pv, ok := r.readOptional(dir + "/device/vendor"); ok {
			n.PCI = strings.ToLower(strings.TrimSpace(string(pv)))
		}
		n.Vendor, n.VendorRule = nicVendor(mac, n.Driver, n.PCI)
		out = append(out, n)
	}
	return out
}

// resolverFiles are read in order: the file libc uses, then the upstreams
// systemd-resolved uses when the first names only its stub 127.0.0.53.
var resolverFiles = []string{"etc/resolv.conf", "run/systemd/resolve/resolv.conf"}

func (r *hostReader) resolvers() []results.Claimed {
	var out []results.Claimed
	for i, rel := range resolverFiles {
		var b []byte
		ok := true
		if i == 0 {
			var f *results.Failure
			b, f = r.read(rel)
			ok = f == nil
		} else {
			b, ok = r.readOptional(rel)
		}
		if ok {
			out = append(out, parseResolvConf(r.path(rel), b)...)
		}
	}
	return out
}

// ntpSources are the configuration files (globs) of chrony, ntpd/ntpsec and
// systemd-timesyncd.
var ntpSources = []struct {
	Glob   string
	Format ntpFormat
}{
	{"etc/chrony.conf", ntpDirectives},
	{"etc/chrony/chrony.conf", ntpDirectives},
	{"etc/chrony/sources.d/*.sources", ntpDirectives},
	{"etc/chrony/conf.d/*.conf", ntpDirectives},
	{"etc/chrony.d/*.conf", ntpDirectives},
	{"etc/ntp.conf", ntpDirectives},
	{"etc/ntpsec/ntp.conf", ntpDirectives},
	{"etc/systemd/timesyncd.conf", ntpTimesyncd},
	{"etc/systemd/timesyncd.conf.d/*.conf", ntpTimesyncd},
	{"run/systemd/timesyncd.conf.d/*.conf", ntpTimesyncd},
}

func (r *hostReader) ntp() []results.Claimed {
	var out []results.Claimed
	for _, s := range ntpSources {
		matches, _ := fs.Glob(r.fsys, s.Glob) // the patterns are constant and valid
		for _, rel := range matches {
			if b, ok := r.readOptional(rel); ok {
				out = append(out, parseNTPConfig(s.Format, r.path(rel), bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))...)
			}
		}
	}
	return out
}
