package pace

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/metrics"
)

func TestLimiterLetsLiveSendsOfAChatGoBeforeItsBulkOnes(t *testing.T) {
	m := &metrics.Metrics{}
	l := New(30, time.Millisecond, 4, m)
	ctx := testContext(t, 10*time.Second)
	const chat = 1
	if err := l.Enter(ctx, chat, Live); err != nil { // a live reply holds the chat
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	queue := func(name string, p Priority, waiting int64) {
		wg.Go(func() {
			if err := l.Enter(ctx, chat, p); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			l.Leave(chat)
		})
		waitUntil(t, name+" waiting", func() bool { return m.QueueDepth() == waiting })
	}
	queue("bulk 1", Bulk, 1)
	queue("bulk 2", Bulk, 2)
	queue("live 1", Live, 3)
	queue("bulk 3", Bulk, 4)
	queue("live 2", Live, 5)
	l.Leave(chat)
	wg.Wait()
	if want := []string{"live 1", "live 2", "bulk 1", "bulk 2", "bulk 3"}; !slices.Equal(order, want) {
		t.Fatalf("order %q, want %q", order, want)
	}
	if d := m.QueueDepth(); d != 0 {
		t.Errorf("queue depth %d", d)
	}
}

func TestLimiterCancelledWaitsLeaveNoTrace(t *testing.T) {
	m := &metrics.Metrics{}
	l := New(1, time.Hour, 1, m)
	ctx := testContext(t, 10*time.Second)
	if err := l.Enter(ctx, 1, Live); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := l.Enter(short, 1, Bulk); err == nil {
		t.Fatal("entered a chat that is held")
	}
	if waited, err := l.Take(ctx, 1, Live); err != nil || waited {
		t.Fatalf("first slot: waited %v, %v", waited, err)
	}
	// The chat's one token and the bot's one slot are spent.
	if waited, err := l.Take(short, 1, Live); err == nil || !waited {
		t.Fatalf("second slot: waited %v, %v", waited, err)
	}
	if d := m.QueueDepth(); d != 0 {
		t.Errorf("queue depth %d after cancelled waits", d)
	}
	l.Leave(1)
	quick, cancel2 := context.WithTimeout(ctx, time.Second)
	defer cancel2()
	if err := l.Enter(quick, 1, Bulk); err != nil {
		t.Fatalf("the chat was not free after leave: %v", err)
	}
	l.Leave(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.waiting[Live]) + len(l.waiting[Bulk]); n != 0 {
		t.Errorf("%d waiters left", n)
	}
}

func TestLimiterForgetsIdleChats(t *testing.T) {
	l := New(100000, time.Millisecond, 4, &metrics.Metrics{})
	ctx := testContext(t, 10*time.Second)
	for chat := range int64(3 * minSweep) {
		if err := l.Enter(ctx, chat, Bulk); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Take(ctx, chat, Bulk); err != nil {
			t.Fatal(err)
		}
		l.Leave(chat)
	}
	time.Sleep(10 * time.Millisecond) // every chat's bucket is full again
	// New chats grow the map to the next sweep, which forgets the idle ones.
	for chat := int64(3 * minSweep); chat < 5*minSweep; chat++ {
		if err := l.Enter(ctx, chat, Bulk); err != nil {
			t.Fatal(err)
		}
		l.Leave(chat)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.chats); n >= 2*minSweep {
		t.Fatalf("%d chats remembered", n)
	}
}

func TestLimiterBlockAndPause(t *testing.T) {
	l := New(30, time.Millisecond, 4, &metrics.Metrics{})
	ctx := testContext(t, 10*time.Second)
	until := time.Now().Add(200 * time.Millisecond)
	l.Block(1, until)
	if err := l.Enter(ctx, 1, Live); err != nil {
		t.Fatal(err)
	}
	if waited, err := l.Take(ctx, 1, Live); err != nil || !waited || time.Now().Before(until) {
		t.Fatalf("took a slot in a blocked chat: waited %v, %v, %v early", waited, err, until.Sub(time.Now()))
	}
	l.Leave(1)
	// Another chat never waited for that block; a pause holds every chat.
	until = time.Now().Add(200 * time.Millisecond)
	l.Pause(until)
	if waited, err := l.ClearOf(ctx, 2, true); err != nil || !waited || time.Now().Before(until) {
		t.Fatalf("clear during a pause: waited %v, %v", waited, err)
	}
	if waited, err := l.ClearOf(ctx, 3, false); err != nil || waited {
		t.Fatalf("clear after the pause: waited %v, %v", waited, err)
	}
}

func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
