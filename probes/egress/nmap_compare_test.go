package egress

import (
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// nmapRun is the part of nmap's -oX output the comparison reads.
type nmapRun struct {
	Hosts []struct {
		Address []struct {
			Addr string `xml:"addr,attr"`
		} `xml:"address"`
		Ports struct {
			Extra []struct {
				State   string `xml:"state,attr"`
				Reasons []struct {
					Proto string `xml:"proto,attr"`
					Ports string `xml:"ports,attr"`
				} `xml:"extrareasons"`
			} `xml:"extraports"`
			Port []struct {
				Proto string `xml:"protocol,attr"`
				ID    int    `xml:"portid,attr"`
				State struct {
					State string `xml:"state,attr"`
				} `xml:"state"`
			} `xml:"port"`
		} `xml:"ports"`
	} `xml:"host"`
}

// parseNmapXML returns "ip:port/proto" -> state, expanding the collapsed
// "extraports" through their extrareasons port lists.
func parseNmapXML(data []byte) (map[string]string, error) {
	var r nmapRun
	if err := xml.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("parsing nmap XML: %w", err)
	}
	out := map[string]string{}
	for _, h := range r.Hosts {
		if len(h.Address) == 0 {
			continue
		}
		ip := h.Address[0].Addr
		for _, p := range h.Ports.Port {
			out[fmt.Sprintf("%s:%d/%s", ip, p.ID, p.Proto)] = p.State.State
		}
		for _, x := range h.Ports.Extra {
			for _, rs := range x.Reasons {
				ports, err := parsePortList(rs.Ports)
				if err != nil {
					return nil, err
				}
				for _, p := range ports {
					out[fmt.Sprintf("%s:%d/%s", ip, p, rs.Proto)] = x.State
				}
			}
		}
	}
	return out, nil
}

// parsePortList parses "1-3,7,9-10".
func parsePortList(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return nil, fmt.Errorf("nmap port list %q: %w", s, err)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a || b-a > 65535 {
				return nil, fmt.Errorf("nmap port list %q: bad range %q", s, part)
			}
		}
		for p := a; p <= b; p++ {
			out = append(out, p)
		}
	}
	return out, nil
}

func FuzzParsePortList(f *testing.F) {
	f.Add("1-3,7,9-10")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		ports, err := parsePortList(s)
		if err == nil && !slices.IsSorted(ports) && !strings.Contains(s, ",") {
			t.Fatalf("%q gave unsorted %v", s, ports)
		}
	})
}

func TestParseNmapXMLExpandsExtraports(t *testing.T) {
	x := `<nmaprun><host><address addr="127.0.1.1" addrtype="ipv4"/><ports>
<extraports state="closed" count="3"><extrareasons reason="conn-refused" count="3" proto="tcp" ports="20003-20004,20009"/></extraports>
<port protocol="tcp" portid="20001"><state state="open" reason="syn-ack"/></port></ports></host></nmaprun>`
	got, err := parseNmapXML([]byte(x))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"127.0.1.1:20001/tcp": "open", "127.0.1.1:20003/tcp": "closed", "127.0.1.1:20004/tcp": "closed", "127.0.1.1:20009/tcp": "closed"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// compareStates lists the destinations where ours and nmap's differ.
func compareStates(ours, nmap map[string]string) []string {
	var diff []string
	for k, s := range ours {
		if nmap[k] != s {
			diff = append(diff, fmt.Sprintf("%s: ours %s, nmap %q", k, s, nmap[k]))
		}
	}
	for k := range nmap {
		if _, ok := ours[k]; !ok {
			diff = append(diff, k+": only nmap")
		}
	}
	slices.Sort(diff)
	return diff
}

func nmapArgs(mode string, ports []int, addrs []string) []string {
	args := []string{"nmap", mode, "-Pn", "-n", "-oX", "-", "-p", joinInts(ports)}
	return append(args, addrs...)
}

func TestEgressClassificationAgreesWithNmap(t *testing.T) {
	tcpOpen, tcpClosed := []int{20001, 20002}, []int{20003, 20004}
	udpOpen, udpClosed := []int{20011}, []int{20012}
	ns := scanNetns(t, tcpOpen, udpOpen)
	addrs := []string{"127.0.1.1", "127.0.1.2", "127.0.2.1"} // the last is blackholed
	tcp, udp := append(tcpOpen, tcpClosed...), append(udpOpen, udpClosed...)
	ours, _ := runOurs(t, ns, destParams(addrs, tcp, udp, "attempt_timeout: 1500ms\n"))
	nmapTCP, _ := runIn(t, ns, nil, nmapArgs("-sT", tcp, addrs)...)
	nmapUDP, _ := runIn(t, ns, nil, nmapArgs("-sU", udp, addrs)...)
	theirs, err := parseNmapXML(nmapTCP)
	if err != nil {
		t.Fatal(err)
	}
	u, err := parseNmapXML(nmapUDP)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range u {
		theirs[k] = v
	}
	if len(ours) != len(addrs)*(len(tcp)+len(udp)) {
		t.Fatalf("%d destinations classified, want %d", len(ours), len(addrs)*(len(tcp)+len(udp)))
	}
	seen := map[string]bool{}
	for _, s := range ours {
		seen[s] = true
	}
	for _, s := range []string{"open", "closed", "filtered", "open|filtered"} {
		if !seen[s] {
			t.Errorf("no destination was %s: the targets do not cover every state (%v)", s, ours)
		}
	}
	if diff := compareStates(ours, theirs); len(diff) > 0 {
		t.Fatalf("%d disagreements with nmap:\n%s", len(diff), strings.Join(diff, "\n"))
	}
}
