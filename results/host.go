package results

// HostDetails is what the host-identity probe read. Every value is *claimed*:
// an operator can set DMI strings, CPUID hypervisor leaves and metadata
// answers, so each is reported with where it came from.
type HostDetails struct {
	Kernel     Claimed      `json:"kernel"`
	CPU        CPUInfo      `json:"cpu"`
	Hypervisor Hypervisor   `json:"hypervisor"`
	DMI        []Claimed    `json:"dmi,omitempty"`
	Virt       Claimed      `json:"virtualization"`
	NICs       []NIC        `json:"nics,omitempty"`
	Resolvers  []Claimed    `json:"resolvers,omitempty"`
	NTP        []Claimed    `json:"ntp,omitempty"`
	Metadata   []IMDSAnswer `json:"metadata,omitempty"`
	// Operator is the operator the signals point to, by the named rules.
	Operator OperatorGuess `json:"operator"`
}

// Claimed is one value with the place it was read from.
type Claimed struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Source string `json:"source"` // a path, "cpuid:0x40000000", a URL
}

// CPUInfo is the processor as the host describes it.
type CPUInfo struct {
	Vendor string   `json:"vendor"`
	Model  string   `json:"model"`
	Flags  []string `json:"flags,omitempty"`
	Source string   `json:"source"`
}

// Hypervisor is what CPUID and /sys/hypervisor say about virtualisation.
type Hypervisor struct {
	Present   bool   `json:"present"`
	Signature string `json:"signature,omitempty"` // e.g. "KVMKVMKVM", "Microsoft Hv"
	Vendor    string `json:"vendor,omitempty"`    // e.g. "kvm", "microsoft"
	Source    string `json:"source"`
}

// NIC is one network interface and the vendor its MAC prefix names.
type NIC struct {
	Name   string `json:"name"`
	MAC    string `json:"mac"`
	Vendor string `json:"vendor,omitempty"`
	Source string `json:"source"`
}

// IMDSAnswer is one instance-metadata service that was asked.
type IMDSAnswer struct {
	Flavor   string            `json:"flavor"` // aws, gce, azure, openstack, scaleway, hetzner, oracle
	URL      string            `json:"url"`
	Answered bool              `json:"answered"`
	Fields   map[string]string `json:"fields,omitempty"` // instance id, zone, ...
	Failure  *Failure          `json:"failure,omitempty"`
}

// OperatorGuess is the operator the host-identity rules point to.
type OperatorGuess struct {
	Name       string   `json:"name"`       // Google, Amazon, Microsoft, ..., bare metal, unknown
	Confidence string   `json:"confidence"` // low, medium, high — still a claim
	Rules      []string `json:"rules,omitempty"`
}
