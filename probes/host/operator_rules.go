package host

import (
	"regexp"
	"sync"

	"github.com/sovbench/sovbench/probes"
)

// Signal is a kind of host-identity value an operator rule can match.
type Signal string

// The signals. Each is read from a different place, so agreement between
// signal kinds is what raises confidence.
const (
	SigDMI        Signal = "dmi"        // Field names the /sys/class/dmi/id file
	SigHypervisor Signal = "hypervisor" // CPUID leaf 0x40000000 signature, "none" without a hypervisor
	SigVirt       Signal = "virt"       // systemd-detect-virt kind
	SigIMDS       Signal = "imds"       // flavour that answered; Field is the mode; "none" when asked and silent
	SigNIC        Signal = "nic"        // NIC vendor from the nicVendors table
	SigResolver   Signal = "resolver"   // resolv.conf nameserver address
	SigSearch     Signal = "search"     // resolv.conf search domain
	SigNTP        Signal = "ntp"        // NTP source host (or refclock device)
)

// OperatorRule maps one signal value to an operator with a weight. Rules are
// data: add a row, not an if.
type OperatorRule struct {
	Name     string
	Signal   Signal
	Field    string  // must equal the value's field when set (DMI file, IMDS mode)
	Match    Pattern // matched against the value
	Operator string
	Weight   int
	Ref      string // where the value is published
}

// operatorFamilies maps an operator to the family it refines.
var operatorFamilies = map[string]string{probes.OpOVH: probes.OpOpenStack}

func rule(name string, sig Signal, field, re, op string, w int, ref string) OperatorRule {
	return OperatorRule{Name: name, Signal: sig, Field: field, Match: newPattern(re), Operator: op, Weight: w, Ref: ref}
}

// Pattern is a regular expression compiled on its first use. The rule
// table is built when any binary that links the host probe starts (the
// slim agent on every host, for every plan it runs); compiling its
// expressions there cost more than the rest of the start-up. Every
// pattern is compiled by the package's tests, so a bad one cannot ship.
type Pattern struct {
	expr string
	re   func() *regexp.Regexp
}

func newPattern(expr string) Pattern {
	return Pattern{expr: expr, re: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })}
}

// MatchString reports whether s matches the pattern.
func (p Pattern) MatchString(s string) bool { return p.re().MatchString(s) }

// String returns the expression.
func (p Pattern) String() string { return p.expr }

const (
	refDSIdentify = "cloud-init tools/ds-identify"
	refSystemd    = "systemd src/basic/virt.c"
)

// OperatorRules returns the one table that turns host-identity signals
// into an operator. Weights: 4 a metadata service speaking the operator's
// protocol, 3 a DMI string or address only that operator uses, 2 a
// supporting value, 1 a value shared with others. The table is built on
// first use: built at package init it was the largest init function of the
// slim agent (28 KB of code, 9 KB of allocations at every start).
func OperatorRules() []OperatorRule { return operatorRules() }

var operatorRules = sync.OnceValue(func() []OperatorRule {
	return []OperatorRule{
		// Google Compute Engine
		rule("gce-dmi-product", SigDMI, "product_name", `^Google Compute Engine$`, probes.OpGoogle, 3, refDSIdentify+"; "+refSystemd),
		rule("gce-dmi-vendor", SigDMI, "sys_vendor", `^Google$`, probes.OpGoogle, 2, "GCE docs: verifying the VM is on Compute Engine"),
		rule("gce-dmi-serial", SigDMI, "product_serial", `^GoogleCloud-`, probes.OpGoogle, 2, refDSIdentify),
		rule("gce-imds", SigIMDS, "", `^gce$`, probes.OpGoogle, 4, "GCE docs: Metadata-Flavor: Google"),
		rule("gce-nic", SigNIC, "", `^Google$`, probes.OpGoogle, 2, "nicVendors table"),
		rule("gce-search", SigSearch, "", `(^|\.)google\.internal$`, probes.OpGoogle, 2, "GCE docs: internal DNS names"),
		rule("gce-ntp", SigNTP, "", `^metadata\.google\.internal$`, probes.OpGoogle, 2, "GCE docs: configure NTP"),
		rule("linklocal-resolver-gce", SigResolver, "", `^169\.254\.169\.254$`, probes.OpGoogle, 1, "GCE docs: metadata server is the VPC resolver"),
		// Amazon EC2
		rule("aws-dmi-vendor", SigDMI, "sys_vendor", `^Amazon EC2$`, probes.OpAmazon, 3, "AWS docs: identify EC2 Linux instances; "+refSystemd),
		rule("aws-dmi-bios", SigDMI, "bios_vendor", `^Amazon EC2$`, probes.OpAmazon, 1, "AWS docs: identify EC2 Linux instances"),
		rule("aws-dmi-uuid", SigDMI, "product_uuid", `(?i)^ec2`, probes.OpAmazon, 2, "AWS docs: identify EC2 Linux instances; "+refDSIdentify),
		rule("aws-imds-v2", SigIMDS, "imdsv2", `^aws$`, probes.OpAmazon, 4, "AWS docs: IMDSv2 session token"),
		rule("aws-imds-v1", SigIMDS, "imdsv1", `^aws$`, probes.OpAmazon, 2, "AWS docs: IMDSv1"),
		rule("aws-nic", SigNIC, "", `^Amazon$`, probes.OpAmazon, 2, "nicVendors table"),
		rule("aws-resolver", SigResolver, "", `^(169\.254\.169\.253|fd00:ec2::253)$`, probes.OpAmazon, 2, "AWS docs: Amazon DNS server"),
		rule("aws-search", SigSearch, "", `(^ec2\.internal|\.compute\.internal)$`, probes.OpAmazon, 2, "AWS docs: DNS hostnames for EC2"),
		rule("aws-ntp", SigNTP, "", `^(169\.254\.169\.123|fd00:ec2::123)$`, probes.OpAmazon, 2, "AWS docs: Amazon Time Sync Service"),
		// Microsoft Azure (and Hyper-V)
		rule("azure-dmi-asset", SigDMI, "chassis_asset_tag", `^7783-7084-3265-9085-8269-3286-77$`, probes.OpMicrosoft, 3, refDSIdentify),
		rule("azure-dmi-vendor", SigDMI, "sys_vendor", `^Microsoft Corporation$`, probes.OpMicrosoft, 1, "Hyper-V SMBIOS"),
		rule("azure-dmi-product", SigDMI, "product_name", `^Virtual Machine$`, probes.OpMicrosoft, 1, "Hyper-V SMBIOS"),
		rule("hyperv-signature", SigHypervisor, "", `^Microsoft Hv$`, probes.OpMicrosoft, 1, "Hyper-V TLFS; also QEMU with Hyper-V enlightenments"),
		rule("azure-imds", SigIMDS, "", `^azure$`, probes.OpMicrosoft, 4, "Azure docs: Instance Metadata Service"),
		rule("azure-nic", SigNIC, "", `^Microsoft$`, probes.OpMicrosoft, 2, "nicVendors table"),
		rule("azure-resolver", SigResolver, "", `^168\.63\.129\.16$`, probes.OpMicrosoft, 3, "Azure docs: what is IP address 168.63.129.16"),
		rule("azure-search", SigSearch, "", `(\.internal\.cloudapp\.net|reddog\.microsoft\.com)$`, probes.OpMicrosoft, 2, "Azure docs: name resolution for VMs"),
		rule("azure-ntp", SigNTP, "", `(ptp_hyperv|^time\.windows\.com$)`, probes.OpMicrosoft, 1, "Azure docs: time sync for Linux VMs"),
		// OpenStack (any operator running Nova)
		rule("openstack-dmi-product", SigDMI, "product_name", `^OpenStack (Nova|Compute)$`, probes.OpOpenStack, 3, refDSIdentify),
		rule("openstack-dmi-vendor", SigDMI, "sys_vendor", `^OpenStack Foundation$`, probes.OpOpenStack, 1, "Nova libvirt driver SMBIOS defaults"),
		rule("openstack-dmi-asset", SigDMI, "chassis_asset_tag", `^(OpenTelekomCloud|SAP CCloud VM|HUAWEICLOUD|OpenStack Nova|OpenStack Compute)$`, probes.OpOpenStack, 2, refDSIdentify),
		rule("openstack-imds", SigIMDS, "", `^openstack$`, probes.OpOpenStack, 3, "OpenStack Nova metadata service"),
		rule("openstack-nic", SigNIC, "", `^OpenStack Neutron$`, probes.OpOpenStack, 2, "nicVendors table"),
		// OVHcloud (refines OpenStack-based: its Public Cloud is OpenStack)
		rule("ovh-resolver", SigResolver, "", `^(213\.186\.33\.99|2001:41d0:3:163::1)$`, probes.OpOVH, 3, "OVHcloud guides: cdns.ovh.net"),
		rule("ovh-ntp", SigNTP, "", `(^|\.)ovh\.net$`, probes.OpOVH, 2, "OVHcloud guides: ntp.ovh.net"),
		rule("ovh-nic", SigNIC, "", `^OVHcloud$`, probes.OpOVH, 1, "nicVendors table"),
		// Scaleway
		rule("scw-dmi-vendor", SigDMI, "sys_vendor", `^Scaleway$`, probes.OpScaleway, 3, refDSIdentify),
		rule("scw-imds", SigIMDS, "", `^scaleway$`, probes.OpScaleway, 4, "Scaleway docs: instance metadata 169.254.42.42"),
		// Hetzner
		rule("hetzner-dmi-vendor", SigDMI, "sys_vendor", `^Hetzner$`, probes.OpHetzner, 3, refDSIdentify),
		rule("hetzner-dmi-product", SigDMI, "product_name", `^vServer$`, probes.OpHetzner, 1, "Hetzner Cloud SMBIOS"),
		rule("hetzner-imds", SigIMDS, "", `^hetzner$`, probes.OpHetzner, 4, "Hetzner Cloud docs: server metadata"),
		rule("hetzner-resolver", SigResolver, "", `^(185\.12\.64\.[12]|2a01:4ff:ff00::add:[12])$`, probes.OpHetzner, 2, "Hetzner docs: recursive DNS servers"),
		rule("hetzner-ntp", SigNTP, "", `(^|\.)hetzner\.(de|com|net)$`, probes.OpHetzner, 2, "Hetzner docs: NTP servers"),
		rule("hetzner-nic", SigNIC, "", `^Hetzner$`, probes.OpHetzner, 1, "nicVendors table"),
		// Oracle Cloud Infrastructure
		rule("oci-dmi-asset", SigDMI, "chassis_asset_tag", `^OracleCloud\.com$`, probes.OpOracle, 3, refDSIdentify),
		rule("oci-imds", SigIMDS, "", `^oracle$`, probes.OpOracle, 4, "OCI docs: instance metadata service v2"),
		rule("oci-nic", SigNIC, "", `^Oracle Cloud$`, probes.OpOracle, 1, "nicVendors table"),
		rule("linklocal-resolver-oci", SigResolver, "", `^169\.254\.169\.254$`, probes.OpOracle, 1, "OCI docs: VCN resolver"),
		// No virtualisation at all
		rule("virt-none", SigVirt, "", `^none$`, probes.OpBareMetal, 2, refSystemd),
		rule("no-hypervisor", SigHypervisor, "", `^none$`, probes.OpBareMetal, 1, "CPUID leaf 1 ECX bit 31 clear"),
		rule("no-imds", SigIMDS, "", `^none$`, probes.OpBareMetal, 1, "no metadata service answered"),
	}
})
