package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage/quarantine"
	"github.com/intakebot/intakebot/storage/sesscache"
)

// ErrNotFound means there is no session under the key: a new conversation,
// or one that expired or was erased. (A lost compare-and-set is the shared
// domain.ErrConflict: the caller reloads and decides again; it never
// overwrites.)
var ErrNotFound = errors.New("session not found")

// Defaults for SessionsOptions.
const (
	DefaultPrefix  = "intakebot:"
	DefaultIdleTTL = 90 * 24 * time.Hour
)

// SessionsOptions tune Sessions; the zero value gives the defaults.
type SessionsOptions struct {
	// Prefix starts every key, one per deployment. Default DefaultPrefix.
	Prefix string
	// IdleTTL is how long a session lives after its last save, so that an
	// abandoned intake does not stay forever. Default DefaultIdleTTL.
	IdleTTL time.Duration
	// Now is the clock for timestamps a session does not carry itself.
	// Default time.Now.
	Now func() time.Time
	// CacheSize is how many decoded sessions the in-process cache holds
	// (least recently used ones go first); 0 means no cache. A cache hit
	// makes Load free of round trips, so that handling an update costs one
	// round trip: the Save. See Sessions for why a cache is safe here.
	CacheSize int
}

// Sessions stores dialog.Session records in Redis, one hash per session:
//
//	v        plain   version counter, for compare-and-set
//	w        plain   write tag: random, new on every save (see below)
//	state    plain   dialog.State, so that staff queries and reminders can
//	                 find intakes by status without the data key
//	updated  plain   unix seconds of the last change, for idle reports
//	upd      plain   LastUpdateID, to recognise a redelivered update cheaply
//	data     sealed  the whole Session as JSON: answers, history, drafts
//
// The plain fields carry status, times and random tags only, never anything
// a young person wrote. They are not authenticated, so Load trusts only v
// and w (for the compare-and-set) and data; the session's own State comes
// from data. The sealed field's AAD is the hash's Redis key, so a value moved
// to another record fails to open, and changing the prefix makes old records
// unreadable.
//
// Every save also puts the session's name (Codec.Name of its key, never the
// key) into the active index (a sorted set by the updated time), which
// ActiveSince counts for the metrics.
//
// With SessionsOptions.CacheSize > 0, Load serves the most recently used
// sessions from a cache in process (package sesscache says why that is
// safe, with several replicas too); LoadFresh always reads Redis.
//
// Sessions is safe for concurrent use.
type Sessions struct {
	keys
	client  redis.UniversalClient
	codec   *Codec
	idleTTL time.Duration
	now     func() time.Time
	cache   *sesscache.Cache // nil: no cache
}

// NewSessions returns a session store on client that seals with codec.
// Neither may be nil. A client for Sentinel or Cluster works too (see the
// package comment about hash tags for Cluster).
func NewSessions(client redis.UniversalClient, codec *Codec, opts SessionsOptions) *Sessions {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	s := &Sessions{
		keys:   newKeys(opts.Prefix, codec),
		client: client, codec: codec, idleTTL: opts.IdleTTL, now: opts.Now,
		cache: sesscache.New(opts.CacheSize),
	}
	if s.idleTTL <= 0 {
		s.idleTTL = DefaultIdleTTL
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Load returns the session stored under key, with Version set to the stored
// version: from the cache when it holds the session (no round trip; the
// state may be stale, see Sessions), else from Redis, and then it is cached.
// A missing session gives an error wrapping ErrNotFound; any other error
// (Redis down, a record that does not open) is not ErrNotFound, so the
// caller never mistakes an outage for a new conversation. The session
// returned is the caller's own copy.
func (s *Sessions) Load(ctx context.Context, key string) (dialog.Session, error) {
	if sess, ok := s.cache.Get(key); ok {
		return sess, nil
	}
	return s.LoadFresh(ctx, key)
}

// LoadFresh is Load that always reads Redis (one round trip) and refreshes
// the cache with what it read. A caller uses it when it acts on a session
// without saving it, so that no compare-and-set would catch a stale state.
// On any error the key is evicted.
func (s *Sessions) LoadFresh(ctx context.Context, key string) (dialog.Session, error) {
	sess, tag, err := s.load(ctx, key)
	if err != nil {
		s.cache.Remove(key)
		return dialog.Session{}, err
	}
	s.cache.Put(key, sess, tag)
	return sess, nil
}

// load reads and opens the record under key, and returns it with its write
// tag ("" for a record saved before write tags existed).
func (s *Sessions) load(ctx context.Context, key string) (dialog.Session, string, error) {
	rkey := s.sessionKey(key)
	vals, err := s.client.HMGet(ctx, rkey, "v", "data", "w").Result()
	if err != nil {
		return dialog.Session{}, "", fmt.Errorf("can't load session: %w", err)
	}
	vField, vOK := vals[0].(string)
	data, dataOK := vals[1].(string)
	tag, _ := vals[2].(string)
	if !vOK && !dataOK {
		return dialog.Session{}, "", fmt.Errorf("can't load session: %w", ErrNotFound)
	}
	if !vOK || !dataOK {
		return dialog.Session{}, "", fmt.Errorf("can't load session: %w: record lacks a field", ErrCorrupt)
	}
	version, err := strconv.ParseInt(vField, 10, 64)
	if err != nil {
		return dialog.Session{}, "", fmt.Errorf("can't load session: %w: bad version field", ErrCorrupt)
	}
	plain, err := s.codec.Open([]byte(data), []byte(rkey))
	if err != nil {
		return dialog.Session{}, "", fmt.Errorf("can't load session: %w", err)
	}
	var sess dialog.Session
	if err := json.Unmarshal(plain, &sess); err != nil {
		// The JSON error could quote content; say only what went wrong.
		return dialog.Session{}, "", fmt.Errorf("can't load session: %w: data is not a session", ErrCorrupt)
	}
	sess.Version = version
	return sess, tag, nil
}

// saveScript is Save's compare-and-set, atomic on the server. It also
// renews the TTL. It touches the session's hash only, so that it runs in
// the session's slot on Redis Cluster; the active index is updated beside
// it, in the same pipeline (one round trip on a single node).
//
//	KEYS[1] session hash
//	ARGV[1] expected version ("0": the session must not exist)
//	ARGV[2] expected write tag ("": check the version only)
//	ARGV[3] new version    ARGV[4] new write tag
//	ARGV[5] state   ARGV[6] updated   ARGV[7] upd   ARGV[8] sealed data
//	ARGV[9] idle TTL in milliseconds
//
// Versions are compared as strings: Save always writes them in canonical
// decimal, and Lua numbers are floats. HMGET of a missing key or field gives
// false, which equals no string, so a session erased meanwhile conflicts.
var saveScript = loadScript("save_session")

// newWriteTag returns a random tag that tells one save from every other
// save of the same key. It only has to be unique, not secret.
func newWriteTag() string {
	return strconv.FormatUint(rand.Uint64(), 36)
}

// Save stores sess if the stored session is still the one sess was loaded
// from: the same version (0 for a session that must not exist yet) and, when
// the cache knows it, the same write tag. It returns sess with the new
// version. If someone else saved (or erased) in between, it changes nothing
// and returns an error wrapping domain.ErrConflict; the caller reloads and
// decides again. Every save renews the idle TTL and the session's entry in
// the active index. On success the cache holds a copy of the saved session; on any
// error the key is evicted, so that the next Load reads Redis.
func (s *Sessions) Save(ctx context.Context, sess dialog.Session) (dialog.Session, error) {
	if sess.Key == "" {
		return dialog.Session{}, errors.New("can't save session: it has no key")
	}
	if sess.Version < 0 {
		return dialog.Session{}, errors.New("can't save session: negative version")
	}
	expected := sess.Version
	expectedTag := ""
	if expected > 0 {
		expectedTag = s.cache.Tag(sess.Key, expected)
	}
	tag := newWriteTag()
	sess.Version++

	plain, err := json.Marshal(sess)
	if err != nil {
		return dialog.Session{}, fmt.Errorf("can't save session: %w", err)
	}
	rkey := s.sessionKey(sess.Key)
	sealed := s.codec.Seal(plain, []byte(rkey))

	now := s.now()
	updated := sess.Updated
	if updated.IsZero() {
		updated = now
	}
	member := s.member(sess.Key)
	res, err := runWith(ctx, s.client, saveScript, []string{rkey}, []any{
		strconv.FormatInt(expected, 10),
		expectedTag,
		strconv.FormatInt(sess.Version, 10),
		tag,
		string(sess.State),
		strconv.FormatInt(updated.Unix(), 10),
		strconv.FormatInt(sess.LastUpdateID, 10),
		sealed,
		s.idleTTL.Milliseconds(),
	}, func(pipe redis.Pipeliner) {
		// Another slot on Cluster: beside the script; restoreActive undoes
		// it if the save loses.
		pipe.ZAdd(ctx, s.activeKey(), redis.Z{Score: float64(updated.Unix()), Member: member})
	})
	ok, _ := res.(int64)
	if err == nil && ok != 1 {
		s.restoreActive(ctx, rkey, member)
	}
	if err != nil {
		// The script may or may not have run: only Redis knows now.
		s.cache.Remove(sess.Key)
		return dialog.Session{}, fmt.Errorf("can't save session: %w", err)
	}
	if ok != 1 {
		s.cache.Remove(sess.Key)
		return dialog.Session{}, fmt.Errorf("can't save session: %w", domain.ErrConflict)
	}
	s.cache.Put(sess.Key, sess, tag)
	return sess, nil
}

// restoreActive puts the session's entry in the active index back as the
// stored session has it (or takes it out when there is none), after a save
// that lost changed it beside its script. Tidying only: errors are ignored.
// It costs a round trip or two on a lost save only.
func (s *Sessions) restoreActive(ctx context.Context, rkey, member string) {
	updated, err := s.client.HGet(ctx, rkey, "updated").Result()
	switch {
	case errors.Is(err, redis.Nil):
		_ = s.client.ZRem(ctx, s.activeKey(), member).Err()
	case err == nil:
		if at, perr := strconv.ParseInt(updated, 10, 64); perr == nil {
			_ = s.client.ZAdd(ctx, s.activeKey(), redis.Z{Score: float64(at), Member: member}).Err()
		}
	}
}

// Delete erases the session under key and any copy set aside, and evicts it
// from this store's cache. Erasing none is not an error: the outcome the
// young person asked for holds.
func (s *Sessions) Delete(ctx context.Context, key string) error {
	// Evict first and whatever happens: the cached copy is either erased
	// data or of unknown standing.
	s.cache.Remove(key)
	// Two slots on Cluster: one pipeline, not a script. The copy set aside
	// shares the session's hash tag, so one DEL takes both.
	rkey := s.sessionKey(key)
	_, err := s.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Del(ctx, rkey, s.quarantineKey(rkey))
		pipe.ZRem(ctx, s.activeKey(), s.member(key))
		return nil
	})
	if err != nil {
		return fmt.Errorf("can't delete session: %w", err)
	}
	return nil
}

// Quarantine sets the session aside (storage/quarantine); false if none.
func (s *Sessions) Quarantine(ctx context.Context, key string) (bool, error) {
	s.cache.Remove(key)
	rkey := s.sessionKey(key)
	return quarantine.Move(ctx, s.client, rkey, s.quarantineKey(rkey), s.now())
}

// Forget evicts key from this store's cache, so that the next Load reads
// Redis. It changes nothing in Redis and never fails.
func (s *Sessions) Forget(key string) {
	s.cache.Remove(key)
}

// CacheStats reports the cache's hits, misses and size; all zero without a
// cache.
func (s *Sessions) CacheStats() CacheStats {
	return s.cache.Stats()
}

// ActiveSince counts the sessions saved with an updated time at or after
// since (to the second): the "active sessions" metric, for example with
// since an hour or a day ago. One round trip (ZCOUNT). Sessions that expired
// by their idle TTL still count until PruneActive removes them, so count
// only windows shorter than the idle TTL, or prune first.
func (s *Sessions) ActiveSince(ctx context.Context, since time.Time) (int64, error) {
	n, err := s.client.ZCount(ctx, s.activeKey(), strconv.FormatInt(since.Unix(), 10), "+inf").Result()
	if err != nil {
		return 0, fmt.Errorf("can't count active sessions: %w", err)
	}
	return n, nil
}

// PruneActive removes from the active index the sessions last updated
// before before (to the second) and returns how many it removed. Redis
// expires an idle session's hash but not its entry in the index, so a
// periodic job calls PruneActive(ctx, now.Add(-IdleTTL)) to drop the entries
// of sessions that expired. It only touches the index, never a session.
func (s *Sessions) PruneActive(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.client.ZRemRangeByScore(ctx, s.activeKey(), "-inf", "("+strconv.FormatInt(before.Unix(), 10)).Result()
	if err != nil {
		return 0, fmt.Errorf("can't prune active sessions: %w", err)
	}
	return n, nil
}

// CacheStats describe the session cache, for metrics.
type CacheStats = sesscache.Stats
