package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/dialog"
)

var (
	// ErrNotFound means there is no session under the key: a new
	// conversation, or one that expired or was erased.
	ErrNotFound = errors.New("session not found")
	// ErrConflict means the session was saved by someone else since it was
	// loaded. The caller reloads and decides again; it never overwrites.
	ErrConflict = errors.New("session was changed concurrently")
)

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
}

// Sessions stores dialog.Session records in Redis, one hash per session:
//
//	v        plain   version counter, for compare-and-set
//	state    plain   dialog.State, so that staff queries and reminders can
//	                 find intakes by status without the data key
//	updated  plain   unix seconds of the last change, for idle reports
//	upd      plain   LastUpdateID, to recognise a redelivered update cheaply
//	data     sealed  the whole Session as JSON: answers, history, drafts
//
// The plain fields carry status and times only, never anything a young
// person wrote. They are not authenticated, so Load trusts only v (for the
// compare-and-set) and data; the session's own State comes from data. The
// sealed field's AAD is the hash's Redis key, so a value moved to another
// record fails to open, and changing the prefix makes old records unreadable.
type Sessions struct {
	client  redis.UniversalClient
	codec   *Codec
	prefix  string
	idleTTL time.Duration
	now     func() time.Time
}

// NewSessions returns a session store on client that seals with codec.
// Neither may be nil. A client for Sentinel or Cluster works too (see the
// package comment about hash tags for Cluster).
func NewSessions(client redis.UniversalClient, codec *Codec, opts SessionsOptions) *Sessions {
	s := &Sessions{client: client, codec: codec, prefix: opts.Prefix, idleTTL: opts.IdleTTL, now: opts.Now}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.idleTTL <= 0 {
		s.idleTTL = DefaultIdleTTL
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

func (s *Sessions) sessionKey(key string) string { return s.prefix + "session:" + key }
func (s *Sessions) submittedKey() string         { return s.prefix + "submitted" }

// Load returns the session stored under key, with Version set to the stored
// version. A missing session gives an error wrapping ErrNotFound; any other
// error (Redis down, a record that does not open) is not ErrNotFound, so the
// caller never mistakes an outage for a new conversation.
func (s *Sessions) Load(ctx context.Context, key string) (dialog.Session, error) {
	rkey := s.sessionKey(key)
	vals, err := s.client.HMGet(ctx, rkey, "v", "data").Result()
	if err != nil {
		return dialog.Session{}, fmt.Errorf("can't load session: %w", err)
	}
	vField, vOK := vals[0].(string)
	data, dataOK := vals[1].(string)
	if !vOK && !dataOK {
		return dialog.Session{}, fmt.Errorf("can't load session: %w", ErrNotFound)
	}
	if !vOK || !dataOK {
		return dialog.Session{}, fmt.Errorf("can't load session: %w: record lacks a field", ErrCorrupt)
	}
	version, err := strconv.ParseInt(vField, 10, 64)
	if err != nil {
		return dialog.Session{}, fmt.Errorf("can't load session: %w: bad version field", ErrCorrupt)
	}
	plain, err := s.codec.Open([]byte(data), []byte(rkey))
	if err != nil {
		return dialog.Session{}, fmt.Errorf("can't load session: %w", err)
	}
	var sess dialog.Session
	if err := json.Unmarshal(plain, &sess); err != nil {
		// The JSON error could quote content; say only what went wrong.
		return dialog.Session{}, fmt.Errorf("can't load session: %w: data is not a session", ErrCorrupt)
	}
	sess.Version = version
	return sess, nil
}

// saveScript is Save's compare-and-set, atomic on the server and one round
// trip on the hot path.
//
//	KEYS[1] session hash      KEYS[2] submitted index
//	ARGV[1] expected version ("0": the session must not exist)
//	ARGV[2] new version       ARGV[3] state   ARGV[4] updated   ARGV[5] upd
//	ARGV[6] sealed data       ARGV[7] idle TTL in milliseconds
//	ARGV[8] submission score ("" when not submitted)   ARGV[9] session key
//
// Versions are compared as strings: Save always writes them in canonical
// decimal, and Lua numbers are floats.
var saveScript = redis.NewScript(`
if ARGV[1] == "0" then
  if redis.call("EXISTS", KEYS[1]) == 1 then return 0 end
elseif redis.call("HGET", KEYS[1], "v") ~= ARGV[1] then
  return 0
end
redis.call("HSET", KEYS[1], "v", ARGV[2], "state", ARGV[3], "updated", ARGV[4], "upd", ARGV[5], "data", ARGV[6])
redis.call("PEXPIRE", KEYS[1], ARGV[7])
if ARGV[8] ~= "" then
  redis.call("ZADD", KEYS[2], ARGV[8], ARGV[9])
end
return 1
`)

// Save stores sess if the stored version still equals sess.Version (0 for a
// session that must not exist yet) and returns it with the new version. If
// someone else saved in between, it changes nothing and returns an error
// wrapping ErrConflict. Every save renews the idle TTL; a submitted session
// is also added to the submitted index for the handoff.
func (s *Sessions) Save(ctx context.Context, sess dialog.Session) (dialog.Session, error) {
	if sess.Key == "" {
		return dialog.Session{}, errors.New("can't save session: it has no key")
	}
	if sess.Version < 0 {
		return dialog.Session{}, errors.New("can't save session: negative version")
	}
	expected := sess.Version
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
	submittedScore := ""
	if sess.State == dialog.StateSubmitted {
		at := sess.Submitted
		if at.IsZero() {
			at = now
		}
		submittedScore = strconv.FormatInt(at.Unix(), 10)
	}

	ok, err := saveScript.Run(ctx, s.client,
		[]string{rkey, s.submittedKey()},
		strconv.FormatInt(expected, 10),
		strconv.FormatInt(sess.Version, 10),
		string(sess.State),
		strconv.FormatInt(updated.Unix(), 10),
		strconv.FormatInt(sess.LastUpdateID, 10),
		sealed,
		s.idleTTL.Milliseconds(),
		submittedScore,
		sess.Key,
	).Int64()
	if err != nil {
		return dialog.Session{}, fmt.Errorf("can't save session: %w", err)
	}
	if ok != 1 {
		return dialog.Session{}, fmt.Errorf("can't save session: %w", ErrConflict)
	}
	return sess, nil
}

// deleteScript removes a session and its entry in the submitted index
// together, so an erased intake leaves no trace for the handoff to find.
var deleteScript = redis.NewScript(`
redis.call("DEL", KEYS[1])
redis.call("ZREM", KEYS[2], ARGV[1])
return 1
`)

// Delete erases the session under key. Erasing a session that does not
// exist is not an error: the outcome the young person asked for holds.
func (s *Sessions) Delete(ctx context.Context, key string) error {
	err := deleteScript.Run(ctx, s.client, []string{s.sessionKey(key), s.submittedKey()}, key).Err()
	if err != nil {
		return fmt.Errorf("can't delete session: %w", err)
	}
	return nil
}
