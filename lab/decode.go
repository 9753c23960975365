package lab

import "github.com/sovbench/sovbench/scenarios"

// yamlTextDecoder decodes service parameters kept as YAML text, strictly.
func yamlTextDecoder(text string) func(any) error { return scenarios.YAMLTextDecoder(text) }
