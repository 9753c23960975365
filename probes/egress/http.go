package egress

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// proxyHeaders are headers that a proxy adds and an origin does not.
var proxyHeaders = []string{"Via", "Proxy-Status", "X-Squid-Error", "X-Cache", "X-Cache-Lookup", "Proxy-Agent"}

// proxyStatusClasses maps RFC 9209 Proxy-Status error types to classes.
var proxyStatusClasses = map[string]results.FailureClass{
	"connection_refused":        results.ClassRefused,
	"connection_timeout":        results.ClassTimeout,
	"connection_terminated":     results.ClassReset,
	"destination_ip_unroutable": results.ClassUnreachable,
	"destination_unavailable":   results.ClassUnreachable,
	"destination_not_found":     results.ClassNXDomain,
	"dns_error":                 results.ClassDNSFailure,
	"dns_timeout":               results.ClassTimeout,
	"http_request_denied":       results.ClassPermission,
	"tls_certificate_error":     results.ClassTLSError,
}

// httpGet issues one GET. Direct methods dial addr (the destination's IP)
// with the destination's name in the URL; proxied methods hand the name to
// the proxy, which resolves and connects. HTTPS chains are checked as in the
// tls method.
func (e *egressProbe) httpGet(at *attempt, m string, spec probes.DestinationSpec, addr, proxy string) results.EgressAttempt {
	scheme := "http"
	if m == results.MethodHTTPS || m == results.MethodHTTPSProxy {
		scheme = "https"
	}
	proxied := m == results.MethodHTTPProxy || m == results.MethodHTTPSProxy
	u := &url.URL{Scheme: scheme, Host: net.JoinHostPort(spec.ServerName, strconv.Itoa(spec.Port)), Path: e.p.HTTPPath}
	var connectStatus *http.Response
	tr := &http.Transport{
		DisableKeepAlives: true, MaxResponseHeaderBytes: 64 << 10,
		TLSClientConfig: e.tls.config(spec.ServerName),
	}
	var d net.Dialer
	if proxied {
		pu, err := url.Parse(proxy)
		if err != nil {
			return at.done("http", fmt.Errorf("parsing proxy URL: %w", err))
		}
		at.a.Address = u.Host + " via " + pu.Host
		tr.Proxy = http.ProxyURL(pu)
		tr.DialContext = d.DialContext
		tr.OnProxyConnectResponse = func(_ context.Context, _ *url.URL, _ *http.Request, r *http.Response) error {
			connectStatus = r
			return nil
		}
	} else {
		tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		}
	}
	defer tr.CloseIdleConnections()
	at.a.Phases = &results.Phases{}
	ctx := httptrace.WithClientTrace(at.ctx, &httptrace.ClientTrace{
		ConnectDone:          func(string, string, error) { at.a.Phases.Connect = at.since() },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { at.a.Phases.TLS = at.since() },
		GotFirstResponseByte: func() { at.a.Phases.FirstByte = at.since() },
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return at.done("http", err)
	}
	req.Header.Set("User-Agent", "sovbench-egress/"+probes.EgressVersion)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return e.httpFailure(at, proxied, connectStatus, err)
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	at.a.Answer = "HTTP " + resp.Status
	if err != nil {
		return at.done("read", err)
	}
	return judgeHTTP(at, resp, proxied)
}

// httpFailure records a failed round trip: a proxy that refused CONNECT
// answered (not the destination); TLS interception is flagged.
func (e *egressProbe) httpFailure(at *attempt, proxied bool, connect *http.Response, err error) results.EgressAttempt {
	var ie *InterceptedError
	if errors.As(err, &ie) {
		return e.tlsOutcome(at, err, tls.ConnectionState{})
	}
	if proxied && connect != nil && connect.StatusCode != http.StatusOK {
		at.a.Answer = "CONNECT " + connect.Status
		return proxyRefusal(at, connect)
	}
	op := "http"
	if at.a.Phases != nil && at.a.Phases.Connect == 0 {
		op = "connect"
	}
	return at.done(op, err)
}

// judgeHTTP decides what an HTTP answer proves. Through the proxy, an error
// the proxy generated means the destination was not reached. Directly, any
// answer is reachable, and one carrying proxy headers is http_proxied.
func judgeHTTP(at *attempt, resp *http.Response, proxied bool) results.EgressAttempt {
	marks := proxyMarks(resp.Header)
	if proxied {
		if proxyGenerated(resp, marks) {
			return proxyRefusal(at, resp)
		}
		return at.done("http", nil)
	}
	if marks != "" {
		return at.flag("http", results.ClassHTTPProxied, "answer carries proxy headers: "+marks)
	}
	return at.done("http", nil)
}

func proxyMarks(h http.Header) string {
	var found []string
	for _, k := range proxyHeaders {
		if v := h.Get(k); v != "" {
			found = append(found, k+": "+v)
		}
	}
	return strings.Join(found, "; ")
}

// proxyGenerated reports whether a response through the proxy is the
// proxy's own error rather than the destination's answer.
func proxyGenerated(resp *http.Response, marks string) bool {
	if strings.Contains(resp.Header.Get("Proxy-Status"), "error=") {
		return true
	}
	switch resp.StatusCode {
	case http.StatusForbidden, http.StatusProxyAuthRequired, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return marks != "" || resp.StatusCode == http.StatusProxyAuthRequired
	}
	return false
}

// proxyRefusal records a proxy's error: not reachable, classed by the
// Proxy-Status error type when the proxy gave one.
func proxyRefusal(at *attempt, resp *http.Response) results.EgressAttempt {
	ps := resp.Header.Get("Proxy-Status")
	class := results.ClassHTTPProxied
	if _, rest, ok := strings.Cut(ps, "error="); ok {
		kind, _, _ := strings.Cut(rest, ";")
		if c, ok := proxyStatusClasses[strings.Trim(kind, `" `)]; ok {
			class = c
		}
	}
	return at.refuse("http", class, fmt.Sprintf("proxy answered %s (Proxy-Status: %s)", resp.Status, ps))
}
