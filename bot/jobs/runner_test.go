package jobs

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestStopWaitsForRunsInProgressAndClaimsNothingNew(t *testing.T) {
	t.Parallel()
	for _, parallel := range []bool{false, true} {
		name := map[bool]string{false: "one after the other", true: "side by side"}[parallel]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newClock()
			s := newStore(c.Now(), items(4)...) // two full batches
			started := make(chan context.Context, 4)
			release := make(chan struct{})
			var runs atomic.Int32
			q := Queue{Name: "due", Claim: s.Claim, Done: s.Done, Every: time.Minute, Lease: 5 * time.Minute, Batch: 2, Parallel: parallel,
				Run: func(ctx context.Context, item string, now time.Time) error {
					runs.Add(1)
					started <- ctx
					<-release
					return ctx.Err()
				}}
			r, _ := newRunner(c)
			ctx, cancel := context.WithCancel(context.Background())
			if err := r.Start(ctx, q); err != nil {
				t.Fatal(err)
			}
			runCtx := <-started
			cancel()
			waited := make(chan error, 1)
			go func() {
				deadline, done := context.WithTimeout(context.Background(), 5*time.Second)
				defer done()
				waited <- r.Wait(deadline)
			}()
			select {
			case err := <-waited:
				t.Fatalf("Wait returned (%v) while a run was in progress", err)
			case <-time.After(50 * time.Millisecond):
			}
			if runCtx.Err() != nil {
				t.Fatal("the stop cut the run in progress")
			}
			close(release)
			if err := <-waited; err != nil {
				t.Fatalf("Wait: %v", err)
			}
			if got := s.Claims(); len(got) != 1 {
				t.Errorf("claims %v after the stop, want only the first", got)
			}
			// One after the other, the item not started yet is left to its
			// lease; side by side, both had started.
			want := map[bool]int32{false: 1, true: 2}[parallel]
			if got := runs.Load(); got != want {
				t.Errorf("%d runs, want %d", got, want)
			}
			if got := len(s.DoneItems()); got != int(want) {
				t.Errorf("%d done, want the %d that ran: a stopped run is saved", got, want)
			}
		})
	}
}

func TestWaitCutsRunsAtTheShutdownDeadline(t *testing.T) {
	t.Parallel()
	c := newClock()
	started := make(chan struct{})
	ended := make(chan error, 1)
	p := Periodic{Name: "trim", Every: time.Hour, Run: func(ctx context.Context, now time.Time) error {
		close(started)
		<-ctx.Done()
		ended <- ctx.Err()
		return ctx.Err()
	}}
	r, _ := newRunner(c)
	ctx, cancel := context.WithCancel(context.Background())
	if err := r.Start(ctx, p); err != nil {
		t.Fatal(err)
	}
	<-started
	cancel()
	deadline, done := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer done()
	if err := r.Wait(deadline); err == nil {
		t.Error("Wait says all stopped while a run ignored the stop")
	}
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the run ended with %v, want it cancelled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the run's context did not end at the deadline")
	}
}

func TestPanicsAreCaughtAndLogged(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		job      func(s *store) Job
		lease    Lease
		wantDone int
	}{
		{"in a queue's run, the other items go on", func(s *store) Job {
			return Queue{Name: "due", Claim: s.Claim, Done: s.Done, Every: time.Hour, Lease: time.Minute, Batch: 3,
				Run: func(ctx context.Context, item string, now time.Time) error {
					if item == "item-001" {
						panic("index out of range")
					}
					return nil
				}}
		}, nil, 2},
		{"in a parallel queue's run", func(s *store) Job {
			return Queue{Name: "alerts", Claim: s.Claim, Done: s.Done, Every: time.Hour, Lease: time.Minute, Batch: 3, Parallel: true,
				Run: func(ctx context.Context, item string, now time.Time) error {
					if item == "item-001" {
						panic("index out of range")
					}
					return nil
				}}
		}, nil, 2},
		{"in a claim", func(s *store) Job {
			return Queue{Name: "due", Every: time.Hour, Lease: time.Minute, Batch: 3,
				Claim: func(context.Context, time.Time, time.Duration, int) ([]string, error) { panic("nil map") },
				Run:   func(context.Context, string, time.Time) error { return nil }}
		}, nil, 0},
		{"in a periodic run", func(s *store) Job {
			return Periodic{Name: "trim", Every: time.Hour, Run: func(context.Context, time.Time) error { panic("nil map") }}
		}, nil, 0},
		{"in a lease", func(s *store) Job {
			return Periodic{Name: "trim", Every: time.Hour, Run: func(context.Context, time.Time) error { return nil }}
		}, panickyLease{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClock()
			s := newStore(c.Now(), items(3)...)
			r, logs := newRunner(c)
			r.Lease = tt.lease
			var panics atomic.Int32
			r.OnPanic = func() { panics.Add(1) }
			ctx, cancel := context.WithCancel(context.Background())
			if err := r.Start(ctx, tt.job(s)); err != nil {
				t.Fatal(err)
			}
			eventually(t, "the panic was caught", func() bool { return panics.Load() > 0 })
			stop(t, r, cancel)
			if got := panics.Load(); got != 1 {
				t.Errorf("%d panics counted, want 1", got)
			}
			if log := logs.String(); !strings.Contains(log, "panic in a background job") || !strings.Contains(log, "stack") {
				t.Errorf("the panic is not logged with its stack:\n%s", log)
			}
			if got := len(s.DoneItems()); got != tt.wantDone {
				t.Errorf("%d items done, want %d (the one that panicked is left to its lease)", got, tt.wantDone)
			}
		})
	}
}

type panickyLease struct{}

func (panickyLease) Acquire(context.Context, string, time.Duration) (bool, error) {
	panic("nil client")
}

func TestPeriodicJobRunsOnOneReplicaPerPeriod(t *testing.T) {
	t.Parallel()
	const period = time.Hour
	c := newClock()
	shared := &leases{now: c.Now}
	var runs atomic.Int32
	p := Periodic{Name: "trim-audit", Every: period, Run: func(ctx context.Context, now time.Time) error {
		runs.Add(1)
		return nil
	}}
	a, _ := newRunner(c)
	b, _ := newRunner(c)
	a.Lease, b.Lease = shared, shared
	a.init()
	b.init()
	steps := []struct {
		name    string
		advance time.Duration
		want    int32
	}{
		{"both tick at once: one runs", 0, 1},
		{"the other ticks half a period later: nothing", period / 2, 0},
		{"the next period: one runs", period / 2, 1},
		{"the same period, a little early: nothing", period - period/10 - time.Second, 0},
		{"the lease ended: one runs", time.Second, 1},
	}
	for _, step := range steps {
		c.Add(step.advance)
		runs.Store(0)
		a.runPeriodic(context.Background(), p)
		b.runPeriodic(context.Background(), p)
		if got := runs.Load(); got != step.want {
			t.Errorf("%s: %d runs, want %d", step.name, got, step.want)
		}
	}
}

func TestPeriodicJobWithoutLeaseRunsEverywhereAndALeaseErrorSkipsTheRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		lease    Lease
		want     int32
		wantLogs string
	}{
		{"no lease: each replica runs it", nil, 2, ""},
		{"the lease store is down: nobody runs it", &leases{now: time.Now, err: errors.New("connection refused")}, 0, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClock()
			var runs atomic.Int32
			p := Periodic{Name: "prune", Every: time.Hour, Run: func(context.Context, time.Time) error { runs.Add(1); return nil }}
			r, logs := newRunner(c)
			r.Lease = tt.lease
			r.init()
			r.runPeriodic(context.Background(), p)
			r.runPeriodic(context.Background(), p)
			if got := runs.Load(); got != tt.want {
				t.Errorf("%d runs, want %d", got, tt.want)
			}
			if !strings.Contains(logs.String(), tt.wantLogs) || (tt.wantLogs != "" && !strings.Contains(logs.String(), `"job":"prune"`)) {
				t.Errorf("log %q, want it to name the job and %q", logs.String(), tt.wantLogs)
			}
		})
	}
}
