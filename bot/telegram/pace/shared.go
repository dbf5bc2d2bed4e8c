package pace

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/intakebot/intakebot/bot/metrics"
)

// Budget is the bot's send budget shared by all its replicas (kept in
// Redis: storage/sendbudget; in memory: storage/memory.SendBudget).
type Budget interface {
	// Take takes one send when more than reserve sends are left and
	// reports zero; otherwise it takes none and reports how long until
	// there are.
	Take(ctx context.Context, reserve int) (time.Duration, error)
}

// Shared makes a replica's sends draw on the Budget of the whole bot, on
// top of its own Limiter (whose bot-wide window is then only a guard: a
// send holds a slot of it from the moment it is granted, so a window as
// tight as the budget would make live replies wait behind bulk sends that
// wait for the budget): live replies may spend the budget to the last
// send, bulk traffic only what is left above Reserve, so that bulk on one
// replica waits behind live replies on any replica. When the budget does
// not answer (Redis down, or slower than Timeout), the send goes out on
// the replica's own limiter alone, counted in BudgetFallbacks, and the
// budget is not asked again for Retry: an outage never stops replies.
type Shared struct {
	Budget  Budget
	Reserve int
	Timeout time.Duration
	Retry   time.Duration
	Metrics *metrics.Metrics
	Log     *slog.Logger

	mu        sync.Mutex
	downUntil time.Time
	// One waiter per lane asks the budget at a time; the others queue
	// here, in order, so that a replica does not flood Redis with asks.
	turn [numPriorities]chan struct{}
	once sync.Once
}

// Wait waits until the shared budget has a send for lane p. It reports
// fellBack when the budget did not answer and the send must keep to the
// replica's own limits alone.
func (s *Shared) Wait(ctx context.Context, p Priority) (fellBack bool, err error) {
	if s == nil || s.Budget == nil {
		return false, nil
	}
	s.once.Do(func() {
		for i := range s.turn {
			s.turn[i] = make(chan struct{}, 1)
		}
		if s.Log == nil {
			s.Log = slog.New(slog.DiscardHandler)
		}
	})
	select {
	case s.turn[p] <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-s.turn[p] }()
	reserve := 0
	if p == Bulk {
		reserve = s.Reserve
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 250 * time.Millisecond
	}
	// A send with a deadline (first aid, an alert) spends at most a
	// quarter of what is left of it on asking: a budget that does not
	// answer must not make the send itself fail.
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(dl)/4)
	}
	waited := false
	for {
		if s.isDown() {
			s.Metrics.BudgetFallbacks.Add(1)
			return true, nil
		}
		actx, cancel := context.WithTimeout(ctx, timeout)
		wait, err := s.Budget.Take(actx, reserve)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			s.markDown(err)
			s.Metrics.BudgetFallbacks.Add(1)
			return true, nil
		}
		if wait <= 0 {
			return false, nil
		}
		if !waited {
			waited = true
			s.Metrics.BudgetWaits.Add(1)
		}
		// A little jitter, so that replicas asking for the same free
		// send don't ask in lockstep.
		if err := sleepCtx(ctx, wait+rand.N(wait/4+time.Millisecond)); err != nil {
			return false, err
		}
	}
}

func (s *Shared) isDown() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Now().Before(s.downUntil)
}

func (s *Shared) markDown(err error) {
	retry := s.Retry
	if retry <= 0 {
		retry = 2 * time.Second
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Now().Before(s.downUntil) {
		return
	}
	s.downUntil = time.Now().Add(retry)
	s.Log.Warn("the shared send budget does not answer; sending on this replica's own limits", "retry_in", retry, "err", err)
}
