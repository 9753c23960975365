package egress

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/sovbench/sovbench/results"
)

// TokenPrefix starts every token-bearing datagram; a sink that records
// arrivals looks for it, and one that echoes the datagram back proves the
// path both ways.
const TokenPrefix = "SOVBENCH-EGRESS "

// udpToken sends a token-bearing datagram on a connected UDP socket and
// waits for an echo. Refused (ICMP port unreachable) proves packets flow; a
// timeout leaves arrival unknown: the token says what a sink should record.
func (e *egressProbe) udpToken(at *attempt, addr, tok string) results.EgressAttempt {
	at.a.Token = tok
	var d net.Dialer
	c, err := d.DialContext(at.ctx, "udp", addr)
	if err != nil {
		return at.done("connect", err)
	}
	defer c.Close()
	setDeadline(at, c)
	payload := []byte(TokenPrefix + tok + "\n")
	if _, err := c.Write(payload); err != nil {
		return at.done("write", err)
	}
	buf := make([]byte, 512)
	n, err := c.Read(buf)
	if err != nil {
		return at.done("read", err)
	}
	if !bytes.Contains(buf[:n], []byte(tok)) {
		return at.flag("read", results.ClassBogus, fmt.Sprintf("%d-byte answer without the token", n))
	}
	at.a.Answer = "token echoed"
	return at.done("read", nil)
}

// dnsQuery asks the destination directly, as a resolver, for DNSQueryName.
// Any well-formed answer with our ID proves a DNS path, whatever its rcode.
func (e *egressProbe) dnsQuery(at *attempt, addr string) results.EgressAttempt {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(e.p.DNSQueryName), dns.TypeA)
	c := &dns.Client{Net: "udp", Timeout: e.p.AttemptTimeout}
	r, _, err := c.ExchangeContext(at.ctx, m, addr)
	if err != nil {
		return at.done("read", err)
	}
	at.a.Answer = describeDNS(r)
	return at.done("read", nil)
}

func describeDNS(r *dns.Msg) string {
	var b strings.Builder
	b.WriteString(dns.RcodeToString[r.Rcode])
	for _, rr := range r.Answer {
		b.WriteString(" " + rrValue(rr))
	}
	return b.String()
}

func rrValue(rr dns.RR) string {
	switch v := rr.(type) {
	case *dns.A:
		return v.A.String()
	case *dns.AAAA:
		return v.AAAA.String()
	case *dns.TXT:
		return strings.Join(v.Txt, "")
	case *dns.CNAME:
		return v.Target
	}
	return strings.TrimPrefix(rr.String(), rr.Header().String())
}

// ntpEpochOffset is the seconds from 1900 (NTP era 0) to 1970.
const ntpEpochOffset = 2208988800

// ntpQuery sends a client-mode NTPv4 request whose transmit timestamp is
// random; a genuine server answers in server mode and echoes it as origin.
func (e *egressProbe) ntpQuery(at *attempt, addr string) results.EgressAttempt {
	var d net.Dialer
	c, err := d.DialContext(at.ctx, "udp", addr)
	if err != nil {
		return at.done("connect", err)
	}
	defer c.Close()
	setDeadline(at, c)
	req := make([]byte, 48)
	req[0] = 0<<6 | 4<<3 | 3 // LI 0, version 4, mode 3 (client)
	if _, err := rand.Read(req[40:48]); err != nil {
		return at.done("write", err)
	}
	if _, err := c.Write(req); err != nil {
		return at.done("write", err)
	}
	resp := make([]byte, 512)
	n, err := c.Read(resp)
	if err != nil {
		return at.done("read", err)
	}
	ans, bad := checkNTP(req, resp[:n])
	at.a.Answer = ans
	if bad != "" {
		return at.flag("read", results.ClassBogus, bad)
	}
	return at.done("read", nil)
}

// checkNTP validates an NTP answer to req: it describes what answered and
// says what is wrong with it ("" when nothing is).
func checkNTP(req, resp []byte) (answer, bad string) {
	if len(resp) < 48 {
		return fmt.Sprintf("%d bytes", len(resp)), "NTP answer shorter than 48 bytes"
	}
	mode, stratum := resp[0]&7, resp[1]
	secs := binary.BigEndian.Uint32(resp[40:44])
	t := time.Unix(int64(secs)-ntpEpochOffset, 0).UTC()
	answer = fmt.Sprintf("stratum %d, time %s", stratum, t.Format(time.RFC3339))
	if stratum == 0 {
		answer = fmt.Sprintf("kiss-o'-death %q", resp[12:16])
	}
	switch {
	case mode != 4:
		return answer, fmt.Sprintf("NTP mode %d, want 4 (server)", mode)
	case !bytes.Equal(resp[24:32], req[40:48]):
		return answer, "NTP origin timestamp does not echo ours"
	}
	return answer, ""
}

// setDeadline applies the attempt's deadline to a connection.
func setDeadline(at *attempt, c net.Conn) {
	if dl, ok := at.ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
}
