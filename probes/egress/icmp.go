package egress

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// icmpSocket opens an unprivileged ping socket ("udp4"/"udp6", allowed by
// net.ipv4.ping_group_range) or, when the host refuses those, a raw socket
// (needs CAP_NET_RAW). raw tells the reader to match the echo ID itself.
func (e *egressProbe) icmpSocket(v6 bool) (c *icmp.PacketConn, raw bool, err error) {
	network, rawNet, laddr := "udp4", "ip4:icmp", "0.0.0.0"
	if v6 {
		network, rawNet, laddr = "udp6", "ip6:ipv6-icmp", "::"
	}
	if !e.noPing.Load() {
		c, err = icmp.ListenPacket(network, laddr)
		if err == nil {
			return c, false, nil
		}
		if probes.ClassOf(err) != results.ClassPermission {
			return nil, false, err
		}
		e.noPing.Store(true)
	}
	c, err = icmp.ListenPacket(rawNet, laddr)
	return c, true, err
}

// icmpEcho sends one echo request to ip and waits for its reply. On a raw
// socket an ICMP destination-unreachable quoting our request is recorded as
// unreachable; on a ping socket such errors are not delivered (timeout).
func (e *egressProbe) icmpEcho(at *attempt, ip net.IP) results.EgressAttempt {
	v6 := ip.To4() == nil
	c, raw, err := e.icmpSocket(v6)
	if err != nil {
		return at.done("open", err)
	}
	defer c.Close()
	if dl, ok := at.ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	id, seq := rand.IntN(1<<16), rand.IntN(1<<16)
	payload := []byte("sovbench-egress " + at.a.Address)
	msg := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: id, Seq: seq, Data: payload}}
	proto := 1
	if v6 {
		msg.Type, proto = ipv6.ICMPTypeEchoRequest, 58
	}
	b, err := msg.Marshal(nil)
	if err != nil {
		return at.done("write", err)
	}
	var dst net.Addr = &net.UDPAddr{IP: ip}
	if raw {
		dst = &net.IPAddr{IP: ip}
	}
	if _, err := c.WriteTo(b, dst); err != nil {
		return at.done("write", err)
	}
	buf := make([]byte, 1500)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			return at.done("read", err)
		}
		m, err := icmp.ParseMessage(proto, buf[:n])
		if err != nil {
			continue
		}
		switch body := m.Body.(type) {
		case *icmp.Echo:
			if !isEchoReply(m.Type) || body.Seq != seq || (raw && body.ID != id) || !bytes.Equal(body.Data, payload) || !sameIP(from, ip) {
				continue
			}
			at.a.Answer = "echo reply from " + addrIP(from)
			return at.done("read", nil)
		case *icmp.DstUnreach:
			if raw && quotesEcho(body.Data, v6, id, seq) {
				return at.refuse("read", results.ClassUnreachable, fmt.Sprintf("ICMP destination unreachable (code %d) from %s", m.Code, addrIP(from)))
			}
		}
	}
}

func isEchoReply(t icmp.Type) bool {
	return t == ipv4.ICMPTypeEchoReply || t == ipv6.ICMPTypeEchoReply
}

// quotesEcho reports whether the datagram quoted in an ICMP error is our
// echo request (ID and sequence after the inner IP header).
func quotesEcho(data []byte, v6 bool, id, seq int) bool {
	hl := 40
	if !v6 {
		if len(data) < 1 {
			return false
		}
		hl = int(data[0]&0x0f) * 4
	}
	if len(data) < hl+8 {
		return false
	}
	echo := data[hl:]
	return int(binary.BigEndian.Uint16(echo[4:6])) == id && int(binary.BigEndian.Uint16(echo[6:8])) == seq
}

func addrIP(a net.Addr) string {
	switch v := a.(type) {
	case *net.UDPAddr:
		return v.IP.String()
	case *net.IPAddr:
		return v.IP.String()
	}
	return a.String()
}

func sameIP(a net.Addr, ip net.IP) bool {
	return net.ParseIP(addrIP(a)).Equal(ip)
}
