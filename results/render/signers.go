package render

import (
	"strings"

	"github.com/sovbench/sovbench/results/store"
)

// UnsignedLabel is what AddSigners shows for a column fed by a plain report.
const UnsignedLabel = "unsigned"

// AddSigners puts a "signed by" row first in a CompareRuns grid: per
// column, the key ids (first 16 hex digits) of the signers of the runs that
// feed it, from signers (run id → key id, or a label such as "… (not
// verified)"); runs missing from signers are UnsignedLabel.
func AddSigners(g *Grid, runs []store.RunRecord, signers map[string]string) {
	row := []string{"signature", "signed by (key id)"}
	for _, c := range compareColumns(runs) {
		var ids []string
		for _, r := range c.runs {
			id, ok := signers[r.RunID]
			if !ok {
				id = UnsignedLabel
			}
			if len(id) >= 64 && !strings.Contains(id, " ") {
				id = id[:16] + "…"
			}
			if !containsString(ids, id) {
				ids = append(ids, id)
			}
		}
		row = append(row, strings.Join(ids, ", "))
	}
	g.Rows = append([][]string{row}, g.Rows...)
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
