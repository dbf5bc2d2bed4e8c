package bot_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// memStore is an in-memory bot.Store with the compare-and-set semantics of
// the Redis store: Save succeeds only when the stored version is still the
// one the session was loaded with, and every save raises the version.
type memStore struct {
	mu       sync.Mutex
	sessions map[string]dialog.Session
	saves    []dialog.Session // every successful save, in order
}

func newMemStore() *memStore { return &memStore{sessions: map[string]dialog.Session{}} }

func (m *memStore) Load(_ context.Context, key string) (dialog.Session, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[key]
	return s.Clone(), ok, nil
}

// LoadFresh is Load: the memory store has no cache.
func (m *memStore) LoadFresh(ctx context.Context, key string) (dialog.Session, bool, error) {
	return m.Load(ctx, key)
}

func (m *memStore) Save(_ context.Context, s dialog.Session) (dialog.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.sessions[s.Key]
	if (ok && cur.Version != s.Version) || (!ok && s.Version != 0) {
		return s, domain.ErrConflict
	}
	s = s.Clone()
	s.Version++
	m.sessions[s.Key] = s
	m.saves = append(m.saves, s.Clone())
	return s.Clone(), nil
}

// put stores a session as it is, for a test that starts mid-intake.
func (m *memStore) put(s dialog.Session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.Key] = s.Clone()
}

// get returns the stored session of key.
func (m *memStore) get(key string) (dialog.Session, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[key]
	return s.Clone(), ok
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

func (m *memStore) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.sessions)
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

func (m *memStore) MoveSession(_ context.Context, oldKey, newKey string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[oldKey]
	if !ok {
		return errors.New("no session to move")
	}
	if _, taken := m.sessions[newKey]; taken {
		return errors.New("a session exists under the new key")
	}
	delete(m.sessions, oldKey)
	s.Key = newKey
	m.sessions[newKey] = s
	return nil
}
