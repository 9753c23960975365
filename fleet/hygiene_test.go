package fleet

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sovbench/sovbench/fleet/api"
	"github.com/sovbench/sovbench/results/store"
)

// post sends body as is to path with the credential cred ("" for none)
// and returns the refusal code ("" for 200).
func (ts *testServer) post(t *testing.T, path, cred, body string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.http.URL+path, strings.NewReader(body))
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	resp, err := ts.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return ""
	}
	var e api.Error
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("%s answered %d %q, not an api.Error", path, resp.StatusCode, data)
	}
	return e.Code
}

func TestInputHygiene(t *testing.T) {
	ctx := context.Background()
	ts := newTestServer(t)
	t.Run("names a terminal, a table or a log would interpret are refused", func(t *testing.T) {
		for _, name := range []string{"web\x1b[2J", "\x1b]0;owned\x07", "a\u202eb", "web\u200b", "wеb" /* Cyrillic е */, "web\n| fake | row |", strings.Repeat("a", 60000), "ag_0123456789abcdef", ""} {
			tok, _ := ts.store.IssueToken(ctx, Token{TTL: time.Hour})
			_, err := ts.client(t).Enrol(ctx, tok, name)
			refusal(t, err, api.CodeBadName)
		}
	})
	tok, _ := ts.store.IssueToken(ctx, Token{TTL: time.Hour})
	for _, tc := range []struct{ what, body string }{
		{"trailing JSON after the object", `{"token":"` + tok + `","name":"a"}{"name":"b"}`},
		{"a duplicate key", `{"token":"` + tok + `","name":"a","name":"b"}`},
		{"a case-folded duplicate key", `{"token":"` + tok + `","name":"a","Name":"b"}`},
		{"an unknown field", `{"token":"` + tok + `","name":"a","admin":true}`},
	} {
		t.Run("an enrolment with "+tc.what+" is refused", func(t *testing.T) {
			if code := ts.post(t, "/v1/enrol", "", tc.body); code != api.CodeBadRequest {
				t.Fatalf("got %q, want %s", code, api.CodeBadRequest)
			}
		})
	}
	t.Run("the token survives the refused bodies", func(t *testing.T) {
		if code := ts.post(t, "/v1/enrol", "", `{"token":"`+tok+`","name":"strict"}`); code != "" {
			t.Fatalf("got %q", code)
		}
	})
	c, _ := ts.enrolWith(t, Token{}, "flooder")
	t.Run("a submission with a duplicate key is refused", func(t *testing.T) {
		n := mustNonce(t, c)
		if code := ts.post(t, "/v1/submit", c.Credential, `{"suite":"fleet-host","nonce":"`+n+`","suite":"fleet-lenient","evidence":[]}`); code != api.CodeBadRequest {
			t.Fatalf("got %q, want %s", code, api.CodeBadRequest)
		}
	})
	t.Run("a nonce flood is refused past the per-agent cap", func(t *testing.T) {
		held := 1 // the nonce of the refused submission is still outstanding
		var err error
		for range DefaultMaxNonces + 5 {
			if _, err = c.Nonce(ctx, "fleet-host"); err != nil {
				break
			}
			held++
		}
		refusal(t, err, api.CodeTooManyNonces)
		if held != DefaultMaxNonces {
			t.Errorf("refused with %d outstanding, want %d", held, DefaultMaxNonces)
		}
	})
	t.Run("another agent is not held back by the flooder", func(t *testing.T) {
		other, _ := ts.enrolWith(t, Token{}, "quiet")
		mustNonce(t, other)
	})
	// 900 KB of empty evidence records: encoding/json would take about 370
	// times that (red team, session 7); the budget is 32 times plus 1 MiB.
	t.Run("a submission whose records would take gigabytes is refused", func(t *testing.T) {
		bomber, _ := ts.enrolWith(t, Token{}, "bomber")
		n := mustNonce(t, bomber)
		body := `{"suite":"fleet-host","nonce":"` + n + `","evidence":[` + strings.Repeat(`{},`, 300_000) + `{}]}`
		if code := ts.post(t, "/v1/submit", bomber.Credential, body); code != api.CodeBadRequest {
			t.Fatalf("got %q, want %s", code, api.CodeBadRequest)
		}
		honest := `{"suite":"fleet-host","nonce":"` + n + `","evidence":[` + strings.Repeat(`{"id":"e","probe":"p","target":"t"},`, 10) + `{}]}`
		if code := ts.post(t, "/v1/submit", bomber.Credential, honest); code == api.CodeBadRequest {
			t.Fatalf("a small submission of the same shape was refused as a bad request")
		}
	})
}

func TestSlowBodyIsCutOff(t *testing.T) {
	ts := newTestServer(t)
	conn, err := tls.Dial("tcp", ts.http.Listener.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Declare 100 bytes, send 10, then nothing.
	io.WriteString(conn, "POST /v1/enrol HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"token\":")
	conn.SetReadDeadline(time.Now().Add(bodyDeadline(100) + 20*time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	defer resp.Body.Close()
	var e api.Error
	json.NewDecoder(resp.Body).Decode(&e)
	if resp.StatusCode != http.StatusRequestTimeout || e.Code != api.CodeSlowBody {
		t.Fatalf("got %d %q, want 408 %s", resp.StatusCode, e.Code, api.CodeSlowBody)
	}
}

func TestConnectionLimit(t *testing.T) {
	ts := newTestServer(t)
	ts.cfg.MaxConns = 2
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: ts.Handler(), ReadHeaderTimeout: time.Minute}
	go hs.Serve(ts.Listener(raw))
	t.Cleanup(func() { hs.Close() })
	addr := raw.Addr().String()
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		io.WriteString(c, "GET /probe HTTP/1.1\r\nHost: x\r\n") // headers never finished
		held = append(held, c)
	}
	third, err := net.Dial("tcp", addr) // the kernel accepts it; the service does not
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	io.WriteString(third, "GET /probe HTTP/1.1\r\nHost: x\r\n\r\n")
	third.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	br := bufio.NewReader(third)
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("a third connection was served beside two held ones (limit 2)")
	}
	held[0].Close()
	third.SetReadDeadline(time.Now().Add(30 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("the third connection after one closed: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest { // /probe without a suite
		t.Fatalf("got %d, want 400", resp.StatusCode)
	}
}

// The results index the service writes (run index, verdicts, agent
// names) is readable by its owner only, WAL included, also when an older
// sovbench left it world-readable.
func TestTheResultsIndexIsPrivate(t *testing.T) {
	ts := newTestServer(t)
	satisfiedRun(t, ts.enrolled(t, "private-host"))
	old := t.TempDir()
	if err := os.WriteFile(filepath.Join(old, store.IndexName), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(old, "r.json"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	x, err := store.OpenIndex(context.Background(), old)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if err := x.Add(context.Background(), filepath.Join(old, "r.json"), testReport("run-old")); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{ts.dir, old} {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			p := filepath.Join(dir, store.IndexName+suffix)
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: %v, %v; want mode 0600", p, fi.Mode(), err)
			}
		}
	}
}
