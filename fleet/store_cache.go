package fleet

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Agent lookups and their cache.
const (
	// agentCacheTTL is how long Authenticate and Active answer for an
	// active agent from memory. A revocation made through another process
	// or verifier sharing the store reaches them within it; the runs of a
	// revoked agent are refused at once all the same, because every group
	// commit asks the store itself (Store.revokedAmong) before writing.
	// A revocation through this store object applies at once everywhere.
	agentCacheTTL = 10 * time.Second
	// maxCachedAgents bounds the cache; a full cache is emptied.
	maxCachedAgents = 1 << 16
)

// agentCache keeps the records of active agents read recently, by ID, with
// their credential hashes. Revoked agents are never kept.
type agentCache struct {
	mu    sync.Mutex
	m     map[string]cachedAgent
	epoch uint64 // counts invalidations: a read that began before one is not kept
}

type cachedAgent struct {
	rec     AgentRecord
	keyHash string
	read    time.Time
}

// get returns agent id's record if a fresh one is kept, and the epoch a
// read from the store must present to put its result.
func (c *agentCache) get(id string) (cachedAgent, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.m[id]
	if ok && time.Since(a.read) < agentCacheTTL {
		return a, true, c.epoch
	}
	return cachedAgent{}, false, c.epoch
}

// put keeps an active agent's record read at epoch, unless an invalidation
// came since.
func (c *agentCache) put(a cachedAgent, epoch uint64) {
	if a.rec.revokedErr() != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epoch {
		return
	}
	if c.m == nil || len(c.m) >= maxCachedAgents {
		c.m = map[string]cachedAgent{}
	}
	c.m[a.rec.ID] = a
}

// forget drops agent id (revoked or replaced through this store).
func (c *agentCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	delete(c.m, id)
}

// cachedAgent is agent, answered from the cache while fresh.
func (s *sqlStore) cachedAgent(ctx context.Context, id string) (AgentRecord, string, error) {
	c, ok, epoch := s.cache.get(id)
	if ok {
		return c.rec, c.keyHash, nil
	}
	a, keyHash, err := s.agent(ctx, id)
	if err == nil {
		s.cache.put(cachedAgent{rec: a, keyHash: keyHash, read: time.Now()}, epoch)
	}
	return a, keyHash, err
}

// revokedAmong implements Store: one query for the agents of a batch, read
// from the store itself (never the cache), so that a revocation committed
// by any verifier before a group commit begins stops its runs.
func (s *sqlStore) revokedAmong(ctx context.Context, ids []string) (map[string]error, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := s.rebind(`SELECT ` + agentColumns + ` FROM agents WHERE id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("checking %d agents: %w", len(ids), err)
	}
	defer rows.Close()
	out := map[string]error{}
	seen := map[string]bool{}
	for rows.Next() {
		a, err := scanAgent(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("checking %d agents: %w", len(ids), err)
		}
		seen[a.ID] = true
		if err := a.revokedErr(); err != nil {
			out[a.ID] = err
			s.cache.forget(a.ID)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("checking %d agents: %w", len(ids), err)
	}
	for _, id := range ids {
		if !seen[id] {
			out[id] = fmt.Errorf("%w: no agent %s", ErrForbidden, id)
		}
	}
	return out, nil
}
