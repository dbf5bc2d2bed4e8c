package bot_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/memory"
)

// memStore is the bot.Store of the tests: every session operation goes
// through memory.Sessions, the in-memory session store held to the same
// contract tests as the Redis one (storage/storetest), so Save succeeds only
// when the stored version is still the one the session was loaded with, and
// every save raises the version. What memStore adds is what the tests look
// at: the successful saves, in order, and the keys sessions were stored
// under. Its sessions run on the wall clock with the default idle TTL, so
// none expires while a test runs.
type memStore struct {
	sessions *memory.Sessions

	mu    sync.Mutex       // orders the saves; guards saves and keys
	saves []dialog.Session // every successful save, in order
	keys  map[string]bool  // every key a session was stored under
}

func newMemStore() *memStore {
	return &memStore{sessions: memory.NewSessions(nil, 0), keys: map[string]bool{}}
}

func (m *memStore) Load(ctx context.Context, key string) (dialog.Session, bool, error) {
	s, err := m.sessions.Load(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return dialog.Session{}, false, nil
	}
	if err != nil {
		return dialog.Session{}, false, err
	}
	return s, true, nil
}

// LoadFresh is Load: the memory store has no cache.
func (m *memStore) LoadFresh(ctx context.Context, key string) (dialog.Session, bool, error) {
	return m.Load(ctx, key)
}

func (m *memStore) Save(ctx context.Context, s dialog.Session) (dialog.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	saved, err := m.sessions.Save(ctx, s)
	if err != nil {
		return saved, err
	}
	m.saves = append(m.saves, saved.Clone())
	m.keys[saved.Key] = true
	return saved, nil
}

// Quarantine sets an unreadable session aside, as storage does.
func (m *memStore) Quarantine(ctx context.Context, key string) (bool, error) {
	return m.sessions.Quarantine(ctx, key)
}

// put stores a session as it is, Version included, for a test that starts
// mid-intake. The memory store gives a new session version 1 and raises it
// by one a save, so put erases the key and saves s until the stored
// version is s.Version; these saves are not among savesOf's.
func (m *memStore) put(s dialog.Session) {
	if s.Version < 1 {
		panic(fmt.Sprintf("put: session %q has version %d; a stored session has 1 or more", s.Key, s.Version))
	}
	ctx := context.Background()
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.sessions.Delete(ctx, s.Key); err != nil {
		panic(err)
	}
	for v := range s.Version {
		c := s.Clone()
		c.Version = v
		if _, err := m.sessions.Save(ctx, c); err != nil {
			panic(fmt.Sprintf("put: %v", err))
		}
	}
	m.keys[s.Key] = true
}

// get returns the stored session of key.
func (m *memStore) get(key string) (dialog.Session, bool) {
	s, ok, err := m.Load(context.Background(), key)
	if err != nil {
		panic(fmt.Sprintf("get: %v", err))
	}
	return s, ok
}

// savesOf returns the successful saves of key, in order.
func (m *memStore) savesOf(key string) []dialog.Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []dialog.Session
	for _, s := range m.saves {
		if s.Key == key {
			out = append(out, s.Clone())
		}
	}
	return out
}

// count returns how many sessions are stored.
func (m *memStore) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for key := range m.keys {
		if _, ok := m.get(key); ok {
			n++
		}
	}
	return n
}

// errOutage is what a store returns while Redis does not answer.
var errOutage = errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")

// outageStore is a memStore that can be taken down and brought back while
// the bot runs, like Redis restarting.
type outageStore struct {
	*memStore
	down atomic.Bool
}

// LoadFresh goes through this store's own Load.
func (o *outageStore) LoadFresh(ctx context.Context, key string) (dialog.Session, bool, error) {
	return o.Load(ctx, key)
}

func (o *outageStore) Load(ctx context.Context, key string) (dialog.Session, bool, error) {
	if o.down.Load() {
		return dialog.Session{}, false, errOutage
	}
	return o.memStore.Load(ctx, key)
}

func (o *outageStore) Save(ctx context.Context, s dialog.Session) (dialog.Session, error) {
	if o.down.Load() {
		return s, errOutage
	}
	return o.memStore.Save(ctx, s)
}

// panicOnceStore is a memStore whose first Load panics, as a bug in a
// dependency would.
type panicOnceStore struct {
	*memStore
	panicked atomic.Bool
}

// LoadFresh goes through this store's own Load.
func (p *panicOnceStore) LoadFresh(ctx context.Context, key string) (dialog.Session, bool, error) {
	return p.Load(ctx, key)
}

func (p *panicOnceStore) Load(ctx context.Context, key string) (dialog.Session, bool, error) {
	if p.panicked.CompareAndSwap(false, true) {
		panic("store exploded")
	}
	return p.memStore.Load(ctx, key)
}

// blockingStore is a memStore whose Load for one key waits until release
// is closed; loads of other keys go through.
type blockingStore struct {
	*memStore
	key     string
	entered chan struct{} // closed when the blocked Load started
	release chan struct{}
	once    sync.Once
}

// LoadFresh goes through this store's own Load.
func (b *blockingStore) LoadFresh(ctx context.Context, key string) (dialog.Session, bool, error) {
	return b.Load(ctx, key)
}

func (b *blockingStore) Load(ctx context.Context, key string) (dialog.Session, bool, error) {
	if key == b.key {
		b.once.Do(func() { close(b.entered) })
		select {
		case <-b.release:
		case <-ctx.Done():
			return dialog.Session{}, false, ctx.Err()
		}
	}
	return b.memStore.Load(ctx, key)
}

// movableStore is a memStore as the staff tests name it (every memStore
// can move a session now).
type movableStore struct{ *memStore }

// MoveSession re-keys an intake as the production store does (see
// cmd/intakebot's sessionStore): the session is loaded fresh, saved under
// the new key as a new session, which fails when one is stored there, and
// then erased under the old key. The save is not among savesOf's.
func (m *memStore) MoveSession(ctx context.Context, oldKey, newKey string) error {
	s, err := m.sessions.LoadFresh(ctx, oldKey)
	if err != nil {
		return fmt.Errorf("can't load the intake to move: %w", err)
	}
	s.Key, s.Version = newKey, 0
	if _, err := m.sessions.Save(ctx, s); err != nil {
		return fmt.Errorf("can't save the moved intake: %w", err)
	}
	m.mu.Lock()
	m.keys[newKey] = true
	m.mu.Unlock()
	if err := m.sessions.Delete(ctx, oldKey); err != nil {
		return fmt.Errorf("can't erase the intake under its old account: %w", err)
	}
	return nil
}
