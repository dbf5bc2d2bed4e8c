package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func items(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("item-%03d", i)
	}
	return out
}

func TestQueueClaimsAgainAtOnceWhileTheBatchComesBackFull(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		items      int
		batch      int
		wantClaims []int
	}{
		{"nothing due", 0, 50, []int{0}},
		{"less than a batch", 3, 50, []int{3}},
		{"a full batch, then an empty claim", 50, 50, []int{50, 0}},
		{"two and a half batches", 120, 50, []int{50, 50, 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClock()
			s := newStore(c.Now(), items(tt.items)...)
			var ran sync.Map
			q := Queue{Name: "due", Claim: s.Claim, Done: s.Done, Every: time.Hour, Lease: 5 * time.Minute, Batch: tt.batch,
				Run: func(ctx context.Context, item string, now time.Time) error {
					if _, again := ran.LoadOrStore(item, true); again {
						t.Errorf("%s ran twice", item)
					}
					return nil
				}}
			r, _ := newRunner(c)
			ctx, cancel := context.WithCancel(context.Background())
			if err := r.Start(ctx, q); err != nil {
				t.Fatal(err)
			}
			// The next tick is an hour away: the claims stop at the first
			// batch that is not full.
			eventually(t, "all ran and a claim came back short", func() bool {
				got := s.Claims()
				return len(s.DoneItems()) == tt.items && len(got) > 0 && got[len(got)-1] < tt.batch
			})
			stop(t, r, cancel)
			if got := s.Claims(); !slices.Equal(got, tt.wantClaims) {
				t.Errorf("claims took %v items, want %v", got, tt.wantClaims)
			}
			if got := len(s.DoneItems()); got != tt.items {
				t.Errorf("%d items done, want all %d", got, tt.items)
			}
		})
	}
}

func TestFailedItemRunsAgainAfterItsLeaseAndTheLogNamesNoItem(t *testing.T) {
	t.Parallel()
	const lease = 5 * time.Minute
	c := newClock()
	s := newStore(c.Now(), "chat-4711", "chat-4712")
	var mu sync.Mutex
	var ran []string
	failures := 1
	q := Queue{Name: "reminders", Claim: s.Claim, Done: s.Done, Every: time.Minute, Lease: lease, Batch: 10,
		Run: func(ctx context.Context, item string, now time.Time) error {
			mu.Lock()
			defer mu.Unlock()
			ran = append(ran, item)
			if item == "chat-4712" && failures > 0 {
				failures--
				return errors.New("telegram said no")
			}
			return nil
		}}
	r, logs := newRunner(c)
	steps := []struct {
		name    string
		advance time.Duration
		wantRan []string
	}{
		{"both run, the second fails", 0, []string{"chat-4711", "chat-4712"}},
		{"a minute on, the failed one is still leased", time.Minute, nil},
		{"at the end of its lease it runs again", lease - time.Minute, []string{"chat-4712"}},
		{"both are done", lease, nil},
	}
	for _, step := range steps {
		c.Add(step.advance)
		mu.Lock()
		ran = nil
		mu.Unlock()
		r.init()
		r.claimAndRun(context.Background(), q)
		mu.Lock()
		if !slices.Equal(ran, step.wantRan) {
			t.Errorf("%s: ran %v, want %v", step.name, ran, step.wantRan)
		}
		mu.Unlock()
	}
	if got := s.DoneItems(); !slices.Equal(got, []string{"chat-4711", "chat-4712"}) {
		t.Errorf("done %v, want both, the failed one after its retry", got)
	}
	log := logs.String()
	if !strings.Contains(log, `"job":"reminders"`) || !strings.Contains(log, "telegram said no") {
		t.Errorf("the failure is not logged with the job's name and error:\n%s", log)
	}
	if strings.Contains(log, "4712") {
		t.Errorf("the log names the item:\n%s", log)
	}
}

func TestItemAttrPutsAPseudonymInTheLog(t *testing.T) {
	t.Parallel()
	c := newClock()
	s := newStore(c.Now(), "chat-4711")
	q := Queue{Name: "alerts", Claim: s.Claim, Every: time.Minute, Lease: time.Minute, Batch: 1,
		Run:  func(ctx context.Context, item string, now time.Time) error { return errors.New("no") },
		Item: func(item string) slog.Attr { return slog.String("chat", "p-"+strings.TrimPrefix(item, "chat-")[:2]) }}
	r, logs := newRunner(c)
	r.init()
	r.claimAndRun(context.Background(), q)
	if log := logs.String(); !strings.Contains(log, `"chat":"p-47"`) || strings.Contains(log, "4711") {
		t.Errorf("want the item as its pseudonym only:\n%s", log)
	}
}

func TestItemsRunSideBySideOnlyWhenParallel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		parallel bool
		want     int32
	}{
		{parallel: true, want: 3},
		{parallel: false, want: 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("parallel=%v", tt.parallel), func(t *testing.T) {
			t.Parallel()
			c := newClock()
			s := newStore(c.Now(), items(3)...)
			var running, most atomic.Int32
			q := Queue{Name: "alerts", Claim: s.Claim, Done: s.Done, Every: time.Minute, Lease: time.Minute, Batch: 3, Parallel: tt.parallel,
				Run: func(ctx context.Context, item string, now time.Time) error {
					n := running.Add(1)
					defer running.Add(-1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					// Wait a little for the others, so that side by side
					// shows; one after the other, nobody comes.
					for i := 0; i < 200 && running.Load() < 3; i++ {
						time.Sleep(time.Millisecond)
					}
					return nil
				}}
			r, _ := newRunner(c)
			r.init()
			if n := r.claimAndRun(context.Background(), q); n != 3 {
				t.Fatalf("claimed %d, want 3", n)
			}
			if got := most.Load(); got != tt.want {
				t.Errorf("at most %d ran at once, want %d", got, tt.want)
			}
			if got := len(s.DoneItems()); got != 3 {
				t.Errorf("%d done, want 3: the batch returns when all are", got)
			}
		})
	}
}

func TestTimeoutEndsTheSlowItemOnly(t *testing.T) {
	t.Parallel()
	c := newClock()
	s := newStore(c.Now(), "slow", "quick")
	q := Queue{Name: "alerts", Claim: s.Claim, Done: s.Done, Every: time.Minute, Lease: time.Minute, Batch: 2,
		Parallel: true, Timeout: 20 * time.Millisecond,
		Run: func(ctx context.Context, item string, now time.Time) error {
			if item == "slow" {
				<-ctx.Done()
				return ctx.Err()
			}
			return nil
		}}
	r, _ := newRunner(c)
	r.init()
	r.claimAndRun(context.Background(), q)
	if got := s.DoneItems(); !slices.Equal(got, []string{"quick"}) {
		t.Errorf("done %v, want [quick]: the slow one is left to its lease", got)
	}
}

func TestOneAfterTheOtherItemsWhoseLeaseRanOutAreLeft(t *testing.T) {
	t.Parallel()
	c := newClock()
	s := newStore(c.Now(), items(5)...)
	var ran []string
	q := Queue{Name: "due", Claim: s.Claim, Done: s.Done, Every: time.Minute, Lease: 5 * time.Minute, Batch: 5,
		Run: func(ctx context.Context, item string, now time.Time) error {
			ran = append(ran, item)
			c.Add(2 * time.Minute) // each item takes two minutes
			return nil
		}}
	r, _ := newRunner(c)
	r.init()
	r.claimAndRun(context.Background(), q)
	if want := items(3); !slices.Equal(ran, want) {
		t.Errorf("ran %v, want %v: the rest were due again before their turn", ran, want)
	}
}

func TestStartRefusesAJobThatCannotWork(t *testing.T) {
	t.Parallel()
	run := func(context.Context, string, time.Time) error { return nil }
	claim := newStore(t0).Claim
	ok := Queue{Name: "q", Claim: claim, Run: run, Every: time.Minute, Lease: time.Minute, Batch: 1}
	tests := []struct {
		name string
		jobs []Job
	}{
		{"no name", []Job{Queue{Claim: claim, Run: run, Every: time.Minute, Lease: time.Minute, Batch: 1}}},
		{"no claim", []Job{Queue{Name: "q", Run: run, Every: time.Minute, Lease: time.Minute, Batch: 1}}},
		{"no lease", []Job{Queue{Name: "q", Claim: claim, Run: run, Every: time.Minute, Batch: 1}}},
		{"no batch", []Job{Queue{Name: "q", Claim: claim, Run: run, Every: time.Minute, Lease: time.Minute}}},
		{"timeout beyond the lease", []Job{Queue{Name: "q", Claim: claim, Run: run, Every: time.Minute, Lease: time.Minute, Batch: 1, Timeout: time.Hour}}},
		{"periodic without interval", []Job{Periodic{Name: "p", Run: func(context.Context, time.Time) error { return nil }}}},
		{"one name twice", []Job{ok, ok}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r Runner
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if err := r.Start(ctx, tt.jobs...); err == nil {
				t.Error("Start accepted it")
			}
		})
	}
}
