package lab_test

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"github.com/sovbench/sovbench/lab"
	"github.com/sovbench/sovbench/lab/labtest"
	"github.com/sovbench/sovbench/results"
)

// nmapPorts parses the per-port states of nmap -oX output ("port/proto" ->
// state); the scans here list few ports, so nmap shows each one.
func nmapPorts(t *testing.T, out string) map[string]string {
	t.Helper()
	var r struct {
		Ports []struct {
			Proto string `xml:"protocol,attr"`
			ID    int    `xml:"portid,attr"`
			State struct {
				State string `xml:"state,attr"`
			} `xml:"state"`
		} `xml:"host>ports>port"`
	}
	if err := xml.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("parsing nmap XML: %v", err)
	}
	m := map[string]string{}
	for _, p := range r.Ports {
		m[fmt.Sprintf("%d/%s", p.ID, p.Proto)] = p.State.State
	}
	return m
}

// nmapState is our class in nmap's words.
func nmapState(a results.EgressAttempt, proto string) string {
	switch a.Class {
	case results.ClassOK:
		return "open"
	case string(results.ClassRefused):
		return "closed"
	case string(results.ClassUnreachable):
		return "filtered"
	case string(results.ClassPermission):
		// The host's own firewall refused the send (EPERM). nmap's raw UDP
		// probe is refused the same way and, hearing nothing, says open|filtered.
		if proto == "udp" {
			return "open|filtered"
		}
		return "filtered"
	case string(results.ClassTimeout):
		if proto == "udp" {
			return "open|filtered"
		}
		return "filtered"
	}
	return a.Class
}

// checkNmapAgrees runs nmap -sT -Pn and -sU -Pn inside each host's namespace
// against the sink and compares with the egress probe's TCP and UDP attempts.
func checkNmapAgrees(t *testing.T, l *lab.Lab, rep *results.Report) {
	for _, target := range []string{"dis", "rej", "drp", "alw", "prx"} {
		t.Run("nmap agrees with the egress probe on "+target, func(t *testing.T) {
			tcp := nmapPorts(t, labtest.Exec(t, l, target+"/vm", "nmap", "-sT", "-Pn", "-n", "-oX", "-", "-p", "80,443,9000", "198.19.1.1"))
			udp := nmapPorts(t, labtest.Exec(t, l, target+"/vm", "nmap", "-sU", "-Pn", "-n", "-oX", "-", "-p", "9001", "198.19.1.1"))
			checks := []struct{ dest, port string }{
				{"198.19.1.1:80/http", "80/tcp"}, {"198.19.1.1:443/https", "443/tcp"}, {"198.19.1.1:9000/tcp", "9000/tcp"},
			}
			var diff []string
			for _, c := range checks {
				if ours := nmapState(attemptOf(t, rep, target, c.dest, "tcp"), "tcp"); ours != tcp[c.port] {
					diff = append(diff, fmt.Sprintf("%s: ours %s, nmap %q", c.port, ours, tcp[c.port]))
				}
			}
			ua := attemptOf(t, rep, target, "198.19.1.1:9001/udp", "udp")
			theirs, scanned := udp["9001/udp"]
			switch ours := nmapState(ua, "udp"); {
			case !scanned && ua.Class == string(results.ClassUnreachable):
				// No route: nmap's raw UDP scan cannot even start ("0 hosts up").
			case ours != theirs:
				diff = append(diff, fmt.Sprintf("9001/udp: ours %s (%s), nmap %q", ours, ua.Class, theirs))
			}
			if len(diff) > 0 {
				t.Fatal(strings.Join(diff, "; "))
			}
		})
	}
}
