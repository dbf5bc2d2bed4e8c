package telegram

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// dispatcher runs each chat's updates in order on a goroutine of that
// chat, which ends when the chat has nothing more to do.
type dispatcher struct {
	base    context.Context // handlers' context: not cancelled by a stop
	stopped context.Context // ends when the poller stops
	handle  func(context.Context, *models.Update) error
	log     *slog.Logger

	mu       sync.Mutex
	cond     *sync.Cond
	queues   map[int64][]*models.Update
	inFlight int
	pending  map[int64]bool // update IDs enqueued and not handled yet
	inInbox  map[int64]bool // of those, the ones parked in the inbox
	done     []int64        // parked updates handled since: to take out
	wg       sync.WaitGroup
}

func newDispatcher(base, stopped context.Context, handle func(context.Context, *models.Update) error, log *slog.Logger) *dispatcher {
	d := &dispatcher{base: base, stopped: stopped, handle: handle, log: log, queues: map[int64][]*models.Update{},
		pending: map[int64]bool{}, inInbox: map[int64]bool{}}
	d.cond = sync.NewCond(&d.mu)
	return d
}

func (d *dispatcher) enqueue(u *models.Update) {
	chat := chatOf(u)
	d.mu.Lock()
	q, busy := d.queues[chat]
	d.queues[chat] = append(q, u)
	d.inFlight++
	d.pending[u.ID] = true
	d.mu.Unlock()
	if !busy {
		d.wg.Add(1)
		go d.run(chat)
	}
}

func (d *dispatcher) run(chat int64) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		q := d.queues[chat]
		if len(q) == 0 || d.stopped.Err() != nil {
			// On a stop, what is queued stays in the inbox for next time.
			d.inFlight -= len(q)
			for _, u := range q {
				delete(d.pending, u.ID)
			}
			delete(d.queues, chat)
			d.cond.Broadcast()
			d.mu.Unlock()
			return
		}
		u := q[0]
		d.mu.Unlock()
		if !d.apply(u) {
			continue // stopped while retrying: leave it for next time
		}
		d.mu.Lock()
		d.queues[chat] = d.queues[chat][1:]
		d.inFlight--
		delete(d.pending, u.ID)
		if d.inInbox[u.ID] {
			delete(d.inInbox, u.ID)
			d.done = append(d.done, u.ID)
		}
		d.cond.Broadcast()
		d.mu.Unlock()
	}
}

// apply handles u, trying again after a pause while the store is down, so
// that the chat's later updates never overtake it. It reports false when
// the poller stopped before u was applied.
func (d *dispatcher) apply(u *models.Update) bool {
	backoff := time.Duration(0)
	for {
		err := d.handle(d.base, u)
		if err == nil {
			return true
		}
		backoff = nextBackoff(backoff)
		d.log.Warn("update not applied, trying again", "update", u.ID, "in", backoff, "err", err)
		if sleep(d.stopped, backoff) != nil {
			return false
		}
	}
}

// waitBelow blocks until fewer than n updates are in flight or ctx ends.
func (d *dispatcher) waitBelow(ctx context.Context, n int) bool {
	stop := context.AfterFunc(ctx, func() {
		d.mu.Lock()
		d.cond.Broadcast()
		d.mu.Unlock()
	})
	defer stop()
	d.mu.Lock()
	defer d.mu.Unlock()
	for d.inFlight >= n {
		if ctx.Err() != nil {
			return false
		}
		d.cond.Wait()
	}
	return true
}

// waitDone blocks until none of ids is pending, ctx ends (false), or the
// timeout passes (false; zero waits without a limit).
func (d *dispatcher) waitDone(ctx context.Context, ids []int64, timeout time.Duration) bool {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	stop := context.AfterFunc(ctx, func() {
		d.mu.Lock()
		d.cond.Broadcast()
		d.mu.Unlock()
	})
	defer stop()
	d.mu.Lock()
	defer d.mu.Unlock()
	for {
		busy := false
		for _, id := range ids {
			if d.pending[id] {
				busy = true
				break
			}
		}
		if !busy {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		d.cond.Wait()
	}
}

// unfinished returns which of ids are still pending.
func (d *dispatcher) unfinished(ids []int64) map[int64]bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[int64]bool{}
	for _, id := range ids {
		if d.pending[id] {
			out[id] = true
		}
	}
	return out
}

// parked records that updates are in the inbox: each is taken out once
// handled (at once for those handled while they were being stored).
func (d *dispatcher) parked(updates []*models.Update) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, u := range updates {
		if d.pending[u.ID] {
			d.inInbox[u.ID] = true
		} else {
			d.done = append(d.done, u.ID)
		}
	}
}

// dropParked takes an inbox entry out that will not be handled.
func (d *dispatcher) dropParked(id int64) {
	d.mu.Lock()
	d.done = append(d.done, id)
	d.mu.Unlock()
}

func (d *dispatcher) takeDone() []int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := d.done
	d.done = nil
	return ids
}

func (d *dispatcher) requeueDone(ids []int64) {
	d.mu.Lock()
	d.done = append(d.done, ids...)
	d.mu.Unlock()
}

// stop waits for every chat goroutine to end.
func (d *dispatcher) stop() { d.wg.Wait() }
