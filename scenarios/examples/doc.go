// Package examples holds example suites for auditing real providers (the
// YAML files beside this one): a disconnected sovereign platform and the EU
// region of a public cloud. They name real-world destinations and RIPE
// Atlas anchors, so they are never run here; the package's tests parse
// them and build their plans (no dialling), so they stay true to the claim
// catalogue and the probes' parameters as those change.
package examples
