package egress

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"
	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// Loopback servers for the egress tests. Nothing here leaves 127.0.0.0/8 or ::1.

// runEgress builds the egress probe from YAML parameters and runs it.
func runEgress(t *testing.T, params string) results.EgressDetails {
	t.Helper()
	p, err := newEgress(yamlDecoder(params))
	if err != nil {
		t.Fatalf("newEgress: %v", err)
	}
	ev, err := p.Run(context.Background(), probes.Target{Name: "t", Kind: "local"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if ev.Egress == nil {
		t.Fatal("no egress details")
	}
	return *ev.Egress
}

// newEgress builds the probe from parameters decoded as a suite decodes
// them: the kind's defaults, then decode, then Validate.
// newEgress builds the probe the way a plan does. These tests run in the
// root namespace (or a bare one they made): the host's own resolver and
// gateways are this machine's, never to be asked, so the DNS-leak checks
// run only against a resolver the test names, and proxy discovery only
// when the test points it at its own files and routing tables.
func newEgress(decode probes.Decoder) (probes.Probe, error) {
	p, err := probes.DecodeParams(probes.EgressName, decode)
	if err != nil {
		return nil, err
	}
	ep := p.(*probes.EgressParams)
	if ep.DNSLeak.Resolver == "" {
		ep.DNSLeak.Off = true
	}
	if slices.Equal(ep.ProxyDiscovery.Files, probes.DefaultProxyFiles) {
		ep.ProxyDiscovery.Off = true
	}
	return New(*ep)
}

func yamlDecoder(text string) probes.Decoder {
	return func(v any) error {
		dec := yaml.NewDecoder(strings.NewReader(text))
		dec.KnownFields(true)
		return dec.Decode(v)
	}
}

// closedPort returns a loopback TCP or UDP address nothing listens on.
func closedPort(t *testing.T, network string) string {
	t.Helper()
	var addr string
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr = c.LocalAddr().String()
		c.Close()
		return addr
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = l.Addr().String()
	l.Close()
	return addr
}

// openTCP returns the address of a listener that accepts and closes.
func openTCP(t *testing.T, host string) string {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l.Addr().String()
}

// fullBacklog returns a loopback address whose listener never accepts and
// whose accept queue is full: the kernel drops further SYNs, so a connect
// times out as it would against a DROP firewall.
func fullBacklog(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(fd)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	// Fill the queue: with backlog 0 one connection fits; later SYNs are dropped.
	for range 2 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			t.Cleanup(func() { c.Close() })
		}
	}
	return addr
}

// udpServer answers each datagram with reply(datagram); nil means silence.
func udpServer(t *testing.T, host string, reply func([]byte) []byte) string {
	t.Helper()
	c, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := c.ReadFrom(buf)
			if err != nil {
				return
			}
			if r := reply(bytes.Clone(buf[:n])); r != nil {
				c.WriteTo(r, from)
			}
		}
	}()
	return c.LocalAddr().String()
}

// ntpReply answers like an NTP server; echo false forgets the origin.
func ntpReply(echo bool) func([]byte) []byte {
	return func(req []byte) []byte {
		if len(req) < 48 {
			return nil
		}
		r := make([]byte, 48)
		r[0], r[1] = 4<<3|4, 2
		if echo {
			copy(r[24:32], req[40:48])
		}
		return r
	}
}

// dnsServer serves handler on loopback UDP.
func dnsServer(t *testing.T, handler dns.HandlerFunc) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: handler, NotifyStartedFunc: func() { close(started) }}
	go srv.ActivateAndServe()
	<-started
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

// answerA answers every A query with ip, every other with NODATA.
func answerA(ip string, rcode int) dns.HandlerFunc {
	return func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(r, rcode)
		q := r.Question[0]
		if rcode == dns.RcodeSuccess && q.Qtype == dns.TypeA && ip != "" {
			rr, _ := dns.NewRR(fmt.Sprintf("%s 60 IN A %s", q.Name, ip))
			m.Answer = append(m.Answer, rr)
		}
		if q.Qtype == dns.TypeTXT && rcode == dns.RcodeSuccess {
			rr, _ := dns.NewRR(fmt.Sprintf("%s 60 IN TXT %q", q.Name, CanaryPrefix+strings.ToLower(q.Name)))
			m.Answer = append(m.Answer, rr)
		}
		w.WriteMsg(m)
	}
}

// testCA is a CA that signs loopback server certificates.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	PEM  string
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert: cert, key: key, PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

// leaf issues a server certificate for name (and the loopback IPs).
func (ca *testCA) leaf(t *testing.T, name string) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// httpsServer serves h over TLS with a certificate from ca.
func httpsServer(t *testing.T, ca *testCA, h http.Handler) string {
	t.Helper()
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{ca.leaf(t, "svc.lab.test")}})
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 2 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// httpServer serves h in plain HTTP on loopback.
func httpServer(t *testing.T, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 2 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// forwardProxy is a minimal HTTP proxy for tests: GET with an absolute URL
// and CONNECT, each only to addresses allowed by allow; refusals carry an
// RFC 9209 Proxy-Status.
func forwardProxy(allow func(hostport string) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if !allow(host) {
			w.Header().Set("Proxy-Status", `testproxy; error=http_request_denied`)
			http.Error(w, "denied", http.StatusForbidden)
			return
		}
		if r.Method == http.MethodConnect {
			up, err := net.DialTimeout("tcp", host, time.Second)
			if err != nil {
				w.Header().Set("Proxy-Status", `testproxy; error=connection_refused`)
				http.Error(w, "bad gateway", http.StatusBadGateway)
				return
			}
			c, brw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				up.Close()
				return
			}
			brw.WriteString("HTTP/1.1 200 Connection established\r\n\r\n")
			brw.Flush()
			go func() { io.Copy(up, c); up.Close() }()
			io.Copy(c, up)
			c.Close()
			return
		}
		out := r.Clone(r.Context())
		out.RequestURI = ""
		resp, err := (&http.Transport{}).RoundTrip(out)
		if err != nil {
			w.Header().Set("Proxy-Status", `testproxy; error=connection_refused`)
			http.Error(w, "bad gateway", http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	})
}

// hostPort splits an address for YAML parameters.
func hostPort(t *testing.T, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return h, n
}
