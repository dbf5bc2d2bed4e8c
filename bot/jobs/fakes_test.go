package jobs

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// clock is a fake clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// store is a queue that keeps the contract of a ClaimFunc: a claim pushes
// each item back by the lease. It records every claim and every Done.
type store struct {
	mu     sync.Mutex
	due    map[string]time.Time
	claims []int // sizes, in order
	done   []string
}

func newStore(now time.Time, items ...string) *store {
	s := &store{due: map[string]time.Time{}}
	for i, item := range items {
		s.due[item] = now.Add(time.Duration(i-len(items)) * time.Millisecond) // due, in the given order
	}
	return s
}

func (s *store) Claim(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []string
	for item, at := range s.due {
		if !at.After(now) {
			due = append(due, item)
		}
	}
	slices.SortFunc(due, func(a, b string) int { return s.due[a].Compare(s.due[b]) })
	if len(due) > limit {
		due = due[:limit]
	}
	for _, item := range due {
		s.due[item] = now.Add(lease)
	}
	s.claims = append(s.claims, len(due))
	return due, nil
}

// Done removes item while it is under the lease it was claimed with.
func (s *store) Done(ctx context.Context, item string, leasedUntil time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.due[item].Equal(leasedUntil) {
		delete(s.due, item)
		s.done = append(s.done, item)
	}
	return nil
}

func (s *store) Claims() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.claims)
}

func (s *store) DoneItems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.done)
}

// leases is a Lease shared by several runners, as Redis is by replicas.
type leases struct {
	mu    sync.Mutex
	now   func() time.Time
	until map[string]time.Time
	err   error
}

func (l *leases) Acquire(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return false, l.err
	}
	if l.until == nil {
		l.until = map[string]time.Time{}
	}
	if l.now().Before(l.until[name]) {
		return false, nil
	}
	l.until[name] = l.now().Add(ttl)
	return true, nil
}

// logBuffer collects a runner's log for the test to read.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newRunner returns a runner on c that logs into the returned buffer.
func newRunner(c *clock) (*Runner, *logBuffer) {
	var logs logBuffer
	return &Runner{Now: c.Now, Log: slog.New(slog.NewJSONHandler(&logs, nil))}, &logs
}

// eventually fails the test unless cond holds within a few seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// stop ends the jobs of r and waits for them as serve does at shutdown.
func stop(t *testing.T, r *Runner, cancel context.CancelFunc) {
	t.Helper()
	cancel()
	deadline, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	if err := r.Wait(deadline); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}
