package fleet

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/sovbench/sovbench/fleet/api"

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

// ErrNameTaken is returned by Store.Enrol when another agent holds the
// name (names are unique per store, regardless of case; a revoked agent
// keeps its name until an operator replaces it, see Token.Replaces). The
// token is not spent.
var ErrNameTaken = errors.New("agent name taken by another agent")

// ErrReplaced is returned by Store.Enrol for a token that replaces an agent
// which another enrolment has replaced already. The token is not spent.
var ErrReplaced = errors.New("the agent this token replaces was replaced already")

// DefaultStoreTimeout bounds every store operation (StoreOptions.Timeout).
const DefaultStoreTimeout = 10 * time.Second

// Store is what the verifier keeps between requests: enrolment tokens,
// enrolled agents and their credentials, the run index and every agent's
// latest run. Secrets are stored only as SHA-256 hashes. OpenStore returns
// one of its two implementations, SQLite (one file, for one verifier) or
// PostgreSQL (for large fleets, or several verifiers sharing one database);
// the interface is sealed, so it has no others.
type Store interface {
	// IssueToken creates a single-use enrolment token with what t binds
	// and returns it; only its hash is stored, so this is the one time it
	// can be read.
	IssueToken(ctx context.Context, t Token) (string, error)
	// Enrol spends an enrolment token and registers an agent under a new
	// ID, named as the token binds or else name (api.CheckName), bound to
	// the token's target. It returns the agent and its credential
	// ("<agent id>.<secret>"), which the agent presents on every later
	// call. A token is spent at most once, however many enrolments race
	// for it; an enrolment refused for its name (ErrNameTaken) or its
	// replacement (ErrReplaced) leaves it unspent.
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
	// Agents lists the enrolled agents, oldest first, revoked and
	// replaced ones included.
	Agents(ctx context.Context) ([]AgentRecord, error)
	// AddRun indexes the report r, stored at path.
	AddRun(ctx context.Context, path string, r *results.Report) error
	// Close closes the store.
	Close() error

	// addRuns indexes runs whose reports are in place and records each as
	// its agent's latest on its suite, durably, in one transaction where
	// the store has one database.
	addRuns(ctx context.Context, runs []storedRun) error
	// revokedAmong reads the agents ids from the store itself (no cache)
	// and returns, by ID, why each that may no longer submit may not: its
	// revocation (ErrRevoked) or its absence (ErrForbidden).
	revokedAmong(ctx context.Context, ids []string) (map[string]error, error)
	// saveLatest records run l as the latest of agent agentID on suite.
	saveLatest(ctx context.Context, suite, agentID string, l latestRun) error
	// probeTarget finds the agent a /probe target names (its ID, or the
	// name an agent not replaced holds) and its latest run on suite.
	probeTarget(ctx context.Context, suite, target string) (probeRecord, error)
	// latestRuns lists every agent's latest run on every suite.
	latestRuns(ctx context.Context) ([]agentRun, error)
}

// Agent is an enrolled agent: its identity is the ID the store issued; its
// name is a unique label for people; Target is the suite target the
// verifier bound it to ("" for none: it runs single-target suites).
type Agent struct {
	ID     string
	Name   string
	Target string
}

// AgentRecord is an agent as the store keeps it.
type AgentRecord struct {
	Agent
	Enrolled time.Time
	Revoked  time.Time // zero: active
	// ReplacedBy is the ID of the agent that replaced this one
	// (Token.Replaces); a replaced agent is revoked and its name free.
	ReplacedBy string
	// SharedName marks an agent enrolled, before names were unique,
	// under a name an older agent held: that one answers for the name.
	SharedName bool
}

// Token is what an enrolment token binds. The operator decides it when
// issuing the token ("sovbench serve token"); the agent enrolling with it
// cannot change it.
type Token struct {
	// TTL is how long the token can be used.
	TTL time.Duration
	// Name, if set, is the name the agent gets, whatever it asks for.
	Name string
	// Target, if set, is the suite target the agent answers for; unset,
	// the agent runs only suites with a single target.
	Target string
	// Replaces, if set, is the ID of an agent the new one replaces: on
	// enrolment that agent is revoked and marked replaced, and the new one
	// takes its name (unless Name is set) and its target (unless Target
	// is set). This is the one way to reuse a name.
	Replaces string
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

// MaxTargetLen bounds a target name a token binds.
const MaxTargetLen = 128

// Check refuses a token whose bindings could not be honoured or printed.
func (t Token) Check() error {
	if t.Name != "" {
		if err := api.CheckName(t.Name); err != nil {
			return fmt.Errorf("token name: %w", err)
		}
	}
	if len(t.Target) > MaxTargetLen || strings.HasPrefix(t.Target, "-") || strings.IndexFunc(t.Target, func(r rune) bool { return !unicode.IsPrint(r) || r == ' ' }) >= 0 {
		return fmt.Errorf("token target %s: want at most %d printable characters without spaces", api.Escape(t.Target), MaxTargetLen)
	}
	if t.Replaces != "" && !strings.HasPrefix(t.Replaces, api.AgentIDPrefix) {
		return fmt.Errorf("token replaces %s: not an agent ID (%s…)", api.Escape(t.Replaces), api.AgentIDPrefix)
	}
	return nil
}
