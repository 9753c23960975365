package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// imdsParams are an instance-metadata server's parameters.
type imdsParams struct {
	Flavour string `yaml:"flavour"` // aws, gce or azure
	Port    uint16 `yaml:"port"`    // default 80
	// IMDSv1 lets an aws server answer without a session token.
	IMDSv1 bool `yaml:"imdsv1"`
	// Values are the answers by path under the flavour's root: aws
	// meta-data/instance-id, gce instance/zone, azure compute/location.
	Values map[string]string `yaml:"values"`
}

var imdsDefaults = map[string]map[string]string{
	"aws": {"meta-data/instance-id": "i-0123456789abcdef0", "meta-data/instance-type": "m6i.large",
		"meta-data/placement/region": "eu-west-1", "meta-data/placement/availability-zone": "eu-west-1a",
		"meta-data/ami-id": "ami-0abcdef1234567890"},
	"gce": {"instance/id": "1234567890123456789", "instance/zone": "projects/123456789/zones/europe-west1-b",
		"instance/machine-type": "projects/123456789/machineTypes/n2-standard-2", "project/project-id": "sovbench-lab"},
	"azure": {"compute/vmId": "00000000-0000-4000-8000-000000000001", "compute/location": "westeurope",
		"compute/vmSize": "Standard_D2s_v5", "compute/azEnvironment": "AzurePublicCloud"},
}

// imds answers like a cloud's instance-metadata service.
type imds struct {
	p      imdsParams
	srv    *http.Server
	done   chan struct{}
	mu     sync.Mutex
	tokens map[string]time.Time
}

func newIMDS(decode func(any) error) (Service, error) {
	s := &imds{p: imdsParams{Port: 80}, tokens: map[string]time.Time{}}
	if err := decode(&s.p); err != nil {
		return nil, err
	}
	def, ok := imdsDefaults[s.p.Flavour]
	if !ok {
		return nil, fmt.Errorf("flavour %q: want aws, gce or azure", s.p.Flavour)
	}
	values := maps.Clone(def)
	maps.Copy(values, s.p.Values)
	s.p.Values = values
	return s, nil
}

func (s *imds) Start(ctx context.Context, env *Env) error {
	ls, err := env.ListenTCP(s.p.Port)
	if err != nil {
		return err
	}
	handler := map[string]http.HandlerFunc{"aws": s.aws, "gce": s.gce, "azure": s.azure}[s.p.Flavour]
	s.srv = &http.Server{ErrorLog: env.HTTPErrorLog(), ReadHeaderTimeout: idleTimeout, IdleTimeout: idleTimeout,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			env.Record(Arrival{Proto: "http", Peer: r.RemoteAddr, Payload: prefix([]byte(r.Method + " " + r.URL.RequestURI()))})
			handler(w, r)
		})}
	s.done = make(chan struct{})
	var wg sync.WaitGroup
	for _, ln := range ls {
		wg.Add(1)
		go func() { defer wg.Done(); s.srv.Serve(ln) }()
	}
	go func() { wg.Wait(); close(s.done) }()
	return nil
}

func (s *imds) Close() error {
	if s.srv == nil {
		return nil
	}
	err := s.srv.Close()
	<-s.done
	return err
}

// aws implements IMDSv2: PUT /latest/api/token gives a session token that
// GET requests must present in X-aws-ec2-metadata-token.
func (s *imds) aws(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/latest/api/token" {
		if r.Method != http.MethodPut {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		ttl, err := strconv.Atoi(r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds"))
		if err != nil || ttl < 1 || ttl > 21600 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		b := make([]byte, 24)
		rand.Read(b)
		tok := hex.EncodeToString(b)
		s.mu.Lock()
		s.tokens[tok] = time.Now().Add(time.Duration(ttl) * time.Second)
		s.mu.Unlock()
		w.Header().Set("X-aws-ec2-metadata-token-ttl-seconds", strconv.Itoa(ttl))
		fmt.Fprint(w, tok)
		return
	}
	if !s.p.IMDSv1 && !s.validToken(r.Header.Get("X-aws-ec2-metadata-token")) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/latest/")
	if path == "dynamic/instance-identity/document" {
		v := s.p.Values
		writeJSON(w, map[string]string{"instanceId": v["meta-data/instance-id"], "instanceType": v["meta-data/instance-type"],
			"region": v["meta-data/placement/region"], "availabilityZone": v["meta-data/placement/availability-zone"],
			"imageId": v["meta-data/ami-id"]})
		return
	}
	s.answer(w, path)
}

func (s *imds) validToken(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[tok]
	return ok && time.Now().Before(exp)
}

// gce requires the Metadata-Flavor: Google header and echoes it.
func (s *imds) gce(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Metadata-Flavor", "Google")
	if r.Header.Get("Metadata-Flavor") != "Google" {
		http.Error(w, "missing Metadata-Flavor header", http.StatusForbidden)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/computeMetadata/v1/")
	if r.URL.Query().Get("recursive") == "true" {
		s.tree(w, path)
		return
	}
	s.answer(w, path)
}

// tree writes the values under dir as one JSON object, as GCE answers
// ?recursive=true: nested by path, hyphenated names in camelCase
// (machine-type → machineType).
func (s *imds) tree(w http.ResponseWriter, dir string) {
	if dir = strings.TrimSuffix(dir, "/"); dir != "" {
		dir += "/"
	}
	root := map[string]any{}
	for k, v := range s.p.Values {
		rest, ok := strings.CutPrefix(k, dir)
		if !ok {
			continue
		}
		parts := strings.Split(rest, "/")
		m := root
		for _, p := range parts[:len(parts)-1] {
			sub, ok := m[camel(p)].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[camel(p)] = sub
			}
			m = sub
		}
		m[camel(parts[len(parts)-1])] = v
	}
	if len(root) == 0 {
		http.NotFound(w, nil)
		return
	}
	writeJSON(w, root)
}

// camel turns a GCE metadata name into its recursive-JSON key.
func camel(name string) string {
	parts := strings.Split(name, "-")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// azure requires the Metadata: true header; /metadata/instance is JSON.
func (s *imds) azure(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Metadata") != "true" {
		http.Error(w, `{"error":"Bad request. Required metadata header not specified"}`, http.StatusBadRequest)
		return
	}
	if r.URL.Path == "/metadata/instance" || r.URL.Path == "/metadata/instance/compute" {
		compute := map[string]string{}
		for k, v := range s.p.Values {
			if key, ok := strings.CutPrefix(k, "compute/"); ok {
				compute[key] = v
			}
		}
		if r.URL.Path == "/metadata/instance/compute" {
			writeJSON(w, compute)
			return
		}
		writeJSON(w, map[string]any{"compute": compute})
		return
	}
	s.answer(w, strings.TrimPrefix(r.URL.Path, "/metadata/instance/"))
}

// answer writes the value at path, or the keys below it as a listing.
func (s *imds) answer(w http.ResponseWriter, path string) {
	if v, ok := s.p.Values[path]; ok {
		fmt.Fprint(w, v)
		return
	}
	dir := strings.TrimSuffix(path, "/") + "/"
	if path == "" {
		dir = ""
	}
	var keys []string
	for k := range s.p.Values {
		if rest, ok := strings.CutPrefix(k, dir); ok {
			first, _, sub := strings.Cut(rest, "/")
			if sub {
				first += "/"
			}
			keys = append(keys, first)
		}
	}
	if len(keys) == 0 {
		http.NotFound(w, nil)
		return
	}
	slices.Sort(keys)
	fmt.Fprint(w, strings.Join(slices.Compact(keys), "\n"))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
