package lab

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/lab/netem"
	"github.com/sovbench/sovbench/scenarios/suite"
)

// startServices builds every service of the topology and starts it in its
// namespace.
func (l *Lab) startServices(ctx context.Context) error {
	for _, s := range l.Topology.Services {
		kind := serviceKinds[s.Kind]
		svc, err := kind.New(paramsDecoder(s.Params))
		if err != nil {
			return fmt.Errorf("service %s: %w", s.Name, err)
		}
		env := &Env{Lab: l.Topology.Name, Name: s.Name, Namespace: s.Namespace, Addrs: s.Addrs, Location: s.Location,
			CA: l.CA, Dir: l.State.Dir(), Log: l.log.With("service", s.Name), Topology: l.Topology, record: l.record,
			flusher: func() *netem.Flusher { return l.router.Flusher(s.Namespace) }}
		if err := svc.Start(ctx, env); err != nil {
			return fmt.Errorf("starting service %s: %w", s.Name, err)
		}
		l.services = append(l.services, svc)
	}
	return nil
}

// paramsDecoder decodes a service's parameters, kept in the topology as
// YAML text (state.json carries them to lab status), as strictly as the lab
// file they came from.
func paramsDecoder(text string) func(any) error {
	return func(v any) error {
		if text == "" {
			return nil
		}
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(text), &n); err != nil {
			return fmt.Errorf("decoding parameters: %w", err)
		}
		if len(n.Content) == 0 {
			return nil
		}
		return suite.DecodeStrict("params", n.Content[0], v, "")
	}
}

// Counters is what counters.json holds: the forwarder's statistics, written
// every second by the lab process.
type Counters struct {
	Time      time.Time       `json:"time"`
	Forwarder json.RawMessage `json:"forwarder"`
}

func (l *Lab) writeCounters(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		l.saveCounters()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (l *Lab) saveCounters() {
	fwd, err := json.Marshal(l.router.Stats())
	if err != nil {
		return
	}
	data, _ := json.MarshalIndent(Counters{Time: time.Now().UTC(), Forwarder: fwd}, "", "  ")
	if err := writeAtomic(filepath.Join(l.State.Dir(), "counters.json"), data); err != nil {
		l.log.Debug("writing counters", "err", err)
	}
}

// Status is what "sovbench lab status" shows of one lab.
type Status struct {
	Name     string    `json:"name"`
	ID       string    `json:"id"`
	PID      int       `json:"pid"`
	Running  bool      `json:"running"`
	Ready    bool      `json:"ready"`
	Started  time.Time `json:"started"`
	CA       string    `json:"ca,omitempty"`
	Topology *Topology `json:"topology,omitempty"`
	// Links lists the network devices of every lab namespace: only lo, the
	// forwarder's TUN and blackhole dummies, so nothing can leave the lab.
	Links    map[string][]string `json:"links,omitempty"`
	Counters *Counters           `json:"counters,omitempty"`
	Arrivals []Arrival           `json:"arrivals"`
}

// ReadStatus gathers the status of the lab named name from its state
// directory and its namespaces.
func ReadStatus(ctx context.Context, name string) (*Status, error) {
	st, err := ReadState(name)
	if err != nil {
		return nil, err
	}
	s := &Status{Name: st.Name, ID: st.ID, PID: st.PID, Running: st.Alive(), Ready: st.Ready, Started: st.Started,
		CA: st.CA, Topology: st.Topology, Links: map[string][]string{}, Arrivals: []Arrival{}}
	if data, err := os.ReadFile(filepath.Join(st.Dir(), "counters.json")); err == nil {
		var c Counters
		if json.Unmarshal(data, &c) == nil {
			s.Counters = &c
		}
	}
	if s.Arrivals, err = readArrivals(filepath.Join(st.Dir(), "arrivals.jsonl")); err != nil {
		return nil, err
	}
	for _, ns := range st.Namespaces {
		if links, err := nsLinks(ctx, ns); err == nil {
			s.Links[ns] = links
		}
	}
	return s, nil
}

func readArrivals(path string) ([]Arrival, error) {
	out := []Arrival{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading arrivals: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var a Arrival
		if json.Unmarshal(sc.Bytes(), &a) == nil {
			out = append(out, a)
		}
	}
	return out, sc.Err()
}

// nsLinks lists "name (kind)" of every device in namespace ns.
func nsLinks(ctx context.Context, ns string) ([]string, error) {
	out, err := cmdOutput(ctx, "ip", "-n", ns, "-d", "-j", "link", "show")
	if err != nil {
		return nil, err
	}
	var links []struct {
		IfName   string `json:"ifname"`
		LinkType string `json:"link_type"`
		Info     struct {
			Kind string `json:"info_kind"`
		} `json:"linkinfo"`
	}
	if err := json.Unmarshal(out, &links); err != nil {
		return nil, fmt.Errorf("decoding links of %s: %w", ns, err)
	}
	var names []string
	for _, l := range links {
		kind := l.Info.Kind
		if kind == "" {
			kind = l.LinkType
		}
		names = append(names, fmt.Sprintf("%s (%s)", l.IfName, kind))
	}
	return names, nil
}
