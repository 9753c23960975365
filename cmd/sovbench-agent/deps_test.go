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
	{"google.golang.org/protobuf", "protobuf: its init (registries, detrand hashing the binary) runs at every start"},
	{"github.com/google/go-sev-guest", "SEV-SNP encoders and verifier: the host reads raw reports (attest/tee/collect)"},
	{"github.com/google/go-tdx-guest", "TDX encoders and verifier: the host reads raw quotes (attest/tee/collect)"},
	{"github.com/sovbench/sovbench/attest/tee/testsign", "the lab's TEE test signer: hosts sign with the stand-in it writes"},
	{"github.com/sovbench/sovbench/attest/tee/fetch", "AMD KDS and Intel PCS fetching: the auditor's"},
}

// allowed are packages under a banned path that the agent may link, with
// why: they link nothing but the standard library and x/sys.
var allowed = map[string]string{
	"github.com/google/go-sev-guest/client/linuxabi": "the sev-guest ioctl structures",
	"github.com/google/go-tdx-guest/client/linuxabi": "the tdx-guest ioctl structures",
}

// TestSlimAgentLinksOnlyWhatRunsOnAHost enforces banned on the import
// graph (go list -deps).
func TestSlimAgentLinksOnlyWhatRunsOnAHost(t *testing.T) {
	for _, path := range godeps.List(t, nil, ".") {
		switch path {
		case "github.com/sovbench/sovbench/fleet": // fleet/agent and fleet/api are the agent's
			t.Error("the slim agent links the verifier service (fleet)")
		case "github.com/sovbench/sovbench/attest/tee": // attest/tee/collect is the agent's
			t.Error("the slim agent links the TEE verifier (attest/tee): go-sev-guest, go-tdx-guest and protobuf")
		}
		if _, ok := allowed[path]; ok {
			continue
		}
		for _, b := range banned {
			if path == b.path || strings.HasPrefix(path, b.path+"/") {
				t.Errorf("the slim agent links %s (%s)", path, b.why)
			}
		}
	}
}
