package lab

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/internal/limits"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// fileSpec is the lab file as written.
type fileSpec struct {
	Lab       string         `yaml:"lab"`
	Inflation float64        `yaml:"inflation"`
	Jitter    time.Duration  `yaml:"jitter"`
	Loss      float64        `yaml:"loss"`
	Seed      int64          `yaml:"seed"`
	Paths     *PathModel     `yaml:"paths"`
	Internet  internetSpec   `yaml:"internet"`
	Providers []providerSpec `yaml:"providers"`
	Services  []serviceSpec  `yaml:"services"`
}

type internetSpec struct {
	Location Location `yaml:"location"`
}

type providerSpec struct {
	Name     string            `yaml:"name"`
	Operator string            `yaml:"operator"`
	Country  string            `yaml:"country"`
	City     string            `yaml:"city"`
	Location Location          `yaml:"location"`
	Facts    map[string]string `yaml:"facts"`
	Egress   EgressSpec        `yaml:"egress"`
	Hosts    []hostSpec        `yaml:"hosts"`
	// Delay is delay the provider adds on its own links (a lying host).
	Delay *delaySpec `yaml:"delay"`
}

type hostSpec struct {
	Name     string      `yaml:"name"`
	Location *Location   `yaml:"location"`
	Egress   *EgressSpec `yaml:"egress"`
	Fixture  string      `yaml:"fixture"`
	DNS      []string    `yaml:"dns"`
	// DNSSearch are the resolv.conf search domains (WPAD looks under them).
	DNSSearch []string `yaml:"dns_search"`
	// Gateway is a lab name or address the host's default route points at
	// (the forwarder ignores it; probes read it from the routing table).
	Gateway string `yaml:"gateway"`
	// Etc are files the host sees under /etc instead of the machine's
	// (file name -> content; ip netns exec bind-mounts them): a proxy named
	// in /etc/environment, for example.
	Etc map[string]string `yaml:"etc"`
	// Inbound is the host's per-port policy for what arrives at it.
	Inbound []InboundRule `yaml:"inbound"`
}

// InboundRule is one line of a destination's inbound policy, first match
// wins: packets of Proto (tcp, udp, icmp) to Ports (empty: every port) are
// accepted, dropped, or rejected With a TCP reset (rst, TCP only), an ICMP
// port unreachable (icmp) or an ICMP administratively prohibited (prohibited).
type InboundRule struct {
	Proto  string   `yaml:"proto" json:"proto"`
	Ports  []uint16 `yaml:"ports" json:"ports,omitempty"`
	Action string   `yaml:"action" json:"action"`
	With   string   `yaml:"with" json:"with,omitempty"`
}

// EgressSpec is a host's egress policy as written in a lab file.
type EgressSpec struct {
	// Policy is none, drop, reject, allow, proxy_only or open.
	Policy string      `yaml:"policy" json:"policy"`
	Allow  []AllowRule `yaml:"allow" json:"allow,omitempty"`
	// Proxy is the only destination of a proxy_only host: "service:port"
	// or "address:port".
	Proxy string `yaml:"proxy" json:"proxy,omitempty"`
}

// AllowRule is one destination an allow host may reach: To is a service
// name, provider/host, "internet", an address or a prefix; Proto (tcp, udp,
// or icmp: ICMP echo and ICMPv6) and Ports (tcp, udp) narrow it.
type AllowRule struct {
	To    string   `yaml:"to" json:"to"`
	Proto string   `yaml:"proto" json:"proto,omitempty"`
	Ports []uint16 `yaml:"ports" json:"ports,omitempty"`
}

type serviceSpec struct {
	Name     string    `yaml:"name"`
	Kind     string    `yaml:"kind"`
	At       string    `yaml:"at"`
	Location *Location `yaml:"location"`
	Address  string    `yaml:"address"`
	// Impersonates names a service this one answers for, on its host only.
	Impersonates string    `yaml:"impersonates"`
	Params       yaml.Node `yaml:"params"`
	// Inbound is the service's per-port policy (see InboundRule).
	Inbound []InboundRule `yaml:"inbound"`
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// Load reads and validates the lab file at path, no larger than lim's
// lab-bytes bound; the read stops when ctx is done.
func Load(ctx context.Context, path string, lim limits.Limits) (*Topology, error) {
	data, err := lim.ReadFile(ctx, limits.LabBytes, path)
	if err != nil {
		return nil, fmt.Errorf("reading lab file: %w", err)
	}
	return Parse(path, data)
}

// Parse validates a lab file. Errors are *suite.ConfigError naming the
// file, line and field. Relative fixture paths are resolved against the
// file's directory.
func Parse(file string, data []byte) (*Topology, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, &suite.ConfigError{File: file, Msg: cleanErr(err)}
	}
	if len(doc.Content) == 0 {
		return nil, &suite.ConfigError{File: file, Msg: "empty lab file"}
	}
	root := doc.Content[0]
	var fs fileSpec
	if err := suite.DecodeStrict(file, root, &fs, ""); err != nil {
		return nil, err
	}
	b := &builder{file: file, dir: filepath.Dir(file), root: root, spec: &fs}
	return b.build()
}

func cleanErr(err error) string {
	msg := err.Error()
	if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	return msg
}

// at returns the line of the node reached by following path (mapping keys
// and sequence indexes) from the document root, or the deepest line found.
func at(root *yaml.Node, path ...any) int {
	n, line := root, root.Line
	for _, step := range path {
		var next *yaml.Node
		switch s := step.(type) {
		case string:
			for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == s {
					line, next = n.Content[i].Line, n.Content[i+1]
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && s < len(n.Content) {
				next = n.Content[s]
			}
		}
		if next == nil {
			return line
		}
		n, line = next, next.Line
	}
	return line
}
