package lab

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sovbench/sovbench/lab/netem"
)

// Options tune Up.
type Options struct {
	Log *slog.Logger
	// Name replaces the lab file's name (tests use it to run the same file
	// in parallel packages).
	Name string
	// Holder says who holds the lab, shown in its state; "sovbench lab up"
	// for the CLI, whose labs "lab down" without a name may stop. Empty means
	// the program's name (a test binary, say).
	Holder string
}

// Lab is a running lab, owned by the process that called Up: the forwarder
// and services live in it and stop with Down (or with the process).
type Lab struct {
	Topology *Topology
	State    *State
	CA       *CA
	log      *slog.Logger

	cancel   context.CancelFunc
	router   *netem.Router
	services []Service

	mu       sync.Mutex
	arrivals []Arrival
	arrFile  *os.File
	downOnce sync.Once
	downErr  error
}

// Up builds the lab described by t: it removes stale labs, checks the root
// namespace, creates the namespaces, starts the forwarder, configures
// addresses, routes and egress rules, and starts the services. On error
// everything created so far is removed.
func Up(ctx context.Context, t *Topology, opt Options) (*Lab, error) {
	if err := checkPrivileges(); err != nil {
		return nil, err
	}
	if err := checkTools(); err != nil {
		return nil, err
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	name := t.Name
	if opt.Name != "" {
		name = opt.Name
	}
	if err := os.MkdirAll(StateRoot, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", StateRoot, err)
	}
	if err := reapStale(ctx); err != nil {
		log.Warn("removing stale labs", "err", err)
	}
	if s, err := ReadState(name); err == nil && s.Alive() {
		return nil, fmt.Errorf("lab %s is already running (pid %d); stop it with: sovbench lab down %s", name, s.PID, name)
	}
	if err := checkRootNamespace(ctx); err != nil {
		return nil, err
	}
	t = clone(t)
	t.Name = name
	st, err := newState(t, opt.Holder)
	if err != nil {
		return nil, err
	}
	l := &Lab{Topology: t, State: st, log: log}
	if err := l.up(ctx); err != nil {
		return nil, errors.Join(err, l.Down())
	}
	return l, nil
}

// newState names the lab's namespaces and writes its state before anything
// is created, so that a crash at any later point can be cleaned up.
func newState(t *Topology, holder string) (*State, error) {
	if holder == "" {
		holder = filepath.Base(os.Args[0])
	}
	start, _, err := procStart(os.Getpid())
	if err != nil {
		return nil, fmt.Errorf("reading own start time: %w", err)
	}
	id, err := freeID()
	if err != nil {
		return nil, err
	}
	t.Internet.Namespace = id + "-inet"
	for pi := range t.Providers {
		for hi := range t.Providers[pi].Hosts {
			t.Providers[pi].Hosts[hi].Namespace = fmt.Sprintf("%s-p%dh%d", id, pi+1, hi+1)
		}
	}
	for i := range t.Services {
		s := &t.Services[i]
		s.Namespace = t.Internet.Namespace
		if s.At != "internet" {
			h, _ := t.Host(s.At)
			s.Namespace = h.Namespace
		}
	}
	st := &State{Name: t.Name, ID: id, PID: os.Getpid(), PIDStart: start, Started: time.Now().UTC(),
		Holder: holder, Namespaces: t.Namespaces(), Topology: t}
	os.RemoveAll(st.Dir())
	if err := os.MkdirAll(st.Dir(), 0o755); err != nil {
		return nil, fmt.Errorf("creating lab state directory: %w", err)
	}
	return st, writeState(st)
}

// freeID picks a namespace prefix no existing namespace uses.
func freeID() (string, error) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	for range 100 {
		b := make([]byte, 4)
		rand.Read(b)
		id := "sb"
		for _, c := range b {
			id += string(alphabet[int(c)%len(alphabet)])
		}
		if matches, _ := filepath.Glob("/run/netns/" + id + "-*"); len(matches) == 0 {
			return id, nil
		}
	}
	return "", errors.New("finding a free lab namespace prefix")
}

func (l *Lab) up(ctx context.Context) error {
	t, st := l.Topology, l.State
	ca, err := NewCA(t.Name)
	if err != nil {
		return err
	}
	l.CA, st.CA = ca, filepath.Join(st.Dir(), "ca.pem")
	if err := ca.write(st.Dir()); err != nil {
		return fmt.Errorf("writing the lab CA: %w", err)
	}
	if l.arrFile, err = os.OpenFile(filepath.Join(st.Dir(), "arrivals.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		return fmt.Errorf("opening arrivals log: %w", err)
	}
	var lines []string
	for _, ns := range st.Namespaces {
		lines = append(lines, "netns add "+ns)
	}
	if err := ipBatch(ctx, "", lines); err != nil {
		return fmt.Errorf("creating namespaces: %w", err)
	}
	configs := nsConfigs(t)
	rctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.router, err = netem.Start(rctx, forwarderConfig(t, configs))
	if err != nil {
		return fmt.Errorf("starting the forwarder: %w", err)
	}
	for _, c := range configs {
		if err := c.apply(ctx); err != nil {
			return err
		}
	}
	if err := l.startServices(ctx); err != nil {
		return err
	}
	st.Ready = true
	if err := writeState(st); err != nil {
		return err
	}
	go l.writeCounters(rctx)
	l.log.Info("lab up", "name", t.Name, "id", st.ID, "namespaces", len(st.Namespaces), "services", len(l.services))
	return nil
}

// nsConfigs lists every namespace with the addresses that live in it.
func nsConfigs(t *Topology) []nsConfig {
	byNS := map[string]*nsConfig{}
	inet := &nsConfig{ns: t.Internet.Namespace, addrs: slices.Clone(t.Internet.Addrs)}
	out := []*nsConfig{inet}
	byNS[inet.ns] = inet
	for pi := range t.Providers {
		p := &t.Providers[pi]
		for hi := range p.Hosts {
			h := &p.Hosts[hi]
			c := &nsConfig{ns: h.Namespace, addrs: slices.Clone(h.Addrs), host: h, prov: p}
			if len(h.Inbound) > 0 {
				c.inbound = append(c.inbound, addrPolicy{addrs: h.Addrs, rules: h.Inbound})
			}
			out = append(out, c)
			byNS[c.ns] = c
		}
	}
	for _, s := range t.Services {
		c := byNS[s.Namespace]
		if s.Local {
			c.private = append(c.private, s.Addrs...)
		} else {
			c.addrs = append(c.addrs, s.Addrs...)
		}
		if len(s.Inbound) > 0 {
			c.inbound = append(c.inbound, addrPolicy{addrs: s.Addrs, rules: s.Inbound})
		}
	}
	res := make([]nsConfig, len(out))
	for i, c := range out {
		res[i] = *c
	}
	return res
}

// labRealtime is the SCHED_FIFO priority of the forwarder's threads and of
// the landmarks' echo threads: it keeps them punctual on a busy machine.
const labRealtime = 10

// forwarderConfig gives the forwarder one port per namespace and the delay
// between every pair of lab addresses.
func forwarderConfig(t *Topology, configs []nsConfig) netem.Config {
	where := map[netip.Addr]site{}
	for _, a := range t.Internet.Addrs {
		where[a] = site{"internet", t.Internet.Location}
	}
	for _, p := range t.Providers {
		for _, h := range p.Hosts {
			for _, a := range h.Addrs {
				where[a] = site{"provider " + p.Name, h.Location}
			}
		}
	}
	for _, s := range t.Services {
		name := "service " + s.Name
		if prov, _, ok := strings.Cut(s.At, "/"); ok {
			name = "provider " + prov
		}
		if s.Local {
			continue // private to its host: never crosses the forwarder
		}
		for _, a := range s.Addrs {
			where[a] = site{name, s.Location}
		}
	}
	cfg := netem.Config{Delay: delayFunc(t, where), Jitter: t.Jitter.D(), Loss: t.Loss, Seed: t.Seed, Realtime: labRealtime}
	for _, c := range configs {
		port := netem.Port{Name: portName(t, c), Namespace: c.ns, Device: tunDevice}
		for _, a := range c.addrs {
			port.Routes = append(port.Routes, hostPrefix(a))
		}
		cfg.Ports = append(cfg.Ports, port)
	}
	return cfg
}

func portName(t *Topology, c nsConfig) string {
	if c.host == nil {
		return "internet"
	}
	return c.host.Name
}

// clone deep-copies a topology through JSON so Up can fill it in.
func clone(t *Topology) *Topology {
	data, _ := json.Marshal(t)
	var c Topology
	json.Unmarshal(data, &c)
	return &c
}

// Namespace returns the namespace of host provider/host.
func (l *Lab) Namespace(host string) (string, error) {
	h, err := l.Topology.Host(host)
	if err != nil {
		return "", err
	}
	return h.Namespace, nil
}

// Addr returns the first (IPv4) address of a lab name: a service,
// provider/host or "internet".
func (l *Lab) Addr(name string) (netip.Addr, error) {
	addrs, err := l.Topology.Addrs(name)
	if err != nil {
		return netip.Addr{}, err
	}
	return addrs[0], nil
}

// Stats returns the forwarder's counters.
func (l *Lab) Stats() netem.Stats { return l.router.Stats() }

// Arrivals returns what the recording services saw, for one service or
// (with "") all of them.
func (l *Lab) Arrivals(service string) []Arrival {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Arrival
	for _, a := range l.arrivals {
		if service == "" || a.Service == service {
			out = append(out, a)
		}
	}
	return out
}

func (l *Lab) record(a Arrival) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.arrivals = append(l.arrivals, a)
	if l.arrFile != nil {
		line, _ := json.Marshal(a)
		l.arrFile.Write(append(line, '\n'))
	}
}

// Down stops the services and the forwarder and removes every namespace
// and the state directory. It is safe to call more than once.
func (l *Lab) Down() error {
	l.downOnce.Do(func() {
		var errs []error
		for _, s := range slices.Backward(l.services) {
			if err := s.Close(); err != nil {
				errs = append(errs, err)
			}
		}
		if l.cancel != nil {
			l.cancel()
		}
		if l.router != nil {
			if err := l.router.Close(); err != nil {
				errs = append(errs, fmt.Errorf("stopping the forwarder: %w", err))
			}
		}
		l.mu.Lock()
		if l.arrFile != nil {
			l.arrFile.Close()
			l.arrFile = nil
		}
		l.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := Remove(ctx, l.State); err != nil {
			errs = append(errs, err)
		}
		l.downErr = errors.Join(errs...)
		l.log.Info("lab down", "name", l.Topology.Name)
	})
	return l.downErr
}
