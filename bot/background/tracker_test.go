package background_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/background"
)

// An erasure settles the work on its intake first: the work is told to
// stop, and Settle returns once it has; work on other intakes goes on.
func TestSettleStopsTheWorkOfOneIntakeAndWaitsForIt(t *testing.T) {
	var tr background.Tracker
	stopped := make(chan string, 2)
	for _, key := range []string{"1", "2"} {
		ctx, finish := tr.Track(context.Background(), key)
		tr.Go(func() {
			defer finish()
			<-ctx.Done()
			time.Sleep(20 * time.Millisecond) // saving what it did
			stopped <- key
		})
	}
	tr.Settle("1", 5*time.Second)
	select {
	case key := <-stopped:
		if key != "1" {
			t.Fatalf("work on %s stopped", key)
		}
	default:
		t.Fatal("Settle returned before the work stopped")
	}
	select {
	case key := <-stopped:
		t.Fatalf("work on %s stopped too", key)
	case <-time.After(50 * time.Millisecond):
	}
	tr.Settle("2", 5*time.Second)
	tr.Wait(context.Background())
}

// Retention is itself tracked work: it settles the others on its intake
// but goes on itself.
func TestSettleOthersSparesTheCaller(t *testing.T) {
	var tr background.Tracker
	own, finishOwn := tr.Track(context.Background(), "1")
	defer finishOwn()
	other, finishOther := tr.Track(context.Background(), "1")
	defer finishOther()
	tr.SettleOthers(own, "1", 10*time.Millisecond)
	if other.Err() == nil {
		t.Fatal("the other work was not told to stop")
	}
	if own.Err() != nil {
		t.Fatal("the caller's own work was stopped")
	}
}

// Work that ignores its context is not waited for longer than asked.
func TestSettleGivesUpAfterItsWait(t *testing.T) {
	var tr background.Tracker
	_, finish := tr.Track(context.Background(), "1")
	defer finish()
	start := time.Now()
	tr.Settle("1", 30*time.Millisecond)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Settle waited %v", d)
	}
}

// Shutdown waits for the work in the background, at most until its
// deadline.
func TestWaitWaitsForTheWorkOrTheDeadline(t *testing.T) {
	var tr background.Tracker
	var done atomic.Bool
	tr.Go(func() {
		time.Sleep(30 * time.Millisecond)
		done.Store(true)
	})
	tr.Wait(context.Background())
	if !done.Load() {
		t.Fatal("Wait returned before the work was done")
	}
	block := make(chan struct{})
	defer close(block)
	tr.Go(func() { <-block })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	tr.Wait(ctx)
	if ctx.Err() == nil {
		t.Fatal("Wait returned before the deadline with work still running")
	}
}
