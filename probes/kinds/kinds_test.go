package kinds

import (
	"testing"

	"github.com/sovbench/sovbench/probes"
)

func TestEveryKindHasAConstructor(t *testing.T) {
	for _, name := range probes.Names() {
		if _, ok := constructors[name]; !ok {
			t.Errorf("kind %s has no constructor", name)
		}
	}
	if len(constructors) != len(probes.Names()) {
		t.Errorf("%d constructors for %d kinds", len(constructors), len(probes.Names()))
	}
}

func TestKindsThatBindEvidenceAreBinders(t *testing.T) {
	for _, name := range probes.Names() {
		k, _ := probes.Lookup(name)
		p, err := New(k.NewParams())
		if err != nil {
			if k.BindsEvidence {
				t.Fatalf("%s: %v", name, err)
			}
			continue // needs parameters to build; its Binder-ness is not checked here
		}
		if _, ok := p.(probes.Binder); ok != k.BindsEvidence {
			t.Errorf("%s: Binder %v, kind says BindsEvidence %v", name, ok, k.BindsEvidence)
		}
	}
}
