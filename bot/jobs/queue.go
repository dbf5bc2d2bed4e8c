package jobs

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// ClaimFunc takes up to limit items due at now, the earliest first, and
// pushes each back to now+lease in the same step, so that no other claimer
// gets it within the lease and it is due again after the lease unless its
// run finished it.
type ClaimFunc func(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error)

// Queue is a job that works through due items, claimed in batches with a
// lease. An item whose run fails (or panics, or whose replica dies) is left
// to its lease and runs again when it is due again.
type Queue struct {
	Name  string
	Claim ClaimFunc
	// Run handles one claimed item; now is the time of its claim. Its ctx
	// is not ended by the stop (see the package comment); wrap it to track
	// or cut the run yourself.
	Run func(ctx context.Context, item string, now time.Time) error
	// Done, if set, is called after a successful Run, with the same ctx
	// and the end of the item's lease: a store that keeps finished items
	// until told removes it there (a Run that has already moved the item
	// or removed it needs no Done).
	Done func(ctx context.Context, item string, leasedUntil time.Time) error
	// Every is the time between ticks; a tick that claims a full batch is
	// followed by another at once.
	Every time.Duration
	// Lease is how long a claimed item stays with its claimer.
	Lease time.Duration
	// Batch is the most items one claim takes.
	Batch int
	// Parallel runs the items of a batch side by side instead of one after
	// the other. The batch is done when the slowest is.
	Parallel bool
	// Timeout, if positive, ends each run's context after it; it must not
	// exceed the lease. One after the other, an item whose lease ran out
	// before its turn is left for the next claim rather than run while
	// another replica may have claimed it.
	Timeout time.Duration
	// Item, if set, is how an item appears in the log (say, a pseudonym);
	// nil leaves items out of the log.
	Item func(item string) slog.Attr
}

func (q Queue) jobName() string { return q.Name }

func (q Queue) check() error {
	switch {
	case q.Name == "":
		return errors.New("no name")
	case q.Claim == nil || q.Run == nil:
		return errors.New("a queue needs Claim and Run")
	case q.Every <= 0 || q.Lease <= 0 || q.Batch <= 0:
		return errors.New("Every, Lease and Batch must be positive")
	case q.Timeout > q.Lease:
		return errors.New("Timeout exceeds the Lease: an item could run twice at once")
	}
	return nil
}

func (q Queue) loop(ctx context.Context, r *Runner) {
	every(ctx, q.Every, func() {
		for r.claimAndRun(ctx, q) == q.Batch && ctx.Err() == nil {
		}
	})
}

// claimAndRun claims one batch and runs it; it returns how many items the
// claim took.
func (r *Runner) claimAndRun(ctx context.Context, q Queue) int {
	if ctx.Err() != nil {
		return 0
	}
	log := r.Log.With("job", q.Name)
	now := r.Now()
	var items []string
	err := r.safely(log, func() (err error) {
		items, err = q.Claim(ctx, now, q.Lease, q.Batch)
		return err
	})
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, errPanic) {
			log.Error("can't claim the due items of a background job", "err", err)
		}
		return 0
	}
	if !q.Parallel {
		for _, item := range items {
			if ctx.Err() != nil || !r.Now().Before(now.Add(q.Lease)) {
				break // left to its lease
			}
			r.runItem(ctx, q, log, item, now)
		}
		return len(items)
	}
	var wg sync.WaitGroup
	for _, item := range items {
		wg.Go(func() { r.runItem(ctx, q, log, item, now) })
	}
	wg.Wait()
	return len(items)
}

// runItem runs one claimed item, and Done after it when it succeeded.
func (r *Runner) runItem(ctx context.Context, q Queue, log *slog.Logger, item string, now time.Time) {
	if q.Item != nil {
		log = log.With(q.Item(item))
	}
	run, cancel := r.runContext(ctx, q.Timeout)
	defer cancel()
	err := r.safely(log, func() error {
		if err := q.Run(run, item, now); err != nil {
			return err
		}
		if q.Done != nil {
			return q.Done(run, item, now.Add(q.Lease))
		}
		return nil
	})
	if err != nil && !errors.Is(err, errPanic) {
		log.Error("a background job failed on an item; it runs again after its lease", "err", err)
	}
}
