package fleet

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// identityCases are the store cases of one agent, one identity: names are
// unique, a token binds what the operator decided, a name changes hands
// only by an explicit replacement.
var identityCases = []struct {
	name string
	run  func(t *testing.T, e storeEnv)
}{
	{"A name another agent holds is refused, in any case, and the token stays unspent", func(t *testing.T, e storeEnv) {
		ctx := context.Background()
		first := enrolAs(t, e.st, Token{TTL: time.Hour}, "web")
		tok, _ := e.st.IssueToken(ctx, Token{TTL: time.Hour})
		for _, name := range []string{"web", "WEB", "Web"} {
			if _, _, err := e.st.Enrol(ctx, tok, name); !errors.Is(err, ErrNameTaken) {
				t.Fatalf("enrolling as %s beside %s: %v, want ErrNameTaken", name, first.ID, err)
			}
		}
		if _, _, err := e.st.Enrol(ctx, tok, "web-2"); err != nil {
			t.Fatalf("the token after a refused name: %v, want it unspent", err)
		}
		p, err := e.st.probeTarget(ctx, "s", "web")
		if err != nil || p.agent.ID != first.ID {
			t.Fatalf("the name web answers for %+v, %v; want the first agent %s", p.agent, err, first.ID)
		}
	}},
	{"Of many tokens racing for one name, exactly one enrols", func(t *testing.T, e storeEnv) {
		ctx := context.Background()
		const racers = 12
		toks := make([]string, racers)
		for i := range toks {
			toks[i], _ = e.st.IssueToken(ctx, Token{TTL: time.Hour})
		}
		errs := make([]error, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() { _, _, errs[i] = e.st.Enrol(ctx, toks[i], "clone") })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, ErrNameTaken):
				t.Errorf("enrolment failed otherwise than name taken: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d enrolments under one name succeeded, want 1", ok)
		}
	}},
	{"A token binds the name and target the operator chose, whatever the agent asks", func(t *testing.T, e storeEnv) {
		a := enrolAs(t, e.st, Token{TTL: time.Hour, Name: "db-1", Target: "db"}, "web")
		if a.Name != "db-1" || a.Target != "db" {
			t.Fatalf("enrolled %+v, want name db-1 bound to target db", a)
		}
		if _, err := e.st.IssueToken(context.Background(), Token{TTL: time.Hour, Name: "DB-1"}); !errors.Is(err, ErrNameTaken) {
			t.Fatalf("a token binding a held name: %v, want ErrNameTaken at issue", err)
		}
		for _, bad := range []Token{{Name: "bad\x1b[2J"}, {Target: "a\u202eb"}, {Replaces: "web"}, {Name: "ag_0123"}} {
			if _, err := e.st.IssueToken(context.Background(), bad); err == nil {
				t.Errorf("token %+v issued, want it refused", bad)
			}
		}
	}},
	{"Only an operator's replacement passes a name on: the old agent is revoked, once", func(t *testing.T, e storeEnv) {
		ctx := context.Background()
		old := enrolAs(t, e.st, Token{TTL: time.Hour, Target: "web"}, "web-1")
		t1, err := e.st.IssueToken(ctx, Token{TTL: time.Hour, Replaces: old.ID})
		if err != nil {
			t.Fatal(err)
		}
		t2, _ := e.st.IssueToken(ctx, Token{TTL: time.Hour, Replaces: old.ID})
		repl, _, err := e.st.Enrol(ctx, t1, "ignored")
		if err != nil || repl.Name != "web-1" || repl.Target != "web" || repl.ID == old.ID {
			t.Fatalf("replacement enrolled %+v, %v; want a new ID named web-1 bound to web", repl, err)
		}
		if _, err := e.st.Active(ctx, old.ID); !errors.Is(err, ErrRevoked) {
			t.Fatalf("the replaced agent: %v, want ErrRevoked", err)
		}
		if _, _, err := e.st.Enrol(ctx, t2, "x"); !errors.Is(err, ErrReplaced) {
			t.Fatalf("a second replacement of one agent: %v, want ErrReplaced", err)
		}
		if _, err := e.st.IssueToken(ctx, Token{TTL: time.Hour, Replaces: old.ID}); !errors.Is(err, ErrReplaced) {
			t.Fatalf("issuing a third: %v, want ErrReplaced", err)
		}
		if _, err := e.st.IssueToken(ctx, Token{TTL: time.Hour, Replaces: "ag_0000000000000000"}); !errors.Is(err, ErrNoAgent) {
			t.Fatalf("replacing nobody: %v, want ErrNoAgent", err)
		}
		byName, _ := e.st.probeTarget(ctx, "s", "web-1")
		byOld, _ := e.st.probeTarget(ctx, "s", old.ID)
		if byName.agent.ID != repl.ID || byOld.agent.ReplacedBy != repl.ID {
			t.Fatalf("web-1 names %s and %s is replaced by %q; want %s for both", byName.agent.ID, old.ID, byOld.agent.ReplacedBy, repl.ID)
		}
	}},
	{"A store made before names were unique keeps the oldest holder on a shared name", testLegacyNames},
	{"SQLite store files are readable by their owner only", func(t *testing.T, e storeEnv) {
		if !e.kind.sqlite {
			t.Skip("PostgreSQL keeps no files here")
		}
		enrolAs(t, e.st, Token{TTL: time.Hour}, "web-1") // writes the WAL
		for _, p := range []string{e.dsn, e.dsn + "-wal", e.dsn + "-shm"} {
			fi, err := os.Stat(p)
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: %v, %v; want mode 0600", p, fi.Mode(), err)
			}
		}
	}},
}

// enrolAs enrols an agent under name with a fresh token binding t.
func enrolAs(t *testing.T, st Store, tok Token, name string) Agent {
	t.Helper()
	s, err := st.IssueToken(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := st.Enrol(context.Background(), s, name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// testLegacyNames builds a store at schema version 2 (names not unique,
// latest runs by name) where two agents share "web", then opens it.
func testLegacyNames(t *testing.T, e storeEnv) {
	ctx := context.Background()
	dsn := e.kind.dsn(t, t.TempDir())
	db, steps, v := rawStore(t, e.kind, dsn)
	if err := migrate(ctx, db, steps[:2], v); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO agents (id, name, key_hash, enrolled) VALUES ('ag_old', 'web', 'x', 1), ('ag_new', 'web', 'y', 2), ('ag_db', 'db', 'z', 3)`,
		`INSERT INTO latest (suite, agent, run_id, ended, ok, verdicts) VALUES ('s', 'web', 'r1', 1, TRUE, '[]'), ('s', 'db', 'r2', 1, TRUE, '[]')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	st := e.kind.reopen(t, dsn, e.index)
	web, err := st.probeTarget(ctx, "s", "web")
	if err != nil || web.agent.ID != "ag_old" || web.run.runID != "" || web.agent.Target != "web" {
		t.Fatalf("web after migration: %+v, %v; want ag_old bound to web, its shared-name run dropped", web, err)
	}
	young, _ := st.probeTarget(ctx, "s", "ag_new")
	dbAgent, _ := st.probeTarget(ctx, "s", "db")
	if !young.agent.SharedName || young.agent.Target != "" || dbAgent.run.runID != "r2" || dbAgent.agent.Target != "db" {
		t.Fatalf("after migration: ag_new %+v, db %+v; want ag_new marked shared and unbound, db's run kept", young.agent, dbAgent)
	}
	if _, err := st.IssueToken(ctx, Token{TTL: time.Hour, Name: "web"}); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("web after migration: %v, want it held", err)
	}
}

// rawStore opens the database at dsn without migrating it.
func rawStore(t *testing.T, k storeKind, dsn string) (*sql.DB, schemaSteps, versioning) {
	t.Helper()
	if k.sqlite {
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			t.Fatal(err)
		}
		return db, sqliteSchema, sqliteVersioning
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return stdlib.OpenDB(*cfg), pgSchema, pgVersioning
}
