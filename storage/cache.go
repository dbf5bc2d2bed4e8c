package storage

import (
	"container/list"
	"sync"
	"sync/atomic"

	"github.com/intakebot/intakebot/dialog"
)

// sessionCache is a bounded LRU of decoded sessions by session key. It saves
// the HMGET, the decryption and the JSON decoding of a Load; it is never the
// source of truth (see Sessions). A nil *sessionCache is an empty cache that
// keeps nothing, so the store needs no "if cached" branches.
//
// Cached sessions are never changed in place: put stores a deep copy and get
// hands out a deep copy, so a caller that edits its session (the engine
// builds the next state from a clone anyway, but a caller might not) cannot
// change what the next Load returns.
type sessionCache struct {
	size int

	mu    sync.Mutex
	order *list.List               // front: most recently used; values are *cacheEntry
	byKey map[string]*list.Element // session key -> element of order

	hits, misses atomic.Int64
}

// cacheEntry is one cached session and the write tag it was stored with,
// which Save sends with the expected version (see saveScript).
type cacheEntry struct {
	key  string
	sess dialog.Session // immutable once in the cache
	tag  string
}

func newSessionCache(size int) *sessionCache {
	if size <= 0 {
		return nil
	}
	return &sessionCache{size: size, order: list.New(), byKey: make(map[string]*list.Element, size)}
}

// get returns a copy of the cached session under key and marks it used.
func (c *sessionCache) get(key string) (dialog.Session, bool) {
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

// tag returns the write tag of the cached session under key if it is at
// version; "" when the cache does not know that version of the session.
func (c *sessionCache) tag(key string, version int64) string {
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

// put stores a copy of sess under key, replacing what was there, and evicts
// the least recently used entries beyond the size.
func (c *sessionCache) put(key string, sess dialog.Session, tag string) {
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

// remove drops key from the cache, if it is there.
func (c *sessionCache) remove(key string) {
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

// CacheStats describe the session cache, for metrics.
type CacheStats struct {
	// Hits and Misses count Loads served from the cache and from Redis
	// since the store was made (LoadFresh counts as neither).
	Hits, Misses int64
	// Len is how many sessions the cache holds now; Size is its capacity
	// (0: no cache).
	Len, Size int
}

func (c *sessionCache) stats() CacheStats {
	if c == nil {
		return CacheStats{}
	}
	c.mu.Lock()
	n := c.order.Len()
	c.mu.Unlock()
	return CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Len: n, Size: c.size}
}
