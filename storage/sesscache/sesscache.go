// Package sesscache is the session store's in-process cache: a bounded LRU
// of decoded sessions, never the source of truth.
//
// With SessionsOptions.CacheSize > 0, storage.Sessions keeps the last state of the
// most recently used sessions in process, decoded, and Load serves them from
// there without a round trip. Correctness never depends on the cache, also
// with several replicas on one Redis, each with its own cache:
//
//   - A cached entry may be stale: another replica (or process) saved,
//     deleted or let the session expire since. storage.Sessions.Save's compare-and-set then
//     refuses the decision made on it with domain.ErrConflict and evicts
//     the entry; the caller reloads (now from Redis) and decides again, as
//     for any lost race. Nothing stale is ever written.
//   - The version alone could repeat: a session erased or expired and begun
//     anew reaches the same version number again. So each save also writes
//     a fresh random write tag, the cache remembers the tag with the
//     session, and Save sends it along: an entry passes the compare-and-set
//     only if it is exactly the state stored in Redis. (Without a cache, or
//     when the entry was evicted between Load and Save, Save checks the
//     version alone, as a store without a cache does.)
//   - What the cache cannot check is a decision that writes nothing. A
//     caller that acts on a loaded session without saving it (an update the
//     engine leaves unchanged, a read-only command, a stale button) may act
//     on an old state, because no compare-and-set looks at it. Such a
//     caller calls LoadFresh, which always reads Redis, before it answers.
package sesscache

import (
	"container/list"
	"sync"
	"sync/atomic"

	"github.com/intakebot/intakebot/dialog"
)

// Cache is a bounded LRU of decoded sessions by session key. It saves
// the HMGET, the decryption and the JSON decoding of a Load; it is never the
// source of truth (see Sessions). A nil *Cache is an empty cache that
// keeps nothing, so the store needs no "if cached" branches.
//
// Cached sessions are never changed in place: put stores a deep copy and get
// hands out a deep copy, so a caller that edits its session (the engine
// builds the next state from a clone anyway, but a caller might not) cannot
// change what the next Load returns.
type Cache struct {
	size int

	mu    sync.Mutex
	order *list.List               // front: most recently used; values are *cacheEntry
	byKey map[string]*list.Element // session key -> element of order

	hits, misses atomic.Int64
}

// cacheEntry is one cached session and the write tag it was stored with,
// which Save sends with the expected version (see storage.Sessions.Save).
type cacheEntry struct {
	key  string
	sess dialog.Session // immutable once in the cache
	tag  string
}

// New returns a cache of size sessions; nil (a cache that keeps nothing)
// for a size below 1.
func New(size int) *Cache {
	if size <= 0 {
		return nil
	}
	return &Cache{size: size, order: list.New(), byKey: make(map[string]*list.Element, size)}
}

// Get returns a copy of the cached session under key and marks it used.
func (c *Cache) Get(key string) (dialog.Session, bool) {
	if c == nil {
		return dialog.Session{}, false
	}
	c.mu.Lock()
	el, ok := c.byKey[key]
	var sess dialog.Session
	if ok {
		c.order.MoveToFront(el)
		sess = el.Value.(*cacheEntry).sess
	}
	c.mu.Unlock()
	if !ok {
		c.misses.Add(1)
		return dialog.Session{}, false
	}
	c.hits.Add(1)
	// The cached value is never changed in place, so copying it outside the
	// lock is safe and keeps the critical section short.
	return sess.Clone(), true
}

// Tag returns the write tag of the cached session under key if it is at
// version; "" when the cache does not know that version of the session.
func (c *Cache) Tag(key string, version int64) string {
	if c == nil {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		if e := el.Value.(*cacheEntry); e.sess.Version == version {
			return e.tag
		}
	}
	return ""
}

// Put stores a copy of sess under key, replacing what was there, and evicts
// the least recently used entries beyond the size.
func (c *Cache) Put(key string, sess dialog.Session, tag string) {
	if c == nil {
		return
	}
	e := &cacheEntry{key: key, sess: sess.Clone(), tag: tag}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		el.Value = e
		c.order.MoveToFront(el)
		return
	}
	c.byKey[key] = c.order.PushFront(e)
	for c.order.Len() > c.size {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.byKey, oldest.Value.(*cacheEntry).key)
	}
}

// Remove drops key from the cache, if it is there.
func (c *Cache) Remove(key string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		c.order.Remove(el)
		delete(c.byKey, key)
	}
}

// Stats describe the session cache, for metrics.
type Stats struct {
	// Hits and Misses count Loads served from the cache and from Redis
	// since the store was made (LoadFresh counts as neither).
	Hits, Misses int64
	// Len is how many sessions the cache holds now; Size is its capacity
	// (0: no cache).
	Len, Size int
}

func (c *Cache) Stats() Stats {
	if c == nil {
		return Stats{}
	}
	c.mu.Lock()
	n := c.order.Len()
	c.mu.Unlock()
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Len: n, Size: c.size}
}
