// Package jobs runs the bot's background work: every loop that wakes up on
// a timer to do something nobody is waiting for in a chat. It knows nothing
// of Telegram or Redis; the stores plug in through two small interfaces.
//
// There are two kinds of job:
//
//   - A Queue works through items that fall due (a handoff waiting for its
//     acknowledgement, an alert nobody took, a reminder). Each tick it
//     claims a batch from the store with a lease: the store pushes every
//     claimed item back by the lease, so that several replicas never take
//     the same item within it, and an item whose run failed or whose
//     replica crashed is simply due again when the lease runs out. That is
//     the only retry there is: a run must be safe to repeat.
//   - A Periodic job does one thing every so often for the whole deployment
//     (pruning an index, trimming the audit trail). With several replicas a
//     Lease lets one of them run it per period.
//
// Add a job when work must happen later or again without a person's
// message to start it. Make it a Queue when it is about many items, each
// with its own due time, kept in the store (the item is the ID of what to
// work on, never its content); make it Periodic when one run covers
// everything. Work that answers the update in hand does not belong here.
//
// Stopping: when the context given to Start ends, no new claim or run
// starts. Runs in progress are not cut by the stop (messages sent but not
// saved could not be taken back); Wait waits for them until the shutdown
// deadline, and only then are their contexts cancelled.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Lease lets one replica of several run a periodic job: Acquire reports
// whether name was free and is now held by the caller for ttl. A lease is
// never released; it ends with its ttl, so that a replica that crashed
// holds nothing for long.
type Lease interface {
	Acquire(ctx context.Context, name string, ttl time.Duration) (bool, error)
}

// Job is a Queue or a Periodic.
type Job interface {
	jobName() string
	check() error
	loop(ctx context.Context, r *Runner)
}

// Runner runs jobs until the context given to Start ends. Set its fields
// before Start; a Runner must not be copied after.
type Runner struct {
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Log receives failures, with the job's name and never an item's
	// content; nil discards them.
	Log *slog.Logger
	// Lease makes periodic jobs run on one replica at a time; nil runs
	// them on every replica (enough for one).
	Lease Lease
	// OnPanic, if set, is called after a panic in a job was caught and
	// logged (for a metric).
	OnPanic func()

	wg   sync.WaitGroup // job loops and runs in progress
	once sync.Once
	hard context.Context // ends when Wait's deadline passed
	cut  context.CancelFunc
}

func (r *Runner) init() {
	r.once.Do(func() {
		if r.Now == nil {
			r.Now = time.Now
		}
		if r.Log == nil {
			r.Log = slog.New(slog.DiscardHandler)
		}
		r.hard, r.cut = context.WithCancel(context.Background())
	})
}

// Start checks the jobs and runs each in its own goroutine until ctx ends;
// it returns at once. Names must be unique: they key the leases and the
// logs.
func (r *Runner) Start(ctx context.Context, jobs ...Job) error {
	r.init()
	seen := map[string]bool{}
	for _, j := range jobs {
		if err := j.check(); err != nil {
			return fmt.Errorf("job %q: %w", j.jobName(), err)
		}
		if seen[j.jobName()] {
			return fmt.Errorf("job %q: the name is taken", j.jobName())
		}
		seen[j.jobName()] = true
	}
	for _, j := range jobs {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			j.loop(ctx, r)
		}()
	}
	return nil
}

// Wait waits until the jobs stopped after the context given to Start
// ended, and the runs in progress are done. When ctx (the shutdown
// deadline) ends first, it cancels the runs' contexts and returns.
func (r *Runner) Wait(ctx context.Context) error {
	r.init()
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		r.cut()
		return errors.New("background jobs still running at the shutdown deadline")
	}
}

// runContext is the context of one run: it keeps ctx's values but not its
// end, so a stop does not cut the run; it ends at timeout (if positive) or
// when Wait gives up.
func (r *Runner) runContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	run, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(r.hard, cancel)
	if timeout > 0 {
		var cancelTimeout context.CancelFunc
		run, cancelTimeout = context.WithTimeout(run, timeout)
		return run, func() { cancelTimeout(); stop(); cancel() }
	}
	return run, func() { stop(); cancel() }
}

// errPanic is what safely returns for a panic it has logged already.
var errPanic = errors.New("panic")

// safely runs fn; a panic in it is logged with log and returned as
// errPanic, so that no panic leaves a job.
func (r *Runner) safely(log *slog.Logger, fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("panic in a background job", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if r.OnPanic != nil {
				r.OnPanic()
			}
			err = errPanic
		}
	}()
	return fn()
}

// every calls fn now and then every interval until ctx ends.
func every(ctx context.Context, interval time.Duration, fn func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		fn()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Once runs one pass of q now, as a tick does: one claim of at most
// q.Batch items, and their runs. It returns how many items it claimed. It
// is for tests that move the clock, and for tools that work a queue by hand.
func (r *Runner) Once(ctx context.Context, q Queue) (int, error) {
	if err := q.check(); err != nil {
		return 0, fmt.Errorf("job %q: %w", q.Name, err)
	}
	r.init()
	return r.claimAndRun(ctx, q), nil
}
