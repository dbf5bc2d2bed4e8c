package pace

import (
	"context"
	"sync"
	"time"

	"github.com/intakebot/intakebot/bot/metrics"
)

// Priority is the lane a send waits in: a person's live reply goes
// before bulk traffic (reminders) whenever both wait for the same budget.
type Priority int

const (
	Live Priority = iota
	Bulk
	numPriorities
)

func (p Priority) String() string {
	if p == Bulk {
		return "bulk"
	}
	return "live"
}

// Limiter keeps the sender within Telegram's limits. It has three parts:
//
//   - the bot budget: at most perWindow requests in any window of length
//     window (30 per second). This is a rolling window - a token bucket whose
//     tokens each come back one window after they were spent - rather than a
//     bucket of 30 refilled at 30/s, which would allow 60 requests within one
//     second (30 of burst plus 30 refilled), the very thing Telegram counts.
//     A bulk send never takes a slot while a live send that could use it
//     waits.
//   - per chat: a token bucket of chatBurst tokens, one back every chatEvery,
//     and a block until a moment Telegram named in a 429 retry_after.
//   - per chat order: an operation holds its chat (enter/leave) from its first
//     request to its last retry, so the requests of one chat go out one at a
//     time, in the order the operations entered; live operations of a chat
//     go before its waiting bulk ones, each lane in its own order.
//
// Nothing here calls the Bot API: the mutex is only held for bookkeeping.
type Limiter struct {
	perWindow int
	window    time.Duration
	chatEvery time.Duration
	chatBurst float64
	metrics   *metrics.Metrics

	mu          sync.Mutex
	spent       []time.Time // when the last perWindow slots were taken; a ring
	oldest      int         // index of the oldest entry of spent
	pausedUntil time.Time   // a flood 429 on a call without chat pauses everything
	chats       map[int64]*chatLimit
	waiting     [numPriorities][]*sendWaiter // waiting for a slot, by lane, in order
	timer       *time.Timer
	wakeAt      time.Time // when timer fires; zero when it is not armed
	sweepAt     int       // sweep idle chats when there are this many
}

// chatLimit is the state of one chat.
type chatLimit struct {
	tokens       float64
	updated      time.Time // when tokens was computed
	blockedUntil time.Time
	busy         bool                         // an operation holds the chat
	queue        [numPriorities][]*sendWaiter // waiting to hold the chat
}

// sendWaiter is one goroutine waiting, for its chat or for a slot.
type sendWaiter struct {
	chat    int64
	prio    Priority
	ready   chan struct{} // receives once when granted
	granted bool          // under Limiter.mu
}

const minSweep = 256

// New returns a limiter of perSecond requests a second for the bot, and per
// chat a burst of chatBurst, then one every chatEvery.
func New(perSecond int, chatEvery time.Duration, chatBurst int, m *metrics.Metrics) *Limiter {
	return &Limiter{
		perWindow: perSecond,
		window:    time.Second,
		chatEvery: chatEvery,
		chatBurst: float64(chatBurst),
		metrics:   m,
		spent:     make([]time.Time, perSecond),
		chats:     map[int64]*chatLimit{},
		sweepAt:   minSweep,
	}
}

// Limits reports the budget: requests per window, the window, and the
// per-chat burst.
func (l *Limiter) Limits() (perWindow int, window time.Duration, chatBurst float64) {
	return l.perWindow, l.window, l.chatBurst
}

// SetWindow changes the bot budget's window (perWindow requests in any
// window d); before the first request only.
func (l *Limiter) SetWindow(d time.Duration) { l.window = d }

// Paused reports whether a flood 429 without a chat holds every request.
func (l *Limiter) Paused() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return !l.pausedUntil.IsZero()
}

func (l *Limiter) gauge(p Priority, d int64) {
	if p == Bulk {
		l.metrics.QueueBulk.Add(d)
	} else {
		l.metrics.QueueLive.Add(d)
	}
}

func (l *Limiter) chatLocked(chat int64, now time.Time) *chatLimit {
	c := l.chats[chat]
	if c == nil {
		c = &chatLimit{tokens: l.chatBurst, updated: now}
		l.chats[chat] = c
	}
	return c
}

// refill brings c's tokens up to now.
func (l *Limiter) refill(c *chatLimit, now time.Time) {
	if now.After(c.updated) {
		c.tokens += float64(now.Sub(c.updated)) / float64(l.chatEvery)
		if c.tokens > l.chatBurst {
			c.tokens = l.chatBurst
		}
		c.updated = now
	}
}

// enter waits until the operations of chat submitted before this one (live
// ones before bulk ones) are done, and then holds the chat until leave.
func (l *Limiter) Enter(ctx context.Context, chat int64, p Priority) error {
	l.mu.Lock()
	c := l.chatLocked(chat, time.Now())
	if !c.busy { // a free chat has nobody waiting: leave hands it on at once
		c.busy = true
		l.mu.Unlock()
		return nil
	}
	w := &sendWaiter{chat: chat, prio: p, ready: make(chan struct{}, 1)}
	c.queue[p] = append(c.queue[p], w)
	l.gauge(p, 1)
	l.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if w.granted { // handed the chat just now: pass it on
		l.leaveLocked(chat, time.Now())
	} else {
		c.queue[p] = removeWaiter(c.queue[p], w)
		l.gauge(p, -1)
	}
	return ctx.Err()
}

// leave ends the operation that holds chat.
func (l *Limiter) Leave(chat int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.leaveLocked(chat, time.Now())
}

func (l *Limiter) leaveLocked(chat int64, now time.Time) {
	c := l.chats[chat]
	c.busy = false
	for p := range c.queue {
		if q := c.queue[p]; len(q) > 0 {
			w := q[0]
			q[0] = nil
			c.queue[p] = q[1:]
			c.busy, w.granted = true, true
			l.gauge(w.prio, -1)
			w.ready <- struct{}{}
			break
		}
	}
	if len(l.chats) >= l.sweepAt {
		l.sweepLocked(now)
	}
}

// sweepLocked forgets chats whose state is the same as a new chat's, so the
// map stays about as large as the number of chats active recently.
func (l *Limiter) sweepLocked(now time.Time) {
	for id, c := range l.chats {
		if c.busy || len(c.queue[Live])+len(c.queue[Bulk]) > 0 || now.Before(c.blockedUntil) {
			continue
		}
		if l.refill(c, now); c.tokens >= l.chatBurst {
			delete(l.chats, id)
		}
	}
	l.sweepAt = max(minSweep, 2*len(l.chats))
}

// take waits for a request slot for chat, whose operation holds the chat:
// the chat is not blocked, has a token, and the bot budget has a slot. It
// reports whether it had to wait.
func (l *Limiter) Take(ctx context.Context, chat int64, p Priority) (waited bool, err error) {
	w := &sendWaiter{chat: chat, prio: p, ready: make(chan struct{}, 1)}
	l.mu.Lock()
	l.waiting[p] = append(l.waiting[p], w)
	l.gauge(p, 1)
	l.dispatchLocked(time.Now())
	granted := w.granted
	l.mu.Unlock()
	if granted {
		<-w.ready
		return false, nil
	}

	select {
	case <-w.ready:
		return true, nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !w.granted {
		l.waiting[p] = removeWaiter(l.waiting[p], w)
		l.gauge(p, -1)
		// A live waiter that held back bulk ones may be gone.
		l.dispatchLocked(time.Now())
	}
	return true, ctx.Err()
}

// dispatchLocked grants slots to the waiters that can have one now: live
// ones first, each lane in order. It stops at the first waiter that is
// ready but finds the bot budget spent, so that no later (or bulk) waiter
// takes the slot that frees up next. Then it arms the timer for the
// earliest moment a waiter may become ready.
func (l *Limiter) dispatchLocked(now time.Time) {
	var next time.Time
	note := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	stopped := now.Before(l.pausedUntil)
	if stopped && len(l.waiting[Live])+len(l.waiting[Bulk]) > 0 {
		note(l.pausedUntil)
	}
	for p := range l.waiting {
		q := l.waiting[p]
		n := 0
		for _, w := range q {
			if !stopped && l.grant(w, now, note, &stopped) {
				continue
			}
			q[n] = w
			n++
		}
		clear(q[n:])
		l.waiting[p] = q[:n]
	}
	l.armLocked(next, now)
}

// grant gives w a slot if it can have one now; otherwise it notes when it
// might, and sets stopped when the bot budget is what is missing.
func (l *Limiter) grant(w *sendWaiter, now time.Time, note func(time.Time), stopped *bool) bool {
	c := l.chatLocked(w.chat, now)
	if now.Before(c.blockedUntil) {
		note(c.blockedUntil)
		return false
	}
	l.refill(c, now)
	if c.tokens < 1 {
		note(now.Add(time.Duration((1 - c.tokens) * float64(l.chatEvery))))
		return false
	}
	if last := l.spent[l.oldest]; !last.IsZero() && now.Sub(last) < l.window {
		note(last.Add(l.window))
		*stopped = true
		return false
	}
	l.spent[l.oldest] = now
	l.oldest = (l.oldest + 1) % len(l.spent)
	c.tokens--
	w.granted = true
	l.gauge(w.prio, -1)
	w.ready <- struct{}{}
	return true
}

// armLocked makes the timer fire at next (if it is not set to fire
// earlier already).
func (l *Limiter) armLocked(next, now time.Time) {
	if next.IsZero() {
		return
	}
	if !l.wakeAt.IsZero() && !l.wakeAt.After(next) {
		return
	}
	d := next.Sub(now)
	if d < time.Millisecond {
		d = time.Millisecond
	}
	l.wakeAt = now.Add(d)
	if l.timer == nil {
		l.timer = time.AfterFunc(d, l.wake)
	} else {
		l.timer.Reset(d)
	}
}

func (l *Limiter) wake() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.wakeAt = time.Time{}
	l.dispatchLocked(time.Now())
}

// block keeps every request of chat back until until (a 429 for the chat).
func (l *Limiter) Block(chat int64, until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.chatLocked(chat, time.Now()); until.After(c.blockedUntil) {
		c.blockedUntil = until
	}
}

// pause keeps every request back until until (a flood 429 without chat).
func (l *Limiter) Pause(until time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if until.After(l.pausedUntil) {
		l.pausedUntil = until
	}
}

// clearOf waits until neither a pause nor a block of chat (when hasChat)
// holds requests back, for calls that take no slot (answerCallbackQuery).
// It reports whether it had to wait.
func (l *Limiter) ClearOf(ctx context.Context, chat int64, hasChat bool) (waited bool, err error) {
	for {
		now := time.Now()
		l.mu.Lock()
		until := l.pausedUntil
		if c := l.chats[chat]; hasChat && c != nil && c.blockedUntil.After(until) {
			until = c.blockedUntil
		}
		l.mu.Unlock()
		if !until.After(now) {
			return waited, nil
		}
		waited = true
		if err := sleepCtx(ctx, until.Sub(now)); err != nil {
			return waited, err
		}
	}
}

// ChatReady waits until chat, which the caller's operation holds (Enter),
// is neither blocked nor out of tokens, without taking one: a send asks
// the shared budget only once its chat may go, so that the bot's budget is
// not spent on a send that then waits for its chat.
func (l *Limiter) ChatReady(ctx context.Context, chat int64) error {
	for {
		now := time.Now()
		l.mu.Lock()
		c := l.chatLocked(chat, now)
		var until time.Time
		if now.Before(c.blockedUntil) {
			until = c.blockedUntil
		} else if l.refill(c, now); c.tokens < 1 {
			until = now.Add(time.Duration((1 - c.tokens) * float64(l.chatEvery)))
		}
		l.mu.Unlock()
		if until.IsZero() {
			return nil
		}
		if err := sleepCtx(ctx, until.Sub(now)); err != nil {
			return err
		}
	}
}

func removeWaiter(q []*sendWaiter, w *sendWaiter) []*sendWaiter {
	for i, x := range q {
		if x == w {
			copy(q[i:], q[i+1:])
			q[len(q)-1] = nil
			return q[:len(q)-1]
		}
	}
	return q
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
