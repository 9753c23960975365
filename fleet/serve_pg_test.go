package fleet

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/fleet/agent"
	"github.com/sovbench/sovbench/fleet/pgtest"
	"github.com/sovbench/sovbench/scenarios/plan"
)

// testServeOnPostgreSQL is the service end to end over HTTPS with its
// store in pg (TestStores runs it, sharing one server): an agent enrols,
// submits, and the run lands in PostgreSQL; a restarted verifier still
// knows the agent and its latest verdicts.
func testServeOnPostgreSQL(t *testing.T, pg *pgtest.Server) {
	ctx := context.Background()
	dsn := pg.Fresh(t)
	kind := pgKind(pg)
	kind.dsn = func(testing.TB, string) string { return dsn }
	ts := newTestServerWith(t, "testdata", kind)
	tok, err := ts.store.IssueToken(ctx, Token{TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	c := ts.client(t)
	credPath := filepath.Join(t.TempDir(), "agent.json")
	if err := c.EnsureEnrolled(ctx, credPath, tok, "web-1"); err != nil {
		t.Fatal(err)
	}
	resp, err := agent.RunOnce(ctx, c, "fleet-host", plan.Env{})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("the run and its verdicts are in PostgreSQL", func(t *testing.T) {
		var suite, path string
		var verdicts int
		db := dbOf(ts.store)
		err := db.QueryRowContext(ctx, `SELECT suite, path FROM runs WHERE run_id = $1`, resp.RunID).Scan(&suite, &path)
		if err == nil {
			err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM verdicts WHERE run_id = $1`, resp.RunID).Scan(&verdicts)
		}
		if err != nil || suite != "fleet-host" || !strings.HasSuffix(path, ".json") || verdicts != len(resp.Verdicts) {
			t.Fatalf("run %s: suite %q, path %q, %d verdicts, %v; want fleet-host, its report file, %d verdicts",
				resp.RunID, suite, path, verdicts, err, len(resp.Verdicts))
		}
	})
	t.Run("the same token does not enrol a second agent", func(t *testing.T) {
		_, err := ts.client(t).Enrol(ctx, tok, "web-2")
		refusal(t, err, "forbidden")
	})
	t.Run("a verifier restarted on the same database knows the agent and its verdicts", func(t *testing.T) {
		again := newTestServerWith(t, "testdata", kind)
		c2 := again.client(t)
		c2.Credential = c.Credential
		if _, err := c2.Plan(ctx, "fleet-host"); err != nil {
			t.Fatalf("saved credential refused after restart: %v", err)
		}
		body := get(t, again.http.Client(), again.http.URL+"/probe?suite=fleet-host&target=web-1")
		if !strings.Contains(body, resp.RunID) {
			t.Errorf("/probe after restart lacks run %s:\n%s", resp.RunID, body)
		}
	})
}
