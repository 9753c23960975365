package scenarios

import (
	"gopkg.in/yaml.v3"

	"github.com/sovbench/sovbench/probes"
)

// DecodeStrict decodes n into v (a pointer) the way suite files are decoded:
// unknown keys at any depth and type errors become a *ConfigError naming the
// file, line and field path. Other strict YAML formats (lab files) use it.
func DecodeStrict(file string, n *yaml.Node, v any, path string) error {
	return decodeStrict(file, n, v, path)
}

// YAMLTextDecoder decodes parameters kept as YAML text (a plan step's, a lab
// service's) strictly, like suite files.
func YAMLTextDecoder(text string) probes.Decoder { return yamlTextDecoder(text) }
