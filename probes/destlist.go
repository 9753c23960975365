package probes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/internal/limits"
)

// DestinationList is a destination list file.
type DestinationList struct {
	List        string `yaml:"list"`
	Description string `yaml:"description"`
	// RealWorld marks lists of public endpoints. The probe refuses to load
	// them unless allow_real_world is set, so no test can dial them by mistake.
	RealWorld    bool              `yaml:"real_world"`
	Sources      []string          `yaml:"sources"`
	Destinations []DestinationSpec `yaml:"destinations"`
}

// LoadDestinationList reads and validates a destination list file, no
// larger than lim's list-bytes bound. Errors name the file, line and field.
func LoadDestinationList(ctx context.Context, path string, lim limits.Limits) (*DestinationList, error) {
	data, err := lim.ReadFile(ctx, limits.ListBytes, path)
	if err != nil {
		return nil, fmt.Errorf("reading destination list: %w", err)
	}
	return ParseDestinationList(path, data)
}

// ParseDestinationList validates a destination list's YAML source.
func ParseDestinationList(path string, data []byte) (*DestinationList, error) {
	var l DestinationList
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&l); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty destination list", path)
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		msg = strings.TrimSpace(strings.TrimPrefix(msg, "unmarshal errors:\n"))
		return nil, fmt.Errorf("%s: %s", path, msg)
	}
	var raw struct {
		Destinations []yaml.Node `yaml:"destinations"`
	}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if l.List == "" {
		return nil, fmt.Errorf("%s: list: missing name", path)
	}
	if len(l.Destinations) == 0 {
		return nil, fmt.Errorf("%s: destinations: none", path)
	}
	for i := range l.Destinations {
		line := raw.Destinations[i].Line
		if err := l.Destinations[i].Normalise(fmt.Sprintf("%s:%d: destinations[%d]", path, line, i)); err != nil {
			return nil, err
		}
	}
	return &l, nil
}
