package claims

import (
	"slices"
	"testing"

	"github.com/sovbench/sovbench/results/frameworks"
)

// Every claim kind says which audit criteria it gives evidence for
// (results/frameworks/criteria.yaml), with the criterion's source; a new
// claim kind without a row fails here. Rows for kinds that no longer exist
// fail too.
func TestEveryClaimKindNamesACriterion(t *testing.T) {
	for _, k := range Kinds() {
		cs := frameworks.For(k.Name)
		if len(cs) == 0 {
			t.Errorf("%s: no criterion in results/frameworks/criteria.yaml", k.Name)
		}
		for _, c := range cs {
			if c.Source == "" || c.Ref == "" || c.Title == "" {
				t.Errorf("%s: criterion %s lacks its source, reference or title", k.Name, c.ID)
			}
		}
	}
	for _, name := range frameworks.Kinds() {
		if !slices.Contains(Names(), name) {
			t.Errorf("criteria.yaml maps %s, which is not a claim kind", name)
		}
	}
}
