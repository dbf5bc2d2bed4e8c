package telegram

import (
	"context"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/dialog"
)

// dispatcher runs each chat's updates in order on a goroutine of that
// chat, which ends when the chat has nothing more to do. Each chat's queue
// is capped (fair lanes): what comes beyond the cap is merged into the
// chat's last queued message or dropped and counted, so that one chat's
// flood never fills the poller's shared in-flight cap.
type dispatcher struct {
	base    context.Context // handlers' context: not cancelled by a stop
	stopped context.Context // ends when the poller stops
	handle  func(context.Context, *models.Update) error
	front   Front // may be nil
	log     *slog.Logger
	perChat int

	mu       sync.Mutex
	cond     *sync.Cond
	queues   map[int64]*chatQueue
	inFlight int            // updates queued (merged ones not counted)
	pending  map[int64]bool // update IDs enqueued and not handled yet
	behind   map[int64]bool // of those, the ones queued behind a backlog
	inInbox  map[int64]bool // of those, the ones parked in the inbox
	done     []int64        // parked updates handled since: to take out
	wg       sync.WaitGroup
}

// chatQueue is one chat's updates, the first one running; told* once per
// burst that its messages are merged or some dropped.
type chatQueue struct {
	q                       []*entry
	toldMerged, toldDropped bool
}

// entry is a queued update and those merged into it.
type entry struct {
	u      *models.Update
	merged []int64
}

func newDispatcher(base, stopped context.Context, handle func(context.Context, *models.Update) error, front Front, perChat int, log *slog.Logger) *dispatcher {
	d := &dispatcher{base: base, stopped: stopped, handle: handle, front: front, perChat: perChat, log: log,
		queues: map[int64]*chatQueue{}, pending: map[int64]bool{}, behind: map[int64]bool{}, inInbox: map[int64]bool{}}
	d.cond = sync.NewCond(&d.mu)
	return d
}

type admission int // how an update joins its chat's queue

const (
	admitQueued admission = iota
	admitMerged
	admitDropped
)

// enqueue gives u its first aid (before it waits behind anything) and
// queues it on its chat, within the chat's cap.
func (d *dispatcher) enqueue(u *models.Update) {
	chat, aided := chatOf(u), false
	if d.front != nil {
		d.mu.Lock()
		cq := d.queues[chat]
		waiting := cq != nil && len(cq.q) > 0
		d.mu.Unlock()
		aided = d.front.FirstAid(d.base, u, waiting)
	}
	d.mu.Lock()
	cq, busy := d.queues[chat]
	if !busy {
		cq = &chatQueue{}
		d.queues[chat] = cq
	}
	how, notice := d.admit(cq, u, aided), false
	switch how {
	case admitQueued:
		cq.q = append(cq.q, &entry{u: u})
		d.inFlight++
		d.pending[u.ID], d.behind[u.ID] = true, len(cq.q) > 2 // two or more ahead
	case admitMerged: // done with the message it was merged into
		d.pending[u.ID], d.behind[u.ID] = true, true
		notice, cq.toldMerged = !cq.toldMerged, true
	case admitDropped:
		notice, cq.toldDropped = !cq.toldDropped, true
	}
	d.mu.Unlock()
	if how != admitQueued && d.front != nil {
		d.front.Crowded(d.base, u, how == admitDropped, notice)
	}
	if !busy {
		d.wg.Add(1)
		go d.run(chat)
	}
}

// admit decides how u joins cq: queued below the cap; beyond it a text is
// merged, on a line of its own (a list question takes each line as an
// entry), into the last queued text (never into the one running) while
// that stays within dialog.DefaultTextMax, or queued up to twice the cap;
// a command is queued up to twice the cap, /urgent always; anything else
// (media, a press) is dropped. A text that got first aid (aided) is not
// merged below twice the cap: its own update carries that to the engine.
func (d *dispatcher) admit(cq *chatQueue, u *models.Update, aided bool) admission {
	n := len(cq.q)
	if n < d.perChat || aided && n < 2*d.perChat {
		return admitQueued
	}
	ev := eventOf(u)
	switch {
	case ev.Kind == dialog.EventCommand && (ev.Command == "urgent" || ev.Command == "dringend" || n < 2*d.perChat):
		return admitQueued
	case ev.Kind != dialog.EventText:
		return admitDropped
	}
	if last := eventOf(cq.q[n-1].u); n > 1 && last.Kind == dialog.EventText &&
		utf8.RuneCountInString(last.Text)+utf8.RuneCountInString(ev.Text)+1 <= dialog.DefaultTextMax {
		cq.q[n-1].u = withText(cq.q[n-1].u, last.Text+"\n"+ev.Text)
		cq.q[n-1].merged = append(cq.q[n-1].merged, u.ID)
		return admitMerged
	}
	if n < 2*d.perChat {
		return admitQueued
	}
	return admitDropped
}

// eventOf is what u is to the intake (a text, a command, ...).
func eventOf(u *models.Update) dialog.Event {
	in, _ := toRequest(u, "")
	return in.Event
}

// withText is a copy of u with another message text; u is not changed (it
// is what the inbox keeps).
func withText(u *models.Update, text string) *models.Update {
	cp := *u
	m := *u.Message
	m.Text = text
	m.Entities = nil
	cp.Message = &m
	return &cp
}

func (d *dispatcher) run(chat int64) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		cq := d.queues[chat]
		if len(cq.q) == 0 || d.stopped.Err() != nil {
			// On a stop, what is queued stays in the inbox for next time.
			d.inFlight -= len(cq.q)
			for _, e := range cq.q {
				for _, id := range append(e.merged, e.u.ID) {
					delete(d.pending, id)
					delete(d.behind, id)
				}
			}
			delete(d.queues, chat)
			d.cond.Broadcast()
			d.mu.Unlock()
			return
		}
		e := cq.q[0]
		d.mu.Unlock()
		// The head is never merged into (admit merges into the last of
		// two or more), so e.u stays as it is while it runs.
		if !d.apply(e.u) {
			continue // stopped while retrying: leave it for next time
		}
		d.mu.Lock()
		cq.q = cq.q[1:]
		d.inFlight--
		for _, id := range append([]int64{e.u.ID}, e.merged...) {
			delete(d.pending, id)
			delete(d.behind, id)
			if d.inInbox[id] {
				delete(d.inInbox, id)
				d.done = append(d.done, id)
			}
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
// timeout passes (false; zero waits without a limit). It reports false at
// once when one waits behind its chat's backlog: it is no use waiting.
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
			if d.behind[id] {
				return false
			}
			if d.pending[id] {
				busy = true
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
