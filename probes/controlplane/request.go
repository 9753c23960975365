package controlplane

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// phaseClock collects the httptrace events of one request.
type phaseClock struct {
	mu                  sync.Mutex
	dnsStart, dnsDone   time.Time
	connStart, connDone time.Time
	tlsStart, tlsDone   time.Time
	wrote, firstByte    time.Time
	kernelRTT           time.Duration
}

// dial connects and reads the kernel's timing of the handshake.
func (p *phaseClock) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if sc, ok := c.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			raw.Control(func(fd uintptr) {
				if ti, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
					p.mu.Lock()
					p.kernelRTT = time.Duration(ti.Rtt) * time.Microsecond
					p.mu.Unlock()
				}
			})
		}
	}
	return c, nil
}

func (p *phaseClock) stamp(t *time.Time) {
	now := time.Now()
	p.mu.Lock()
	if t.IsZero() {
		*t = now
	}
	p.mu.Unlock()
}

func (p *phaseClock) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		DNSStart:             func(httptrace.DNSStartInfo) { p.stamp(&p.dnsStart) },
		DNSDone:              func(httptrace.DNSDoneInfo) { p.stamp(&p.dnsDone) },
		ConnectStart:         func(string, string) { p.stamp(&p.connStart) },
		ConnectDone:          func(string, string, error) { p.stamp(&p.connDone) },
		TLSHandshakeStart:    func() { p.stamp(&p.tlsStart) },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { p.stamp(&p.tlsDone) },
		WroteRequest:         func(httptrace.WroteRequestInfo) { p.stamp(&p.wrote) },
		GotFirstResponseByte: func() { p.stamp(&p.firstByte) },
	}
}

func span(a, b time.Time) results.Duration {
	if a.IsZero() || b.IsZero() || b.Before(a) {
		return 0
	}
	return results.Duration(b.Sub(a))
}

// request performs one request on a fresh connection (no keep-alive, no
// proxy from the environment: the probe measures the path it is given).
func (c *controlPlaneProbe) request(ctx context.Context, rec *probes.Recorder) (results.PhaseTimings, *x509.Certificate) {
	rctx, cancel := context.WithTimeout(ctx, c.p.RequestTimeout)
	defer cancel()
	var pc phaseClock
	tr := &http.Transport{
		Proxy:             nil,
		DisableKeepAlives: true,
		DialContext:       pc.dial,
		TLSClientConfig: &tls.Config{RootCAs: c.roots, ServerName: c.p.ServerName,
			VerifyConnection: c.verifyPin},
	}
	defer tr.CloseIdleConnections()
	began := time.Now()
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(rctx, pc.trace()), c.p.Method, c.p.URL, nil)
	if err != nil {
		return results.PhaseTimings{Failure: rec.Observe("http", c.p.URL, began, err, "")}, nil
	}
	req.Header.Set("User-Agent", "sovbench-controlplane/"+probes.ControlPlaneVersion)
	resp, err := tr.RoundTrip(req)
	var pt results.PhaseTimings
	var leaf *x509.Certificate
	if err == nil {
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, c.p.MaxBody))
		resp.Body.Close()
		pt.Status = resp.StatusCode
		if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
			leaf = resp.TLS.PeerCertificates[0]
		}
	}
	end := time.Now()
	pc.mu.Lock()
	pt.Resolve, pt.Connect, pt.TLS = span(pc.dnsStart, pc.dnsDone), span(pc.connStart, pc.connDone), span(pc.tlsStart, pc.tlsDone)
	pt.Processing, pt.Transfer, pt.Total = span(pc.wrote, pc.firstByte), span(pc.firstByte, end), results.Duration(end.Sub(began))
	pt.KernelRTT = results.Duration(pc.kernelRTT)
	pc.mu.Unlock()
	pt.Failure = c.classify(rec, began, err, pt.Status)
	return pt, leaf
}

func (c *controlPlaneProbe) classify(rec *probes.Recorder, began time.Time, err error, status int) *results.Failure {
	var pe *pinError
	if errors.As(err, &pe) {
		rec.Observe("tls", c.p.URL, began, err, "pin mismatch")
		return &results.Failure{Class: results.ClassTLSIntercepted, Operation: "tls", Message: pe.Error()}
	}
	return rec.Observe("http", c.p.URL, began, err, fmt.Sprintf("status %d", status))
}
