package collect

import ga "github.com/google/go-attestation/attest"

// Internals the external tests (package collect_test, which may use
// collecttest) exercise directly.

// ActivateWith is activateWith: activation against a chosen EK.
var ActivateWith = activateWith

// OpenAttestation opens go-attestation's TPM over d's command channel.
func OpenAttestation(d *Device) (*ga.TPM, error) {
	return ga.OpenTPM(&ga.OpenConfig{CommandChannel: rwc{channel: d.ch}})
}
