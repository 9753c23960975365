package egress

import (
	"context"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/sovbench/sovbench/probes"
	"github.com/sovbench/sovbench/results"
)

// attempt is one method in flight: its deadline-bound context and the
// record it fills.
type attempt struct {
	ctx    context.Context
	cancel context.CancelFunc
	began  time.Time
	rec    *probes.Recorder
	a      results.EgressAttempt
}

// start waits for the global rate limiter and opens an attempt with its own
// deadline. ok is false when the run was stopped while waiting.
func (e *egressProbe) start(ctx context.Context, rec *probes.Recorder, method, addr string) (*attempt, bool) {
	if err := e.limiter.Wait(ctx); err != nil {
		return nil, false
	}
	actx, cancel := context.WithTimeout(ctx, e.p.AttemptTimeout)
	at := &attempt{ctx: actx, cancel: cancel, began: time.Now(), rec: rec}
	at.a = results.EgressAttempt{Method: method, Address: addr, Start: results.Duration(rec.Offset(at.began))}
	return at, true
}

// done classifies err from operation op (nil: reachable unless the method
// already set a class) and returns the finished record.
func (at *attempt) done(op string, err error) results.EgressAttempt {
	at.cancel()
	at.a.Took = results.Duration(time.Since(at.began))
	at.a.Operation = op
	if err != nil {
		f := probes.Classify(op, err)
		at.a.Failure, at.a.Class = f, string(f.Class)
		return at.a
	}
	if at.a.Class == "" {
		at.a.Class, at.a.Reachable = results.ClassOK, true
	}
	return at.a
}

// flag records a semantic class (something answered, but not what it
// should): the attempt stays reachable, the answer is not trusted.
func (at *attempt) flag(op string, class results.FailureClass, msg string) results.EgressAttempt {
	at.a.Class, at.a.Reachable = string(class), true
	at.a.Failure = &results.Failure{Class: class, Operation: op, Message: msg}
	return at.done(op, nil)
}

// refuse records an answer that says the destination was not reached (a
// proxy's error, for example): not reachable, with the given class.
func (at *attempt) refuse(op string, class results.FailureClass, msg string) results.EgressAttempt {
	at.a.Class, at.a.Reachable = string(class), false
	at.a.Failure = &results.Failure{Class: class, Operation: op, Message: msg}
	return at.done(op, nil)
}

func (at *attempt) since() results.Duration { return results.Duration(time.Since(at.began)) }

// stopped reports whether the run must stop: ctx is done or its deadline
// has passed (the timer that cancels ctx may fire a little later).
func stopped(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}

// tryDestination tries every method of spec on every address it has.
func (e *egressProbe) tryDestination(ctx context.Context, rec *probes.Recorder, token string, idx int, spec dest) results.EgressDestination {
	out := results.EgressDestination{
		Host: spec.Host, Port: spec.Port, Protocol: spec.Protocol, Category: spec.Category,
		Control: spec.Control, RandomPort: spec.randomPort,
	}
	if stopped(ctx) {
		return out
	}
	out.Tried = true
	add := func(a results.EgressAttempt, ok bool) {
		if !ok { // the run stopped before this method
			out.Tried = false
			return
		}
		out.Attempts = append(out.Attempts, a)
	}
	tok := token + "-" + strconv.Itoa(idx)
	ips, ra := e.addresses(ctx, rec, spec)
	if ra != nil {
		out.Attempts = append(out.Attempts, *ra)
	} else if len(ips) == 0 && stopped(ctx) {
		out.Tried = false
	}
	for _, ip := range ips {
		out.Addresses = append(out.Addresses, ip.String())
	}
	for _, m := range spec.MethodsWith(e.p.ExtraMethods) {
		if m == results.MethodHTTPProxy || m == results.MethodHTTPSProxy {
			for _, px := range e.proxies {
				a, ok := e.tryProxied(ctx, rec, m, spec, px.URL)
				add(a, ok)
			}
			continue
		}
		for _, ip := range ips {
			a, ok := e.tryMethod(ctx, rec, m, spec, ip, tok)
			add(a, ok)
		}
	}
	for _, a := range out.Attempts {
		if a.Reachable {
			out.Reachable = true
			if !slices.Contains(out.Via, a.Method) {
				out.Via = append(out.Via, a.Method)
			}
		}
	}
	return out
}

// tryMethod runs one method; ok is false when the run stopped first.
func (e *egressProbe) tryMethod(ctx context.Context, rec *probes.Recorder, m string, spec dest, ip net.IP, tok string) (results.EgressAttempt, bool) {
	addr := spec.Host
	if ip != nil {
		addr = net.JoinHostPort(ip.String(), strconv.Itoa(spec.Port))
		if m == results.MethodICMP {
			addr = ip.String()
		}
	}
	at, ok := e.start(ctx, rec, m, addr)
	if !ok {
		return results.EgressAttempt{}, false
	}
	if ip != nil {
		at.a.Family = family(ip)
	}
	switch m {
	case results.MethodTCP:
		return e.tcpConnect(at, addr), true
	case results.MethodUDP:
		return e.udpToken(at, addr, tok), true
	case results.MethodDNS:
		return e.dnsQuery(at, addr), true
	case results.MethodNTP:
		return e.ntpQuery(at, addr), true
	case results.MethodICMP:
		return e.icmpEcho(at, ip), true
	case results.MethodTLS:
		return e.tlsHandshake(at, addr, spec.ServerName), true
	case results.MethodQUIC:
		return e.quicInitial(at, addr, spec.ServerName), true
	}
	return e.httpGet(at, m, spec.DestinationSpec, addr, ""), true
}

// tryProxied runs a proxied method through the proxy at proxyURL.
func (e *egressProbe) tryProxied(ctx context.Context, rec *probes.Recorder, m string, spec dest, proxyURL string) (results.EgressAttempt, bool) {
	at, ok := e.start(ctx, rec, m, spec.Host)
	if !ok {
		return results.EgressAttempt{}, false
	}
	at.a.Proxy = proxyURL
	return e.httpGet(at, m, spec.DestinationSpec, "", proxyURL), true
}

// resolve looks host up through the host's resolver, as one attempt.
func (e *egressProbe) resolve(ctx context.Context, rec *probes.Recorder, host string) ([]net.IP, *results.EgressAttempt) {
	at, ok := e.start(ctx, rec, "resolve", host)
	if !ok {
		return nil, nil
	}
	addrs, err := net.DefaultResolver.LookupIPAddr(at.ctx, host)
	if err != nil {
		a := at.done("resolve", err)
		a.Reachable = false
		return nil, &a
	}
	ips := make([]net.IP, 0, len(addrs))
	for _, a := range addrs {
		ips = append(ips, a.IP)
		at.a.Answer += a.IP.String() + " "
	}
	a := at.done("resolve", nil)
	// A name that resolves says nothing about egress to it.
	a.Reachable = false
	return ips, &a
}

// tcpConnect is a plain TCP connect: ok means the handshake completed.
func (e *egressProbe) tcpConnect(at *attempt, addr string) results.EgressAttempt {
	d := net.Dialer{KeepAlive: -1} // closed at once: skip the keep-alive socket options
	c, err := d.DialContext(at.ctx, "tcp", addr)
	if err != nil {
		return at.done("connect", err)
	}
	c.Close()
	return at.done("connect", nil)
}

// randomPortSpecs picks random TCP ports on each control that was reached
// by TCP. Their answers (refused counts) show the probe can tell "closed"
// from "filtered" on a path where packets flow.
func (e *egressProbe) randomPortSpecs(sw *sweep) []dest {
	if e.p.RandomPorts < 0 {
		return nil
	}
	var out []dest
	for i := range sw.Len() {
		if !sw.specs.at(i).Control {
			continue
		}
		d := sw.Destination(i)
		if !d.Reachable || !slices.Contains(d.Via, results.MethodTCP) {
			continue
		}
		host := d.Host
		for _, a := range d.Attempts {
			if a.Method == results.MethodTCP && a.Reachable {
				host, _, _ = net.SplitHostPort(a.Address)
				break
			}
		}
		for range e.p.RandomPorts {
			port := d.Port
			for port == d.Port {
				port = 20000 + rand.IntN(40000)
			}
			out = append(out, dest{DestinationSpec: probes.DestinationSpec{
				Host: host, Port: port, Protocol: "tcp", Category: d.Category, ServerName: host,
				Methods: []string{results.MethodTCP},
			}, randomPort: true})
		}
	}
	return out
}
