package fleet

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/sovbench/sovbench/results"
	"github.com/sovbench/sovbench/results/store"
)

// ErrForbidden is returned for a wrong, used or expired enrolment token and
// for an unknown agent credential. It says nothing more, on purpose.
var ErrForbidden = errors.New("credential not accepted")

// ErrRevoked is returned for an agent that was revoked (Store.Revoke),
// once its credential or certificate has been checked.
var ErrRevoked = errors.New("agent revoked")

// ErrNoAgent is returned by Store.Revoke for an id no agent has.
var ErrNoAgent = errors.New("no such agent")

// DefaultStoreTimeout bounds every store operation (StoreOptions.Timeout).
const DefaultStoreTimeout = 10 * time.Second

// Store is what the verifier keeps between requests: enrolment tokens,
// enrolled agents and their credentials, the run index and every agent's
// latest run. Secrets are stored only as SHA-256 hashes. OpenStore returns
// one of its two implementations, SQLite (one file, for one verifier) or
// PostgreSQL (for large fleets, or several verifiers sharing one database);
// the interface is sealed, so it has no others.
type Store interface {
	// IssueToken creates a single-use enrolment token valid for ttl and
	// returns it; only its hash is stored, so this is the one time it can
	// be read.
	IssueToken(ctx context.Context, ttl time.Duration) (string, error)
	// Enrol spends an enrolment token and registers an agent called name.
	// It returns the agent and its credential ("<agent id>.<secret>"),
	// which the agent presents on every later call. A token is spent at
	// most once, however many enrolments race for it.
	Enrol(ctx context.Context, token, name string) (Agent, string, error)
	// Authenticate checks an agent credential: ErrForbidden if it is not
	// one, ErrRevoked if its agent was revoked.
	Authenticate(ctx context.Context, cred string) (Agent, error)
	// Active returns the agent with this id, which a verified client
	// certificate names: ErrForbidden if there is none, ErrRevoked if it
	// was revoked.
	Active(ctx context.Context, id string) (Agent, error)
	// Revoke revokes an agent: from then on neither its credential nor its
	// client certificate is accepted, on every verifier sharing the store.
	// Revoking it again keeps the first time. ErrNoAgent if there is none.
	Revoke(ctx context.Context, id string) (AgentRecord, error)
	// Agents lists the enrolled agents, oldest first.
	Agents(ctx context.Context) ([]AgentRecord, error)
	// AddRun indexes the report r, stored at path.
	AddRun(ctx context.Context, path string, r *results.Report) error
	// Close closes the store.
	Close() error

	saveLatest(ctx context.Context, suite, agent string, l latestRun) error
	loadLatest(ctx context.Context) (map[probeKey]latestRun, error)
}

// Agent is an enrolled agent.
type Agent struct {
	ID   string
	Name string
}

// AgentRecord is an agent as the store keeps it.
type AgentRecord struct {
	Agent
	Enrolled time.Time
	Revoked  time.Time // zero: active
}

// StoreOptions configures OpenStore.
type StoreOptions struct {
	// Index is the results directory's report index. The SQLite store adds
	// every run to it (nil: runs are not indexed); the PostgreSQL store
	// keeps its runs in its own tables and must not be given one.
	Index *store.Index
	// Timeout bounds every store operation, connecting included;
	// 0: DefaultStoreTimeout.
	Timeout time.Duration
}

// IsPostgresURL says whether dsn names a PostgreSQL database
// ("postgres://…" or "postgresql://…") rather than an SQLite file.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// OpenStore opens (creating, or migrating to the current schema) the store
// that dsn names: a "postgres://" or "postgresql://" URL is a PostgreSQL
// database, anything else the path of an SQLite file.
func OpenStore(ctx context.Context, dsn string, opts StoreOptions) (Store, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultStoreTimeout
	}
	if IsPostgresURL(dsn) {
		if opts.Index != nil {
			return nil, errors.New("opening store: a PostgreSQL store indexes runs itself; give it no results index")
		}
		return openPostgres(ctx, dsn, opts.Timeout)
	}
	return openSQLite(ctx, dsn, opts)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand panics rather)
	return hex.EncodeToString(b)
}

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
