package scenarios

import "gopkg.in/yaml.v3"

// DecodeStrict decodes n into v (a pointer) the way suite files are decoded:
// unknown keys at any depth and type errors become a *ConfigError naming the
// file, line and field path. Other strict YAML formats (lab files, whose
// packages import this one) use it.
func DecodeStrict(file string, n *yaml.Node, v any, path string) error {
	return decodeStrict(file, n, v, path)
}
