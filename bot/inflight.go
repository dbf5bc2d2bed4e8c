package bot

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
// itself tracked work in the due loop, settles the others (settleOthers).

// inflight tracks background work per session key.
type inflight struct {
	mu   sync.Mutex
	work map[string]map[*flight]struct{}
}

type flight struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// flightKey is the context key of the work a context belongs to.
type flightKey struct{}

// track starts tracking work on key. The returned context ends when the
// work is settled (or ctx ends), and carries the work, so that it can
// settle the others on its key (settleOthers); finish must be called when
// the work is done.
func (b *Bot) track(ctx context.Context, key string) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	f := &flight{cancel: cancel, done: make(chan struct{})}
	ctx = context.WithValue(ctx, flightKey{}, f)
	b.flights.mu.Lock()
	if b.flights.work == nil {
		b.flights.work = map[string]map[*flight]struct{}{}
	}
	if b.flights.work[key] == nil {
		b.flights.work[key] = map[*flight]struct{}{}
	}
	b.flights.work[key][f] = struct{}{}
	b.flights.mu.Unlock()
	var once sync.Once
	return ctx, func() {
		once.Do(func() {
			b.flights.mu.Lock()
			delete(b.flights.work[key], f)
			if len(b.flights.work[key]) == 0 {
				delete(b.flights.work, key)
			}
			b.flights.mu.Unlock()
			cancel()
			close(f.done)
		})
	}
}

// settle cancels the background work on key and waits until it stopped,
// at most wait (work that ignores its context is not waited for longer).
func (b *Bot) settle(key string, wait time.Duration) {
	b.settleExcept(key, wait, nil)
}

// settleOthers is settle for tracked work that erases (retention, in the
// due loop): the work of ctx itself goes on, the rest on key stops.
func (b *Bot) settleOthers(ctx context.Context, key string, wait time.Duration) {
	own, _ := ctx.Value(flightKey{}).(*flight)
	b.settleExcept(key, wait, own)
}

func (b *Bot) settleExcept(key string, wait time.Duration, own *flight) {
	b.flights.mu.Lock()
	var fs []*flight
	for f := range b.flights.work[key] {
		if f != own {
			fs = append(fs, f)
		}
	}
	b.flights.mu.Unlock()
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
