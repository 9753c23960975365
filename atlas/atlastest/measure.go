package atlastest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

type measurement struct {
	id       int
	target   netip.Addr
	af       int
	packets  int
	probes   []int
	mu       sync.Mutex
	pending  int
	polls    int
	results  []map[string]any
	finished time.Time
}

type definition struct {
	Target         string `json:"target"`
	AF             int    `json:"af"`
	Type           string `json:"type"`
	Packets        int    `json:"packets"`
	Description    string `json:"description"`
	ResolveOnProbe bool   `json:"resolve_on_probe"`
}

type probeSpec struct {
	Type      string `json:"type"`
	Value     string `json:"value"`
	Requested int    `json:"requested"`
}

// create answers POST measurements/ (one-off pings from listed probes).
func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	var req struct {
		Definitions []definition `json:"definitions"`
		Probes      []probeSpec  `json:"probes"`
		IsOneoff    bool         `json:"is_oneoff"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		apiError(w, http.StatusBadRequest, "Bad Request", "JSON parse error - "+err.Error())
		return
	}
	if len(req.Definitions) != 1 || req.Definitions[0].Type != "ping" || !req.IsOneoff || len(req.Probes) != 1 || req.Probes[0].Type != "probes" {
		apiError(w, http.StatusBadRequest, "Bad Request", "this fake API runs one one-off ping from listed probes")
		return
	}
	d := req.Definitions[0]
	target, err := netip.ParseAddr(d.Target)
	if err != nil || (d.AF == 4) != target.Is4() {
		apiError(w, http.StatusBadRequest, "Bad Request", "definitions[0].target: not an address of family af")
		return
	}
	var probes []int
	for _, v := range strings.Split(req.Probes[0].Value, ",") {
		id, err := strconv.Atoi(v)
		if err != nil {
			apiError(w, http.StatusBadRequest, "Bad Request", "probes[0].value: not a list of probe ids")
			return
		}
		probes = append(probes, id)
	}
	s.mu.Lock()
	s.nextID++
	m := &measurement{id: s.nextID, target: target, af: d.AF, packets: max(d.Packets, 1), probes: probes, pending: len(probes)}
	s.msms[m.id] = m
	s.mu.Unlock()
	for _, p := range probes {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.run(m, p)
		}()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"measurements": []int{m.id}})
}

// run pings from one probe and stores its result in the API's format.
func (s *Server) run(m *measurement, probe int) {
	ping := s.Ping
	if ping == nil {
		ping = func(context.Context, int, netip.Addr, int) ([]float64, int, error) {
			return []float64{10, 10, 10}, 3, nil
		}
	}
	ctx, cancel := context.WithTimeout(s.runCtx, time.Minute)
	defer cancel()
	rtts, sent, err := ping(ctx, probe, m.target, m.packets)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending--
	if m.pending == 0 {
		m.finished = time.Now()
	}
	if err != nil {
		return // the probe took no part
	}
	m.results = append(m.results, s.result(m, probe, rtts, sent))
}

func (s *Server) result(m *measurement, probe int, rtts []float64, sent int) map[string]any {
	var per []map[string]any
	for _, v := range rtts {
		per = append(per, map[string]any{"rtt": v})
	}
	for range max(sent-len(rtts), 0) {
		per = append(per, map[string]any{"x": "*"})
	}
	mn, avg, mx := -1.0, -1.0, -1.0
	if len(rtts) > 0 {
		mn, mx = slices.Min(rtts), slices.Max(rtts)
		sum := 0.0
		for _, v := range rtts {
			sum += v
		}
		avg = sum / float64(len(rtts))
	}
	s.mu.Lock()
	from := s.From[probe]
	s.mu.Unlock()
	now := time.Now().Unix()
	return map[string]any{"fw": 5080, "lts": 17, "dst_name": m.target.String(), "af": m.af, "dst_addr": m.target.String(),
		"src_addr": from, "proto": "ICMP", "ttl": 54, "size": 48, "result": per, "prb_id": probe, "from": from,
		"min": mn, "avg": avg, "max": mx, "sent": sent, "rcvd": len(rtts), "dup": 0, "msm_id": m.id, "msm_name": "Ping",
		"timestamp": now, "stored_timestamp": now, "type": "ping", "group_id": m.id, "step": nil}
}

// read answers GET measurements/{id}/ and .../results/.
func (s *Server) read(w http.ResponseWriter, r *http.Request, rest string) {
	if !s.authorized(w, r) {
		return
	}
	idText, sub, _ := strings.Cut(rest, "/")
	id, err := strconv.Atoi(idText)
	s.mu.Lock()
	m := s.msms[id]
	s.mu.Unlock()
	if err != nil || m == nil || (sub != "" && sub != "results/") {
		apiError(w, http.StatusNotFound, "Not Found", "No Measurement matches the given query.")
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if sub == "results/" {
		json.NewEncoder(w).Encode(append([]map[string]any{}, m.results...))
		return
	}
	status := map[string]any{"id": 2, "name": "Ongoing", "when": nil}
	if m.pending == 0 && m.polls >= s.RunningPolls {
		status = map[string]any{"id": 4, "name": "Stopped", "when": m.finished.Unix()}
	}
	if m.pending == 0 {
		m.polls++
	}
	json.NewEncoder(w).Encode(map[string]any{"id": m.id, "type": "ping", "af": m.af, "target": m.target.String(),
		"is_oneoff": true, "status": status, "probes_requested": len(m.probes), "probes_scheduled": len(m.probes),
		"participant_count": len(m.results)})
}
