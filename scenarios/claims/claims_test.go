package claims

import (
	"strings"
	"testing"
)

func TestCatalogueEntriesAreComplete(t *testing.T) {
	for _, k := range Kinds() {
		if k.Doc == "" || k.Example == "" || len(k.Needs) == 0 || k.parse == nil {
			t.Errorf("claim %s lacks doc, example, needs or parser", k.Name)
		}
		if !strings.HasPrefix(k.Example, k.Name+":") {
			t.Errorf("claim %s example %q does not start with its name", k.Name, k.Example)
		}
	}
}
