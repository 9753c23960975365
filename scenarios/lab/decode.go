package lab

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/scenarios"
)

// yamlTextDecoder decodes service parameters kept as YAML text, strictly.
func yamlTextDecoder(text string) func(any) error {
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
		return scenarios.DecodeStrict("params", n.Content[0], v, "")
	}
}
