// Package suite is the suite file format and its strict loader. Parse and
// Load decode a suite (strict YAML: unknown keys and type errors are a
// *ConfigError naming the file, line and field, with a did-you-mean) and
// validate it: its targets, its probes against the probe kind table (each
// probe's parameters decoded once into the kind's typed value,
// probes.DecodeParams) and its claims against the claim catalogue
// (scenarios/claims). Nothing runs before a suite parses.
//
// DecodeStrict is the strict decoder; other strict YAML formats (lab
// files) use it too. The suite files themselves live in scenarios/.
package suite
