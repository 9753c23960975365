package results

// HostDetails is what the host-identity probe read. Every value is *claimed*:
// an operator can set DMI strings, CPUID hypervisor leaves, MAC addresses and
// metadata answers, so each is reported with where it came from. Nothing here
// is verified; TPM evidence is what binds a host to hardware.
type HostDetails struct {
	Kernel     Claimed    `json:"kernel"`
	CPU        CPUInfo    `json:"cpu"`
	Hypervisor Hypervisor `json:"hypervisor"`
	// DMI holds the SMBIOS strings of /sys/class/dmi/id that exist; a file
	// that exists but cannot be read (product_serial without root) is kept
	// with its Failure (class permission_denied).
	DMI []Claimed `json:"dmi,omitempty"`
	// Virt is the virtualization kind as systemd-detect-virt decides it
	// ("kvm", "amazon", "google", "microsoft", "xen", "none", "vm-other", ...).
	Virt Claimed `json:"virtualization"`
	NICs []NIC   `json:"nics,omitempty"`
	// Resolvers are resolv.conf entries: Name "nameserver" or "search".
	Resolvers []Claimed `json:"resolvers,omitempty"`
	// NTP are time sources: Name is the directive (server, pool, NTP, refclock).
	NTP []Claimed `json:"ntp,omitempty"`
	// MetadataQueried says whether instance-metadata services were asked at
	// all (they are off unless the suite turns them on).
	MetadataQueried bool         `json:"metadata_queried"`
	Metadata        []IMDSAnswer `json:"metadata,omitempty"`
	// Operator is the operator the signals point to, by the named rules.
	Operator OperatorGuess `json:"operator"`
}

// DMIValue returns the value of the DMI field name ("sys_vendor", ...) and
// whether it was read.
func (h *HostDetails) DMIValue(name string) (Claimed, bool) {
	for _, c := range h.DMI {
		if c.Name == name && c.Failure == nil {
			return c, true
		}
	}
	return Claimed{}, false
}

// Answered returns the metadata services that answered, in probe order.
func (h *HostDetails) Answered() []IMDSAnswer {
	var out []IMDSAnswer
	for _, a := range h.Metadata {
		if a.Answered {
			out = append(out, a)
		}
	}
	return out
}

// Claimed is one value with the place it was read from.
type Claimed struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Source string `json:"source"` // a path (with :line for config files), "cpuid:0x40000000", a URL
	// Failure says why the value could not be read (permission_denied, ...).
	Failure *Failure `json:"failure,omitempty"`
}

// CPUInfo is the processor as the host describes it.
type CPUInfo struct {
	Vendor string   `json:"vendor"`
	Model  string   `json:"model"`
	Count  int      `json:"count,omitempty"` // logical processors listed
	Flags  []string `json:"flags,omitempty"`
	Source string   `json:"source"`
}

// Hypervisor is what CPUID, /proc/cpuinfo and /sys/hypervisor say about
// virtualisation.
type Hypervisor struct {
	Present   bool   `json:"present"`
	Signature string `json:"signature,omitempty"` // CPUID leaf 0x40000000, e.g. "KVMKVMKVM", "Microsoft Hv"
	Vendor    string `json:"vendor,omitempty"`    // e.g. "kvm", "microsoft", "xen"
	Source    string `json:"source"`              // the signal that decided Present/Vendor
	// Signals are every signal read, present or not: cpuid.hypervisor_bit,
	// cpuid.signature, cpuinfo.hypervisor_flag, sys.hypervisor_type.
	Signals []Claimed `json:"signals,omitempty"`
}

// NIC is one network interface and the vendor its MAC prefix or driver names.
type NIC struct {
	Name   string `json:"name"`
	MAC    string `json:"mac"`
	Driver string `json:"driver,omitempty"`     // from device/uevent DRIVER=
	PCI    string `json:"pci_vendor,omitempty"` // from device/vendor, e.g. 0x1d0f
	// LocallyAdministered is the U/L bit of the first octet: the address was
	// chosen by software (cloud fabrics, QEMU), not burnt in by a maker.
	LocallyAdministered bool   `json:"locally_administered,omitempty"`
	Vendor              string `json:"vendor,omitempty"`      // e.g. "Google", "Amazon", "QEMU"
	VendorRule          string `json:"vendor_rule,omitempty"` // the table entry that named Vendor
	Source              string `json:"source"`
}

// IMDSAnswer is one instance-metadata service that was asked.
type IMDSAnswer struct {
	Flavor string `json:"flavor"` // aws, gce, azure, openstack, scaleway, hetzner, oracle
	URL    string `json:"url"`
	// Answered is true when a service spoke the flavour's protocol (right
	// headers, parseable document). The answer is still only claimed.
	Answered bool `json:"answered"`
	// Mode is how it answered: "imdsv2" or "imdsv1" for aws.
	Mode    string            `json:"mode,omitempty"`
	Status  int               `json:"status,omitempty"` // last HTTP status seen
	Took    Duration          `json:"took"`
	Fields  map[string]string `json:"fields,omitempty"` // instance id, zone, ...
	Failure *Failure          `json:"failure,omitempty"`
}

// OperatorGuess is the operator the host-identity rules point to. It is a
// claim built from claims: confidence says how many independent signals
// agree, not that any of them is true.
type OperatorGuess struct {
	Name       string         `json:"name"`       // Google, Amazon, Microsoft, ..., bare metal, unknown
	Confidence string         `json:"confidence"` // low, medium, high
	Scores     map[string]int `json:"scores,omitempty"`
	Rules      []RuleHit      `json:"rules,omitempty"` // every rule that fired, for any operator
}

// RuleHit is one operator rule that matched one signal value.
type RuleHit struct {
	Rule     string `json:"rule"`
	Operator string `json:"operator"`
	Weight   int    `json:"weight"`
	Signal   string `json:"signal"` // dmi, hypervisor, virt, imds, nic, resolver, search, ntp
	Value    string `json:"value"`
	Source   string `json:"source"`
}
