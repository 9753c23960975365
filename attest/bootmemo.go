package attest

import (
	"bytes"
	"hash/maphash"
	"slices"
	"sync"
)

// Bounds of the boot memo: logs larger than memoMaxLog are never kept, and
// at most memoEntries logs are (an agent submitting new logs at will can
// only make the memo forget, never grow).
const (
	memoMaxLog  = 256 << 10
	memoEntries = 128
)

// bootMemo remembers the outcome of replaying an event log: the replay and
// the secure-boot state are a function of the log's bytes and of the values
// of the PCRs it extends alone, so a log seen before with the same values of
// those PCRs has the same outcome. Entries are found by a keyed hash of the
// quoted PCR values (cheaper than hashing the log, and as distinctive: a
// log is what made them) and matched on the whole log and every PCR value
// the outcome rests on, so a collision or a changed byte only misses. Only
// successful replays are kept. An entry's secure-boot state is read at most
// once, from the entry's own copy of the log, and shared by its hits.
// Safe for concurrent use.
type bootMemo struct {
	mu   sync.Mutex
	seed maphash.Seed
	m    map[uint64]*bootEntry
}

type bootEntry struct {
	log  []byte
	pcrs PCRValues // the values of the PCRs the log extends
	st   BootState
}

// boots is the process's memo.
var boots = &bootMemo{seed: maphash.MakeSeed(), m: map[uint64]*bootEntry{}}

// get returns a copy of the remembered state for log against pcrs, or nil.
func (b *bootMemo) get(log []byte, pcrs *PCRValues) *BootState {
	if len(log) > memoMaxLog {
		return nil
	}
	h := b.key(pcrs)
	b.mu.Lock()
	e := b.m[h]
	b.mu.Unlock()
	if e == nil || !bytes.Equal(e.log, log) || e.pcrs != pcrs.only(e.pcrs.set) {
		return nil
	}
	st := e.st
	st.PCRs = slices.Clone(st.PCRs)
	return &st
}

// put remembers st, the outcome of a successful replay of log against pcrs.
func (b *bootMemo) put(log []byte, pcrs *PCRValues, st *BootState) {
	if len(log) > memoMaxLog || st == nil {
		return
	}
	var mask uint32
	for _, i := range st.PCRs {
		mask |= 1 << i
	}
	e := &bootEntry{log: slices.Clone(log), pcrs: pcrs.only(mask), st: *st}
	e.st.PCRs = slices.Clone(st.PCRs)
	if st.sb != nil { // the entry's own reader, on the entry's own copy of the log
		e.st.sb = newLazyBoot(e.log, pcrs, e.st.PCRs, st.sb.ga)
	}
	h := b.key(pcrs)
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.m) >= memoEntries {
		for k := range b.m { // forget one, any one
			delete(b.m, k)
			break
		}
	}
	b.m[h] = e
}

// key hashes the PCR values and which PCRs hold them.
func (b *bootMemo) key(pcrs *PCRValues) uint64 {
	return maphash.Comparable(b.seed, *pcrs)
}
