package telegram

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
	l := newSendLimiter(30, time.Millisecond, 4, m)
	ctx := testContext(t, 10*time.Second)
	const chat = 1
	if err := l.enter(ctx, chat, prioLive); err != nil { // a live reply holds the chat
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	queue := func(name string, p sendPriority, waiting int64) {
		wg.Go(func() {
			if err := l.enter(ctx, chat, p); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			l.leave(chat)
		})
		waitUntil(t, name+" waiting", func() bool { return m.QueueDepth() == waiting })
	}
	queue("bulk 1", prioBulk, 1)
	queue("bulk 2", prioBulk, 2)
	queue("live 1", prioLive, 3)
	queue("bulk 3", prioBulk, 4)
	queue("live 2", prioLive, 5)
	l.leave(chat)
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
	l := newSendLimiter(1, time.Hour, 1, m)
	ctx := testContext(t, 10*time.Second)
	if err := l.enter(ctx, 1, prioLive); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := l.enter(short, 1, prioBulk); err == nil {
		t.Fatal("entered a chat that is held")
	}
	if waited, err := l.take(ctx, 1, prioLive); err != nil || waited {
		t.Fatalf("first slot: waited %v, %v", waited, err)
	}
	// The chat's one token and the bot's one slot are spent.
	if waited, err := l.take(short, 1, prioLive); err == nil || !waited {
		t.Fatalf("second slot: waited %v, %v", waited, err)
	}
	if d := m.QueueDepth(); d != 0 {
		t.Errorf("queue depth %d after cancelled waits", d)
	}
	l.leave(1)
	quick, cancel2 := context.WithTimeout(ctx, time.Second)
	defer cancel2()
	if err := l.enter(quick, 1, prioBulk); err != nil {
		t.Fatalf("the chat was not free after leave: %v", err)
	}
	l.leave(1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.waiting[prioLive]) + len(l.waiting[prioBulk]); n != 0 {
		t.Errorf("%d waiters left", n)
	}
}

func TestLimiterForgetsIdleChats(t *testing.T) {
	l := newSendLimiter(100000, time.Millisecond, 4, &metrics.Metrics{})
	ctx := testContext(t, 10*time.Second)
	for chat := range int64(3 * minSweep) {
		if err := l.enter(ctx, chat, prioBulk); err != nil {
			t.Fatal(err)
		}
		if _, err := l.take(ctx, chat, prioBulk); err != nil {
			t.Fatal(err)
		}
		l.leave(chat)
	}
	time.Sleep(10 * time.Millisecond) // every chat's bucket is full again
	// New chats grow the map to the next sweep, which forgets the idle ones.
	for chat := int64(3 * minSweep); chat < 5*minSweep; chat++ {
		if err := l.enter(ctx, chat, prioBulk); err != nil {
			t.Fatal(err)
		}
		l.leave(chat)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.chats); n >= 2*minSweep {
		t.Fatalf("%d chats remembered", n)
	}
}

func TestLimiterBlockAndPause(t *testing.T) {
	l := newSendLimiter(30, time.Millisecond, 4, &metrics.Metrics{})
	ctx := testContext(t, 10*time.Second)
	until := time.Now().Add(200 * time.Millisecond)
	l.block(1, until)
	if err := l.enter(ctx, 1, prioLive); err != nil {
		t.Fatal(err)
	}
	if waited, err := l.take(ctx, 1, prioLive); err != nil || !waited || time.Now().Before(until) {
		t.Fatalf("took a slot in a blocked chat: waited %v, %v, %v early", waited, err, until.Sub(time.Now()))
	}
	l.leave(1)
	// Another chat never waited for that block; a pause holds every chat.
	until = time.Now().Add(200 * time.Millisecond)
	l.pause(until)
	if waited, err := l.clearOf(ctx, 2, true); err != nil || !waited || time.Now().Before(until) {
		t.Fatalf("clear during a pause: waited %v, %v", waited, err)
	}
	if waited, err := l.clearOf(ctx, 3, false); err != nil || waited {
		t.Fatalf("clear after the pause: waited %v, %v", waited, err)
	}
}
