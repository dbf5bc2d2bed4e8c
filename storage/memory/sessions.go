package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage"
)

// Sessions keeps dialog.Session records with the compare-and-set of
// storage.Sessions (without its cache: Load and LoadFresh are the same
// here, and Save checks the version alone, as storage does when its cache
// does not know the session). A session expires idleTTL after its last
// save; its entry in the active index stays until PruneActive, as in
// Redis. It is safe for concurrent use.
type Sessions struct {
	mu      sync.Mutex
	now     func() time.Time
	idleTTL time.Duration
	records map[string]expiring[storedSession]
	active  map[string]int64 // unix seconds of the last update, by key
	// aside are the records Quarantine set aside, by key.
	aside map[string]expiring[storedSession]
}

// storedSession is a session as storage keeps it: its version, and the
// rest as JSON.
type storedSession struct {
	version int64
	data    []byte
	// damaged stands for a record in Redis that does not open (see
	// DamageSession).
	damaged bool
}

// NewSessions returns an empty session store whose sessions expire idleTTL
// (0: storage.DefaultIdleTTL) after their last save, by now (nil:
// time.Now).
func NewSessions(now func() time.Time, idleTTL time.Duration) *Sessions {
	if now == nil {
		now = time.Now
	}
	if idleTTL <= 0 {
		idleTTL = storage.DefaultIdleTTL
	}
	return &Sessions{now: now, idleTTL: idleTTL, records: map[string]expiring[storedSession]{}, active: map[string]int64{},
		aside: map[string]expiring[storedSession]{}}
}

// record is the live record of key. s.mu is held.
func (s *Sessions) record(key string) (storedSession, bool) {
	e, ok := s.records[key]
	if ok && !e.live(s.now()) {
		delete(s.records, key)
		ok = false
	}
	return e.v, ok
}

// Load returns the session stored under key, with Version set to the
// stored version, as the caller's own copy. A missing session gives an
// error wrapping storage.ErrNotFound.
func (s *Sessions) Load(_ context.Context, key string) (dialog.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.record(key)
	if !ok {
		return dialog.Session{}, fmt.Errorf("can't load session: %w", storage.ErrNotFound)
	}
	var sess dialog.Session
	if r.damaged {
		return dialog.Session{}, fmt.Errorf("can't load session: %w: damaged", storage.ErrCorrupt)
	}
	if err := json.Unmarshal(r.data, &sess); err != nil {
		return dialog.Session{}, fmt.Errorf("can't load session: %w", storage.ErrCorrupt)
	}
	sess.Version = r.version
	return sess, nil
}

// LoadFresh is Load: there is no cache to go past.
func (s *Sessions) LoadFresh(ctx context.Context, key string) (dialog.Session, error) {
	return s.Load(ctx, key)
}

// Save stores sess if the stored session is still at the version sess was
// loaded at (0: there must be none) and returns it with the new version;
// otherwise it changes nothing and returns an error wrapping
// domain.ErrConflict. Every save renews the idle TTL and the session's
// entry in the active index.
func (s *Sessions) Save(_ context.Context, sess dialog.Session) (dialog.Session, error) {
	if sess.Key == "" {
		return dialog.Session{}, errors.New("can't save session: it has no key")
	}
	if sess.Version < 0 {
		return dialog.Session{}, errors.New("can't save session: negative version")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.record(sess.Key)
	if (ok && cur.version != sess.Version) || (!ok && sess.Version != 0) {
		return dialog.Session{}, fmt.Errorf("can't save session: %w", domain.ErrConflict)
	}
	sess.Version++
	data, err := json.Marshal(sess)
	if err != nil {
		return dialog.Session{}, fmt.Errorf("can't save session: %w", err)
	}
	now := s.now()
	updated := sess.Updated
	if updated.IsZero() {
		updated = now
	}
	s.records[sess.Key] = expiring[storedSession]{v: storedSession{version: sess.Version, data: data}, until: now.Add(s.idleTTL)}
	s.active[sess.Key] = updated.Unix()
	return sess, nil
}

// Delete erases the session under key and its entry in the active index.
// Erasing a session that does not exist is not an error.
func (s *Sessions) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.records, key)
	delete(s.active, key)
	delete(s.aside, key)
	return nil
}

// Quarantine sets the session under key aside, as storage does with one
// that does not open: it is gone for Load and Save and kept until it
// expires or Delete erases it; an older one set aside stays too (here: the
// newer replaces it, as nothing reads them back). False when there was
// none.
func (s *Sessions) Quarantine(_ context.Context, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.records[key]
	if !ok || !e.live(s.now()) {
		delete(s.records, key)
		return false, nil
	}
	s.aside[key] = e
	delete(s.records, key) // its entry in the active index stays, as in Redis
	return true, nil
}

// DamageSession makes the stored session of key unreadable, as a value cut
// short or moved in Redis is, for the tests of what the bot does then. It
// reports whether there was one.
func DamageSession(s *Sessions, key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.records[key]
	if !ok {
		return false
	}
	e.v.damaged = true
	s.records[key] = e
	return true
}

// SetAside reports whether a session of key was set aside by Quarantine
// and is still kept.
func SetAside(s *Sessions, key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.aside[key]
	return ok && e.live(s.now())
}

// ActiveSince counts the sessions saved with an updated time at or after
// since (to the second), expired ones included until PruneActive.
func (s *Sessions) ActiveSince(_ context.Context, since time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, at := range s.active {
		if at >= since.Unix() {
			n++
		}
	}
	return n, nil
}

// PruneActive removes from the active index the sessions last updated
// before before (to the second) and returns how many it removed. It never
// touches a session.
func (s *Sessions) PruneActive(_ context.Context, before time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for k, at := range s.active {
		if at < before.Unix() {
			delete(s.active, k)
			n++
		}
	}
	return n, nil
}
