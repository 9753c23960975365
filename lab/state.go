package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// StateRoot holds one directory per running lab.
var StateRoot = "/run/sovbench/labs"

// State is a lab's state.json: who runs it and everything it created, so
// that another process can find its hosts or remove it after a crash.
type State struct {
	Name string `json:"name"`
	// ID prefixes every namespace of the lab ("sbk3x9"), unique among the
	// labs on this machine.
	ID       string    `json:"id"`
	PID      int       `json:"pid"`
	PIDStart uint64    `json:"pid_start"` // start time of PID, to survive PID reuse
	Started  time.Time `json:"started"`
	Holder   string    `json:"holder"` // "sovbench lab up" or the program that called Up
	Ready    bool      `json:"ready"`
	// Namespaces are every namespace the lab creates, written before the
	// first is created.
	Namespaces []string  `json:"namespaces"`
	CA         string    `json:"ca,omitempty"` // path of the lab CA certificate
	Topology   *Topology `json:"topology"`
}

// Dir is the lab's state directory.
func (s *State) Dir() string { return filepath.Join(StateRoot, s.Name) }

// Alive reports whether the process that started the lab still runs (a
// zombie waiting for its parent does not).
func (s *State) Alive() bool {
	start, zombie, err := procStart(s.PID)
	return err == nil && !zombie && start == s.PIDStart
}

func writeState(s *State) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding lab state: %w", err)
	}
	return writeAtomic(filepath.Join(s.Dir(), "state.json"), data)
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// ReadState reads the state of the lab called name.
func ReadState(name string) (*State, error) {
	data, err := os.ReadFile(filepath.Join(StateRoot, name, "state.json"))
	if err != nil {
		return nil, fmt.Errorf("reading lab %s state: %w", name, err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("decoding lab %s state: %w", name, err)
	}
	return &s, nil
}

// List returns the state of every lab on this machine, running or stale.
func List() ([]*State, error) {
	entries, err := os.ReadDir(StateRoot)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing labs: %w", err)
	}
	var out []*State
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		s, err := ReadState(e.Name())
		if err != nil {
			// A directory without a readable state is a lab that died while
			// writing it: nothing was created yet.
			out = append(out, &State{Name: e.Name()})
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

// Remove deletes everything a lab created: its namespaces (with every TUN,
// dummy device, route and nftables rule inside), their /etc/netns files and
// the state directory. It does not stop the lab's process; Stop does.
func Remove(ctx context.Context, s *State) error {
	var errs []error
	var lines []string
	for _, ns := range s.Namespaces {
		if nsExists(ns) {
			lines = append(lines, "netns del "+ns)
		}
		if err := os.RemoveAll(filepath.Join("/etc/netns", ns)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := ipBatch(ctx, "", lines); err != nil {
		errs = append(errs, fmt.Errorf("deleting namespaces: %w", err))
	}
	if err := os.RemoveAll(s.Dir()); err != nil {
		errs = append(errs, fmt.Errorf("removing lab state: %w", err))
	}
	return errors.Join(errs...)
}

// Stop ends the lab named name: it asks a live lab process to stop
// (SIGTERM, then SIGKILL after grace) and removes whatever is left. It
// works as well after the process was killed.
func Stop(ctx context.Context, name string, grace time.Duration) error {
	s, err := ReadState(name)
	if err != nil {
		if _, serr := os.Stat(filepath.Join(StateRoot, name)); serr == nil {
			return Remove(ctx, &State{Name: name})
		}
		return err
	}
	if s.Alive() && s.PID != os.Getpid() {
		syscall.Kill(s.PID, syscall.SIGTERM)
		deadline := time.Now().Add(grace)
		for s.Alive() && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if s.Alive() {
			syscall.Kill(s.PID, syscall.SIGKILL)
			for i := 0; s.Alive() && i < 100; i++ {
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	return Remove(ctx, s)
}

// reapStale removes every lab whose process is gone.
func reapStale(ctx context.Context) error {
	labs, err := List()
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range labs {
		if s.PID != 0 && s.Alive() {
			continue
		}
		if err := Remove(ctx, s); err != nil {
			errs = append(errs, fmt.Errorf("removing stale lab %s: %w", s.Name, err))
		}
	}
	return errors.Join(errs...)
}

// procStart returns the start time (clock ticks since boot) of process pid
// and whether it is a zombie.
func procStart(pid int) (uint64, bool, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false, err
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, false, fmt.Errorf("parsing /proc/%d/stat", pid)
	}
	fields := strings.Fields(string(data[i+1:]))
	// Field 3 of stat is the state, field 22 starttime; fields here start at 3.
	if len(fields) < 20 {
		return 0, false, fmt.Errorf("parsing /proc/%d/stat", pid)
	}
	start, err := strconv.ParseUint(fields[19], 10, 64)
	return start, fields[0] == "Z", err
}
