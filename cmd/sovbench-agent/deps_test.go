package main

import (
	"strings"
	"testing"

	"github.com/sovbench/sovbench/internal/godeps"
)

// banned are the packages the binary copied to hosts must not link (each
// path and the packages under it), with why: they run on the
// auditor's side, and each costs the agent size and start-up time on every
// host for every run (scripts/bench/agent.sh).
var banned = []struct{ path, why string }{
	{"modernc.org/sqlite", "the report index (SQLite)"},
	{"github.com/jackc/pgx", "the PostgreSQL store"},
	{"database/sql", "database code"},
	{"github.com/sovbench/sovbench/results/render", "tables and HTML"},
	{"github.com/sovbench/sovbench/results/store", "the report store"},
	{"github.com/sovbench/sovbench/results/sign", "report signing"},
	{"github.com/sovbench/sovbench/lab", "the lab"},
	{"golang.org/x/crypto/ssh", "the SSH client"},
	{"github.com/sovbench/sovbench/scenarios/run", "the runner (it builds plans from suites)"},
	{"github.com/sovbench/sovbench/scenarios/suite", "the suite loader: the agent gets plans"},
	{"github.com/sovbench/sovbench/scenarios/claims", "the claim catalogue: verdicts are the auditor's"},
	{"github.com/sovbench/sovbench/verify", "offline verification"},
	{"github.com/prometheus", "metrics"},
	{"github.com/spf13/cobra", "the CLI framework"},
	{"github.com/olekukonko/tablewriter", "tables"},
	{"html/template", "HTML"},
	{"github.com/sovbench/sovbench/geo/borders", "2.2 MB of country outlines: relating regions to countries is the auditor's"},
}

// TestSlimAgentLinksOnlyWhatRunsOnAHost enforces banned on the import
// graph (go list -deps).
func TestSlimAgentLinksOnlyWhatRunsOnAHost(t *testing.T) {
	for _, path := range godeps.List(t, nil, ".") {
		switch path {
		case "database/sql/driver": // only the interfaces github.com/google/uuid implements (driver.Valuer)
			continue
		case "github.com/sovbench/sovbench/fleet": // fleet/agent and fleet/api are the agent's
			t.Error("the slim agent links the verifier service (fleet)")
		}
		for _, b := range banned {
			if path == b.path || strings.HasPrefix(path, b.path+"/") {
				t.Errorf("the slim agent links %s (%s)", path, b.why)
			}
		}
	}
}
