package suite

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/internal/limits"
)

// TargetSpec names a host the suite runs on.
type TargetSpec struct {
	Name string `yaml:"name"`
	// Kind is local (this host), lab (a namespace of a running lab) or ssh.
	Kind string `yaml:"kind"`
	// Namespace is the network namespace of a lab target.
	Namespace string `yaml:"namespace"`
	// Host names a lab target as provider/host (or lab:provider/host) of a
	// running lab instead of its namespace; Runner.Labs finds it.
	Host string `yaml:"host"`
	// Address is the host (or host:port) of an ssh target.
	Address string `yaml:"address"`
	// Hosts expands one ssh entry into a target per host, named name@host.
	Hosts []string `yaml:"hosts"`
	// SSH says how to log in to an ssh target.
	SSH *SSHSpec `yaml:"ssh"`

	index int // position in the suite file, for errors
}

// SSHSpec says how to reach a target over SSH. Host keys are always checked
// against known_hosts: there is no option to trust blindly.
type SSHSpec struct {
	User       string `yaml:"user"`
	Key        string `yaml:"key"`         // private key file (OpenSSH or PEM, unencrypted)
	KnownHosts string `yaml:"known_hosts"` // OpenSSH known_hosts file
	Port       int    `yaml:"port"`
	// AgentPath is where the agent binary is copied on the host; default
	// /tmp/sovbench-agent-<first 16 hex of its SHA-256>.
	AgentPath string `yaml:"agent_path"`
	// ConnectTimeout bounds the TCP connect and SSH handshake (default 10s).
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
}

// validateTargets applies target defaults (a suite without targets runs
// on this host), expands ssh fleets and checks every target.
func (s *Suite) validateTargets(file string, root *yaml.Node, lim limits.Limits) error {
	if len(s.Targets) == 0 {
		s.Targets = []TargetSpec{{Name: "local", Kind: "local"}}
	}
	n := 0 // counted before hosts: lists are expanded
	for _, t := range s.Targets {
		n += max(1, len(t.Hosts))
	}
	if err := lim.Count(limits.Targets, "targets", n); err != nil {
		return &ConfigError{File: file, Line: lineOf(root, "targets"), Field: "targets", Msg: err.Error()}
	}
	if err := s.expandHosts(file, root); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i := range s.Targets {
		t := &s.Targets[i]
		field := fmt.Sprintf("targets[%d]", t.index)
		line := itemLine(root, "targets", t.index)
		if t.Kind == "" {
			t.Kind = "local"
		}
		if blankKey(item(root, "targets", t.index), "name") {
			return &ConfigError{File: file, Line: line, Field: field + ".name", Msg: "empty name (leave name: out to name the target after its kind)"}
		}
		if t.Name == "" {
			t.Name = t.Kind
		}
		if msg := checkID(t.Name); msg != "" {
			return &ConfigError{File: file, Line: line, Field: field + ".name", Msg: msg}
		}
		if seen[t.Name] {
			return &ConfigError{File: file, Line: line, Field: field + ".name", Msg: fmt.Sprintf("duplicate target %q", t.Name)}
		}
		seen[t.Name] = true
		switch t.Kind {
		case "local":
		case "lab":
			if (t.Namespace == "") == (t.Host == "") {
				return &ConfigError{File: file, Line: line, Field: field + ".host", Msg: "a lab target needs either host: provider/host or namespace:"}
			}
		case "ssh":
			if err := checkSSH(t); err != "" {
				return &ConfigError{File: file, Line: line, Field: field + "." + err, Msg: "an ssh target needs " + err}
			}
		default:
			return &ConfigError{File: file, Line: line, Field: field + ".kind", Msg: fmt.Sprintf("unknown target kind %q (known: lab, local, ssh)", t.Kind)}
		}
	}
	return nil
}

// expandHosts turns an ssh entry with hosts: [a, b] into one target per host.
func (s *Suite) expandHosts(file string, root *yaml.Node) error {
	var out []TargetSpec
	for i, t := range s.Targets {
		t.index = i
		if len(t.Hosts) == 0 {
			out = append(out, t)
			continue
		}
		if t.Kind != "ssh" || t.Address != "" {
			return &ConfigError{File: file, Line: itemLine(root, "targets", i), Field: fmt.Sprintf("targets[%d].hosts", i), Msg: "hosts: goes with kind: ssh and no address"}
		}
		for j, h := range t.Hosts {
			if strings.TrimSpace(h) == "" {
				return &ConfigError{File: file, Line: itemLine(root, "targets", i), Field: fmt.Sprintf("targets[%d].hosts[%d]", i, j), Msg: "empty host"}
			}
			c := t
			c.Name, c.Address, c.Hosts = t.Name+"@"+h, h, nil
			out = append(out, c)
		}
	}
	s.Targets = out
	return nil
}

// checkSSH returns the first missing field of an ssh target, or "".
func checkSSH(t *TargetSpec) string {
	switch {
	case t.Address == "":
		return "address"
	case t.SSH == nil:
		return "ssh"
	case t.SSH.User == "":
		return "ssh.user"
	case t.SSH.Key == "":
		return "ssh.key"
	case t.SSH.KnownHosts == "":
		return "ssh.known_hosts"
	}
	return ""
}
