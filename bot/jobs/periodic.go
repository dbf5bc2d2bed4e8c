package jobs

import (
	"context"
	"errors"
	"time"
)

// Periodic is a job that runs every so often, at start and then every
// Every. With the Runner's Lease, one replica runs it per period: each
// replica tries every Every, and the first to take the lease runs it.
type Periodic struct {
	Name  string
	Every time.Duration
	// Run does the job's work once; now is the time of the tick. Its ctx
	// is not ended by the stop, and ends at the lease's end (see leaseFor).
	Run func(ctx context.Context, now time.Time) error
}

func (p Periodic) jobName() string { return p.Name }

func (p Periodic) check() error {
	switch {
	case p.Name == "":
		return errors.New("no name")
	case p.Run == nil:
		return errors.New("a periodic job needs Run")
	case p.Every <= 0:
		return errors.New("Every must be positive")
	}
	return nil
}

// leaseFor is how long a periodic run holds its lease, and so how long it
// may take: a little less than the period, so that the replica that ran it
// finds the lease free at its next tick even when its ticker is a little
// early; a run may take no longer, so that two never overlap.
func (p Periodic) leaseFor() time.Duration {
	return p.Every - p.Every/10
}

func (p Periodic) loop(ctx context.Context, r *Runner) {
	every(ctx, p.Every, func() { r.runPeriodic(ctx, p) })
}

// runPeriodic runs p once if it can take p's lease.
func (r *Runner) runPeriodic(ctx context.Context, p Periodic) {
	if ctx.Err() != nil {
		return
	}
	log := r.Log.With("job", p.Name)
	now := r.Now()
	if r.Lease != nil {
		var mine bool
		err := r.safely(log, func() (err error) {
			mine, err = r.Lease.Acquire(ctx, p.Name, p.leaseFor())
			return err
		})
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, errPanic) {
				log.Error("can't take the lease of a background job", "err", err)
			}
			return
		}
		if !mine {
			return // another replica has this period
		}
	}
	run, cancel := r.runContext(ctx, p.leaseFor())
	defer cancel()
	if err := r.safely(log, func() error { return p.Run(run, now) }); err != nil && !errors.Is(err, errPanic) {
		log.Error("a background job failed; it runs again next period", "err", err)
	}
}
