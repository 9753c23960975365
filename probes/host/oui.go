package host

import (
	"strconv"
	"strings"
)

// nicVendorRule names the vendor behind a NIC from its MAC prefix, its driver
// or its PCI vendor id. Every field set must match; the first rule that
// matches wins. A MAC is set by software on every virtual NIC, so these are
// claimed values like the rest.
type nicVendorRule struct {
	Name     string
	Prefixes []string // lower-case "aa:bb:cc" or "aa:bb"; empty: any MAC
	Driver   string   // device/uevent DRIVER=
	PCI      string   // device/vendor
	Vendor   string
	Ref      string // where the assignment is published
}

const refIEEE = "IEEE MA-L registry (standards-oui.ieee.org/oui/oui.txt)"

// nicVendors is the NIC vendor table. Driver and PCI rules come first: they
// name the virtual hardware even when the MAC is random.
var nicVendors = []nicVendorRule{
	{Name: "pci-amazon", PCI: "0x1d0f", Vendor: "Amazon", Ref: "pci.ids: 1d0f Amazon.com, Inc. (ENA, Nitro)"},
	{Name: "driver-ena", Driver: "ena", Vendor: "Amazon", Ref: "Linux Documentation/networking/device_drivers/ethernet/amazon/ena.rst"},
	{Name: "pci-google", PCI: "0x1ae0", Vendor: "Google", Ref: "pci.ids: 1ae0 Google, Inc. (gVNIC)"},
	{Name: "driver-gve", Driver: "gve", Vendor: "Google", Ref: "Linux drivers/net/ethernet/google/gve"},
	{Name: "driver-netvsc", Driver: "hv_netvsc", Vendor: "Microsoft", Ref: "Linux drivers/net/hyperv (Hyper-V netvsc)"},
	{Name: "mac-gce", Prefixes: []string{"42:01"}, Vendor: "Google", Ref: "GCE: locally administered 42:01 + internal IPv4 (42:01:0a:... for 10/8), seen on every GCE VPC NIC"},
	{Name: "mac-microsoft", Prefixes: []string{"00:0d:3a", "00:15:5d", "00:22:48", "60:45:bd", "7c:1e:52"}, Vendor: "Microsoft", Ref: refIEEE + " (Microsoft Corporation); 00:15:5d is the Hyper-V dynamic MAC pool"},
	{Name: "mac-vmware", Prefixes: []string{"00:50:56", "00:0c:29", "00:05:69", "00:1c:14"}, Vendor: "VMware", Ref: refIEEE + " (VMware, Inc.)"},
	{Name: "mac-xen", Prefixes: []string{"00:16:3e"}, Vendor: "Xen", Ref: refIEEE + " (XenSource, Inc.)"},
	{Name: "mac-qemu", Prefixes: []string{"52:54:00"}, Vendor: "QEMU", Ref: "QEMU net/net.c default MAC prefix (locally administered)"},
	{Name: "mac-virtualbox", Prefixes: []string{"08:00:27"}, Vendor: "VirtualBox", Ref: refIEEE + " (PCS Systemtechnik, used by VirtualBox)"},
	{Name: "mac-neutron", Prefixes: []string{"fa:16:3e"}, Vendor: "OpenStack Neutron", Ref: "neutron.conf base_mac default fa:16:3e:00:00:00"},
	{Name: "mac-hetzner-cloud", Prefixes: []string{"96:00"}, Vendor: "Hetzner", Ref: "Hetzner Cloud server NICs (locally administered 96:00:..), observed in published ip-link output; not an IEEE assignment"},
	{Name: "mac-ovh-vmac", Prefixes: []string{"02:00:00"}, Vendor: "OVHcloud", Ref: "OVHcloud virtual MAC (type ovh) for bridged VMs, as shown in OVHcloud network-bridging guides; locally administered, weak"},
	{Name: "mac-oci", Prefixes: []string{"02:00:17"}, Vendor: "Oracle Cloud", Ref: "OCI VNIC MACs (locally administered 02:00:17:..), observed in published OCI instance output; weak"},
	// Generic virtual hardware last, so a cloud's MAC prefix wins over it.
	{Name: "pci-virtio", PCI: "0x1af4", Vendor: "virtio", Ref: "pci.ids: 1af4 Red Hat, Inc. (virtio devices of QEMU/KVM)"},
	// No published prefix is known for Scaleway Instances; they are matched
	// by DMI and metadata only.
}

// nicVendor returns the vendor and rule name for a NIC, or "" when no rule
// matches.
func nicVendor(mac, driver, pci string) (vendor, ruleName string) {
	mac = strings.ToLower(mac)
	for _, r := range nicVendors {
		if r.Driver != "" && r.Driver != driver {
			continue
		}
		if r.PCI != "" && !strings.EqualFold(r.PCI, pci) {
			continue
		}
		if len(r.Prefixes) > 0 && !hasAnyPrefix(mac, r.Prefixes) {
			continue
		}
		return r.Vendor, r.Name
	}
	return "", ""
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// locallyAdministered reports the U/L bit (0x02) of the MAC's first octet.
func locallyAdministered(mac string) bool {
	first, _, _ := strings.Cut(mac, ":")
	b, err := strconv.ParseUint(first, 16, 8)
	return err == nil && b&0x02 != 0
}
