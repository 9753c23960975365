package host

import (
	"fmt"
	"strings"
)

// This file ports systemd-detect-virt's VM detection (systemd
// src/basic/virt.c, detect_vm) as data plus one ordered function. Container
// detection is not ported: the probe reports the machine, not the sandbox.

// cpuidVirtTable is systemd's vm_table: CPUID leaf 0x40000000 signatures.
var cpuidVirtTable = []struct{ Signature, Kind string }{
	{"XenVMMXenVMM", "xen"},
	{"KVMKVMKVM", "kvm"},    // QEMU with KVM
	{"Linux KVM Hv", "kvm"}, // QEMU with KVM and Hyper-V enlightenments
	{"TCGTCGTCGTCG", "qemu"},
	{"VMwareVMware", "vmware"},
	{"Microsoft Hv", "microsoft"},
	{"bhyve bhyve ", "bhyve"},
	{"QNXQVMBSQG", "qnx"},
	{"ACRNACRNACRN", "acrn"},
	{"SRESRESRESRE", "sre"},
	{"Apple VZ", "apple"},
}

// dmiVirtFiles are the DMI files systemd checks, in its order (product_name
// first to tell KVM from QEMU; product_version last for Hyper-V).
var dmiVirtFiles = []string{"product_name", "sys_vendor", "board_vendor", "bios_vendor", "product_version"}

// dmiVirtTable is systemd's dmi_vendor_table: value prefixes.
var dmiVirtTable = []struct{ Prefix, Kind string }{
	{"KVM", "kvm"},
	{"OpenStack", "kvm"},
	{"KubeVirt", "kvm"},
	{"Amazon EC2", "amazon"},
	{"QEMU", "qemu"},
	{"VMware", "vmware"},
	{"VMW", "vmware"},
	{"innotek GmbH", "oracle"},
	{"VirtualBox", "oracle"},
	{"Oracle Corporation", "oracle"},
	{"Xen", "xen"},
	{"Bochs", "bochs"},
	{"Parallels", "parallels"},
	{"BHYVE", "bhyve"},
	{"Hyper-V", "microsoft"},
	{"Apple Virtualization", "apple"},
	{"Google Compute Engine", "google"},
}

// dmiFirstKinds are the DMI answers systemd trusts before CPUID (they run on
// KVM but say who they are).
var dmiFirstKinds = map[string]bool{"oracle": true, "xen": true, "amazon": true, "parallels": true, "google": true}

// smbiosBit is the SMBIOS BIOS characteristics extension byte 2 bit 4.
type smbiosBit int

const (
	smbiosUnknown smbiosBit = iota
	smbiosSet
	smbiosUnset
)

// virtInputs are the facts detect_vm reads, gathered by the probe.
type virtInputs struct {
	DMI           map[string]string // DMI file name → value, files that were read
	SMBIOS        smbiosBit
	CPUInfoVendor string // /proc/cpuinfo vendor_id (UML says "User Mode Linux")
	ProcXen       bool   // /proc/xen exists
	XenDom0       bool   // XENFEAT_dom0 in /sys/hypervisor/properties/features or control_d
	CPUID         cpuidInfo
	SysHypervisor string // /sys/hypervisor/type
	DeviceTreeHyp string // /proc/device-tree/hypervisor/compatible
}

// vmOfCPUID is detect_vm_cpuid.
func vmOfCPUID(c cpuidInfo) string {
	if !c.Known || !c.HypervisorBit {
		return "none"
	}
	for _, e := range cpuidVirtTable {
		if c.Signature == strings.TrimRight(e.Signature, "\x00") {
			return e.Kind
		}
	}
	return "vm-other"
}

// vmOfDMI is detect_vm_dmi: the vendor table, then the SMBIOS VM bit (which
// also separates EC2 .metal instances from VMs).
func vmOfDMI(in virtInputs) (kind, why string) {
	kind = "none"
	for _, f := range dmiVirtFiles {
		v, ok := in.DMI[f]
		if !ok {
			continue
		}
		for _, e := range dmiVirtTable {
			if strings.HasPrefix(v, e.Prefix) {
				kind, why = e.Kind, fmt.Sprintf("dmi %s %q", f, v)
				break
			}
		}
		if kind != "none" {
			break
		}
	}
	if kind == "amazon" {
		switch in.SMBIOS {
		case smbiosSet:
			return "amazon", why + ", smbios vm bit set"
		case smbiosUnset:
			return "none", why + ", smbios vm bit clear"
		}
		if _, after, ok := strings.Cut(in.DMI["product_name"], ".metal"); ok && (after == "" || strings.HasPrefix(after, "-")) {
			return "none", why + ", product_name ends in .metal"
		}
		return "amazon", why
	}
	if kind == "none" && in.SMBIOS == smbiosSet {
		return "vm-other", "smbios vm bit set"
	}
	return kind, why
}

// detectVirt is systemd's detect_vm, in its order. It returns the kind and
// which check decided it.
func detectVirt(in virtInputs) (kind, why string) {
	dmi, dmiWhy := vmOfDMI(in)
	if dmiFirstKinds[dmi] {
		return dmi, dmiWhy
	}
	if strings.HasPrefix(in.CPUInfoVendor, "User Mode Linux") {
		return "uml", "cpuinfo vendor_id"
	}
	if in.ProcXen && !in.XenDom0 {
		return "xen", "/proc/xen (domU)"
	}
	var hyperv, other bool
	switch v := vmOfCPUID(in.CPUID); v {
	case "microsoft":
		hyperv = true // QEMU can say Microsoft Hv too; decide later
	case "vm-other":
		other = true
	case "none":
	default:
		return v, fmt.Sprintf("cpuid signature %q", in.CPUID.Signature)
	}
	if !in.XenDom0 {
		switch dmi {
		case "vm-other":
			other = true
		case "none":
		default:
			return dmi, dmiWhy
		}
		switch {
		case in.SysHypervisor == "xen":
			return "xen", "/sys/hypervisor/type"
		case in.SysHypervisor != "":
			other = true
		}
		switch dt := in.DeviceTreeHyp; {
		case dt == "linux,kvm":
			return "kvm", "device-tree hypervisor"
		case strings.Contains(dt, "xen"):
			return "xen", "device-tree hypervisor"
		case strings.Contains(dt, "vmware"):
			return "vmware", "device-tree hypervisor"
		case dt != "":
			other = true
		}
	}
	switch {
	case hyperv:
		return "microsoft", fmt.Sprintf("cpuid signature %q, nothing else recognised", in.CPUID.Signature)
	case other:
		return "vm-other", "a hypervisor is present but unrecognised"
	case in.XenDom0:
		return "none", "xen dom0"
	}
	return "none", "no check found a hypervisor"
}
