package fleet

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sovbench/sovbench/fleet/pgtest"
	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/store"
)

// storeKind is one Store implementation as tests open it.
type storeKind struct {
	name string
	// dsn names a fresh, empty store; dir is the test's own directory.
	dsn func(tb testing.TB, dir string) string
	// sqlite: the store indexes runs in the results index it is given.
	sqlite bool
}

var sqliteKind = storeKind{name: "SQLite", sqlite: true,
	dsn: func(_ testing.TB, dir string) string { return filepath.Join(dir, "fleet.sqlite") }}

// pgKind opens stores in fresh schemas of srv.
func pgKind(srv *pgtest.Server) storeKind {
	return storeKind{name: "PostgreSQL", dsn: func(tb testing.TB, _ string) string { return srv.Fresh(tb) }}
}

// open opens a fresh store of kind; x is the results index an SQLite store
// writes runs to.
func (k storeKind) open(tb testing.TB, dir string, x *store.Index) Store {
	tb.Helper()
	return k.reopen(tb, k.dsn(tb, dir), x)
}

// reopen opens the store at dsn once more, closed when tb ends.
func (k storeKind) reopen(tb testing.TB, dsn string, x *store.Index) Store {
	tb.Helper()
	opts := StoreOptions{Timeout: 20 * time.Second}
	if k.sqlite {
		opts.Index = x
	}
	st, err := OpenStore(context.Background(), dsn, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// dbOf is the database under a store, for looking at what it wrote.
func dbOf(st Store) *sql.DB {
	switch s := st.(type) {
	case *sqliteStore:
		return s.db
	case *pgStore:
		return s.db
	}
	panic("unknown store")
}

// storeEnv is what one store case gets.
type storeEnv struct {
	kind  storeKind
	dsn   string
	st    Store
	index *store.Index // the results directory's index (SQLite store's runs)
	dir   string
}

var storeCases = []struct {
	name string
	run  func(t *testing.T, e storeEnv)
}{
	{"An issued token enrols an agent whose credential authenticates", func(t *testing.T, e storeEnv) {
		ctx := context.Background()
		tok, err := e.st.IssueToken(ctx, Token{TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		a, cred, err := e.st.Enrol(ctx, tok, "web-1")
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.st.Authenticate(ctx, cred)
		if err != nil || got != a || a.Name != "web-1" || !strings.HasPrefix(cred, a.ID+".") {
			t.Fatalf("authenticated %+v, %v; want %+v with credential %q", got, err, a, cred)
		}
	}},
	{"A token enrols exactly one of many agents racing for it", func(t *testing.T, e storeEnv) {
		ctx := context.Background()
		tok, err := e.st.IssueToken(ctx, Token{TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		const racers = 16
		errs := make([]error, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() { _, _, errs[i] = e.st.Enrol(ctx, tok, "racer") })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, ErrForbidden):
				t.Errorf("enrolment failed otherwise than forbidden: %v", err)
			}
		}
		var agents int
		dbOf(e.st).QueryRow(`SELECT COUNT(*) FROM agents`).Scan(&agents)
		if ok != 1 || agents != 1 {
			t.Fatalf("%d enrolments succeeded and %d agents stored, want 1 and 1", ok, agents)
		}
	}},
	{"A revoked agent is refused by credential and by id, from the first revocation on", func(t *testing.T, e storeEnv) {
		ctx := context.Background()
		var creds []string
		var agents []Agent
		for _, name := range []string{"web-1", "web-2"} {
			tok, _ := e.st.IssueToken(ctx, Token{TTL: time.Hour})
			a, cred, err := e.st.Enrol(ctx, tok, name)
			if err != nil {
				t.Fatal(err)
			}
			agents, creds = append(agents, a), append(creds, cred)
		}
		if got, err := e.st.Active(ctx, agents[0].ID); err != nil || got != agents[0] {
			t.Fatalf("active before revocation: %+v, %v", got, err)
		}
		first, err := e.st.Revoke(ctx, agents[0].ID)
		if err != nil || first.Agent != agents[0] || first.Revoked.IsZero() || first.Enrolled.IsZero() {
			t.Fatalf("revoked %+v, %v", first, err)
		}
		if _, err := e.st.Authenticate(ctx, creds[0]); !errors.Is(err, ErrRevoked) || !strings.Contains(err.Error(), agents[0].ID) {
			t.Fatalf("credential of a revoked agent: %v, want ErrRevoked naming it", err)
		}
		if _, err := e.st.Active(ctx, agents[0].ID); !errors.Is(err, ErrRevoked) {
			t.Fatalf("certificate of a revoked agent: %v, want ErrRevoked", err)
		}
		// A wrong secret says nothing about revocation.
		if _, err := e.st.Authenticate(ctx, agents[0].ID+".00"); !errors.Is(err, ErrForbidden) || errors.Is(err, ErrRevoked) {
			t.Fatalf("wrong secret of a revoked agent: %v, want ErrForbidden only", err)
		}
		if _, err := e.st.Authenticate(ctx, creds[1]); err != nil {
			t.Fatalf("the other agent: %v", err)
		}
		if _, err := e.st.Active(ctx, "ag_nobody"); !errors.Is(err, ErrForbidden) {
			t.Fatalf("unknown agent: %v, want ErrForbidden", err)
		}
		dbOf(e.st).Exec(`UPDATE agents SET revoked = revoked - 100 WHERE revoked <> 0`) // as if long ago
		again, err := e.st.Revoke(ctx, agents[0].ID)
		if err != nil || !again.Revoked.Equal(first.Revoked.Add(-100*time.Second)) {
			t.Fatalf("revoking again: %+v, %v; want the first time kept", again, err)
		}
		if _, err := e.st.Revoke(ctx, "ag_nobody"); !errors.Is(err, ErrNoAgent) {
			t.Fatalf("revoking an unknown agent: %v, want ErrNoAgent", err)
		}
		list, err := e.st.Agents(ctx)
		if err != nil || len(list) != 2 || list[0].Revoked.IsZero() == list[1].Revoked.IsZero() {
			t.Fatalf("agents %+v, %v: want both, one revoked", list, err)
		}
	}},
	{"An expired token is refused", func(t *testing.T, e storeEnv) {
		tok, err := e.st.IssueToken(context.Background(), Token{TTL: -time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.st.Enrol(context.Background(), tok, "late"); !errors.Is(err, ErrForbidden) {
			t.Fatalf("got %v, want ErrForbidden", err)
		}
	}},
	{"A wrong token is refused", func(t *testing.T, e storeEnv) {
		if _, _, err := e.st.Enrol(context.Background(), "sbt_not-a-token", "evil"); !errors.Is(err, ErrForbidden) {
			t.Fatalf("got %v, want ErrForbidden", err)
		}
	}},
	{"A forged, malformed or unknown credential is refused", func(t *testing.T, e storeEnv) {
		ctx := context.Background()
		tok, _ := e.st.IssueToken(ctx, Token{TTL: time.Hour})
		a, _, err := e.st.Enrol(ctx, tok, "web-1")
		if err != nil {
			t.Fatal(err)
		}
		for _, cred := range []string{a.ID + ".00ff", a.ID, "." + a.ID, "ag_0000000000000000.00ff", ""} {
			if _, err := e.st.Authenticate(ctx, cred); !errors.Is(err, ErrForbidden) {
				t.Errorf("credential %q: got %v, want ErrForbidden", cred, err)
			}
		}
	}},
	{"A submitted run is indexed with its verdicts", testRunIndexed},
	{"The latest run of an agent is replaced and read back, by ID and by name", func(t *testing.T, e storeEnv) {
		ctx := context.Background()
		tok, _ := e.st.IssueToken(ctx, Token{TTL: time.Hour})
		a, _, err := e.st.Enrol(ctx, tok, "web-1")
		if err != nil {
			t.Fatal(err)
		}
		at := time.Unix(0, time.Now().UnixNano())
		for i, id := range []string{"run-1", "run-2"} {
			l := latestRun{runID: id, at: at.Add(time.Duration(i)), ok: i == 1, verdicts: testReport(id).Verdicts}
			if err := e.st.saveLatest(ctx, "s", a.ID, l); err != nil {
				t.Fatal(err)
			}
		}
		got, err := e.st.latestRuns(ctx)
		if err != nil || len(got) != 1 || got[0].suite != "s" || got[0].agent.ID != a.ID {
			t.Fatalf("latest runs %+v, %v; want one of %s on s", got, err, a.ID)
		}
		for _, target := range []string{a.ID, "web-1", "WEB-1"} {
			p, err := e.st.probeTarget(ctx, "s", target)
			l := p.run
			if err != nil || p.agent.ID != a.ID || l.runID != "run-2" || !l.ok || !l.at.Equal(at.Add(1)) || len(l.verdicts) != 2 {
				t.Fatalf("probe target %s: %+v, %v; want run-2 of %s, ok, 2 verdicts", target, p, err, a.ID)
			}
		}
		if p, err := e.st.probeTarget(ctx, "other", a.ID); err != nil || p.run.runID != "" {
			t.Fatalf("probe target on a suite without runs: %+v, %v; want the agent, no run", p, err)
		}
		if _, err := e.st.probeTarget(ctx, "s", "nobody"); !errors.Is(err, ErrNoAgent) {
			t.Fatalf("probe of nobody: %v, want ErrNoAgent", err)
		}
	}},
	{"Reopening keeps the agents", func(t *testing.T, e storeEnv) {
		ctx := context.Background()
		tok, _ := e.st.IssueToken(ctx, Token{TTL: time.Hour})
		_, cred, err := e.st.Enrol(ctx, tok, "web-1")
		if err != nil {
			t.Fatal(err)
		}
		again := e.kind.reopen(t, e.dsn, e.index)
		if _, err := again.Authenticate(ctx, cred); err != nil {
			t.Fatalf("after reopening: %v", err)
		}
	}},
	{"A store of a newer schema is refused", func(t *testing.T, e storeEnv) {
		q := `UPDATE sovbench_schema SET version = 99`
		if e.kind.sqlite {
			q = `PRAGMA user_version = 99`
		}
		if _, err := dbOf(e.st).Exec(q); err != nil {
			t.Fatal(err)
		}
		_, err := OpenStore(context.Background(), e.dsn, StoreOptions{})
		if err == nil || !strings.Contains(err.Error(), "at version 99, newer than this sovbench knows") {
			t.Fatalf("got %v, want a refusal naming version 99", err)
		}
	}},
}

// testReport is a report with two verdicts and one target.
func testReport(runID string) *results.Report {
	now := time.Now().UTC()
	return &results.Report{Schema: results.Schema, RunID: runID, Started: now, Ended: now, Status: results.RunComplete,
		Suite:    results.SuiteRef{Name: "fleet-host", SHA256: "ab"},
		Provider: results.Provider{Name: "acme"},
		Targets:  []results.Target{{Name: "host", Kind: "agent", Address: "web-1"}},
		Verdicts: []results.Verdict{
			{Claim: "operator.not_in", Params: "[Amazon]", Target: "host", Status: results.StatusPass, Require: results.RequirePass, Reason: "acme"},
			{Claim: "hypervisor.present", Params: "false", Target: "host", Status: results.StatusFail, Require: results.RequirePass, Reason: "kvm"},
		}}
}

func testRunIndexed(t *testing.T, e storeEnv) {
	ctx := context.Background()
	path := filepath.Join(e.dir, "run-1.json")
	if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second replaces the first
		if err := e.st.AddRun(ctx, path, testReport("run-1")); err != nil {
			t.Fatal(err)
		}
	}
	var runs, verdicts, fails int
	if e.kind.sqlite {
		rr, err := e.index.Runs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		runs = len(rr)
		for _, r := range rr {
			verdicts, fails = verdicts+len(r.Verdicts), fails+r.Fail
		}
	} else {
		db := dbOf(e.st)
		db.QueryRow(`SELECT COUNT(*), SUM(n_fail) FROM runs WHERE run_id = 'run-1' AND NOT satisfied`).Scan(&runs, &fails)
		db.QueryRow(`SELECT COUNT(*) FROM verdicts WHERE run_id = 'run-1'`).Scan(&verdicts)
	}
	if runs != 1 || verdicts != 2 || fails != 1 {
		t.Fatalf("indexed %d runs, %d verdicts, %d failed; want 1, 2, 1", runs, verdicts, fails)
	}
}

// TestStores runs every store case against both stores, then the service
// end to end on PostgreSQL with the same server.
func TestStores(t *testing.T) {
	pg := pgtest.Start(t)
	for _, kind := range []storeKind{sqliteKind, pgKind(pg)} {
		t.Run(kind.name, func(t *testing.T) {
			for _, tc := range append(storeCases, identityCases...) {
				t.Run(tc.name, func(t *testing.T) {
					dir := t.TempDir()
					x, err := store.OpenIndex(context.Background(), dir)
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { x.Close() })
					dsn := kind.dsn(t, dir)
					tc.run(t, storeEnv{kind: kind, dsn: dsn, st: kind.reopen(t, dsn, x), index: x, dir: dir})
				})
			}
		})
	}
	t.Run("A unix-socket URL opens the PostgreSQL store", func(t *testing.T) { testSocketURL(t, pg) })
	t.Run("The service on PostgreSQL enrols an agent and indexes its submission", func(t *testing.T) { testServeOnPostgreSQL(t, pg) })
}
