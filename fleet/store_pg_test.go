package fleet

import (
	"context"
	"database/sql"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/fleet/pgtest"
)

// TestPostgreSQLStoreFailsInTime needs no PostgreSQL: a loopback listener
// that accepts and never answers stands in for a hung server.
func TestPostgreSQLStoreFailsInTime(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	dsn := "postgres://sovbench:hunter2@" + ln.Addr().String() + "/fleet?sslmode=disable"
	began := time.Now()
	_, err = OpenStore(context.Background(), dsn, StoreOptions{Timeout: 300 * time.Millisecond})
	took := time.Since(began)
	t.Run("opening a store on a server that never answers gives up at the store's deadline", func(t *testing.T) {
		if err == nil || took > 10*time.Second {
			t.Fatalf("got %v after %v; want an error at the deadline", err, took)
		}
	})
	t.Run("the error does not repeat the URL's password", func(t *testing.T) {
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("error %v", err)
		}
	})
}

// testSocketURL opens a store over pg's unix socket (TestStores runs it).
func testSocketURL(t *testing.T, pg *pgtest.Server) {
	st, err := OpenStore(context.Background(), pg.SocketURL("postgres"), StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tok, err := st.IssueToken(context.Background(), Token{TTL: time.Hour})
	if err == nil {
		_, _, err = st.Enrol(context.Background(), tok, "web-1")
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestSQLiteStoreFromBeforeSchemaVersions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fleet.sqlite")
	old, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = old.Exec(sqliteSchema[0]) // what OpenStore created before versions
	if err == nil {
		_, err = old.Exec(`INSERT INTO enrol_tokens (hash, expires) VALUES (?, ?)`, hashHex("sbt_old"), time.Now().Add(time.Hour).Unix())
	}
	old.Close()
	if err != nil {
		t.Fatal(err)
	}
	st, err := OpenStore(ctx, path, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var v int
	dbOf(st).QueryRow(`PRAGMA user_version`).Scan(&v)
	if _, _, err := st.Enrol(ctx, "sbt_old", "web-1"); err != nil || v != len(sqliteSchema) {
		t.Fatalf("enrolling with the old token: %v; schema version %d, want %d", err, v, len(sqliteSchema))
	}
}
