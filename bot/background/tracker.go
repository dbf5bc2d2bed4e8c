// Package background runs the work on a young person's intake that goes on
// after the update that started it (a delivery to the director, an alert,
// clearing old messages after /exit): each piece is tracked by session key,
// so that an erasure can stop it first, and the process waits for it at
// shutdown.
package background

import (
	"context"
	"sync"
	"time"
)

// Work in the background on one young person's intake (a delivery to the
// director, an alert) must not outlive an erasure: if it saved a case or
// an alert after /delete, the erased person would come back. Each piece of
// such work is tracked by session key; settle cancels the work of a key
// and waits for it to stop, and only then does the erasure run, so that
// whatever the work wrote before it noticed is erased too.
//
// Settling covers one replica: the background work runs on the replica
// that handled the update that started it, and a /delete handled by
// another replica within the same seconds does not stop it. That work can
// still not bring the person back: changes to an existing case go through
// People.ChangeCase, which writes only while the case
// exists, People.ScheduleDue keeps a due time only for a case that exists,
// and an alert ends without a word once the session is gone. Retention,
// itself tracked work in the due loop, settles the others (SettleOthers).

// Tracker tracks background work per session key and runs it. The zero
// value is ready to use; a Tracker must not be copied.
type Tracker struct {
	mu   sync.Mutex
	work map[string]map[*flight]struct{}
	wg   sync.WaitGroup
}

type flight struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// flightKey is the context key of the work a context belongs to.
type flightKey struct{}

// Track starts tracking work on key. The returned context ends when the
// work is settled (or ctx ends), and carries the work, so that it can
// settle the others on its key (SettleOthers); finish must be called when
// the work is done.
func (b *Tracker) Track(ctx context.Context, key string) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	f := &flight{cancel: cancel, done: make(chan struct{})}
	ctx = context.WithValue(ctx, flightKey{}, f)
	b.mu.Lock()
	if b.work == nil {
		b.work = map[string]map[*flight]struct{}{}
	}
	if b.work[key] == nil {
		b.work[key] = map[*flight]struct{}{}
	}
	b.work[key][f] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.work[key], f)
			if len(b.work[key]) == 0 {
				delete(b.work, key)
			}
			b.mu.Unlock()
			cancel()
			close(f.done)
		})
	}
}

// Settle cancels the background work on key and waits until it stopped,
// at most wait (work that ignores its context is not waited for longer).
func (b *Tracker) Settle(key string, wait time.Duration) {
	b.settleExcept(key, wait, nil)
}

// SettleOthers is Settle for tracked work that erases (retention, in the
// due loop): the work of ctx itself goes on, the rest on key stops.
func (b *Tracker) SettleOthers(ctx context.Context, key string, wait time.Duration) {
	own, _ := ctx.Value(flightKey{}).(*flight)
	b.settleExcept(key, wait, own)
}

func (b *Tracker) settleExcept(key string, wait time.Duration, own *flight) {
	b.mu.Lock()
	var fs []*flight
	for f := range b.work[key] {
		if f != own {
			fs = append(fs, f)
		}
	}
	b.mu.Unlock()
	if len(fs) == 0 {
		return
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for _, f := range fs {
		f.cancel()
	}
	for _, f := range fs {
		select {
		case <-f.done:
		case <-timer.C:
			return
		}
	}
}

// Go runs fn in the background, counted for Wait. Work on an intake is
// tracked with Track first; fn recovers its own panics (the caller knows
// what to log).
func (b *Tracker) Go(fn func()) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		fn()
	}()
}

// Wait waits until the work started with Go is done, or ctx ends (a stop:
// the due loop finishes a delivery later).
func (b *Tracker) Wait(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		b.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
