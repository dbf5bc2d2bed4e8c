package pace

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/metrics"
)

// tokens is a budget of a fixed number of sends that never refills: what
// is not there is "back in a second".
type tokens struct {
	mu   sync.Mutex
	left int
	asks atomic.Int64
	err  error
}

func (b *tokens) Take(ctx context.Context, reserve int) (time.Duration, error) {
	b.asks.Add(1)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return 0, b.err
	}
	if b.left > reserve {
		b.left--
		return 0, nil
	}
	return time.Second, nil
}

func (b *tokens) add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.left += n
}

// Bulk takes only what is above the reserve; live replies get the
// reserve, and the bulk send waits until there is more.
func TestSharedKeepsTheReserveForLiveReplies(t *testing.T) {
	b := &tokens{left: 3}
	m := &metrics.Metrics{}
	s := &Shared{Budget: b, Reserve: 2, Metrics: m}
	ctx := testContext(t, 10*time.Second)
	if _, err := s.Wait(ctx, Bulk); err != nil {
		t.Fatal(err)
	}
	bulk := make(chan error, 1)
	go func() {
		_, err := s.Wait(ctx, Bulk)
		bulk <- err
	}()
	for b.asks.Load() < 2 { // the bulk send found the budget at its reserve
		time.Sleep(time.Millisecond)
	}
	for range 2 {
		if _, err := s.Wait(ctx, Live); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case err := <-bulk:
		t.Fatalf("bulk send took from the reserve (%v)", err)
	default:
	}
	b.add(3)
	if err := <-bulk; err != nil {
		t.Fatal(err)
	}
	if m.BudgetWaits.Load() < 1 || m.BudgetFallbacks.Load() != 0 {
		t.Errorf("waits %d, fallbacks %d; want at least 1 and 0", m.BudgetWaits.Load(), m.BudgetFallbacks.Load())
	}
}

// When the budget does not answer, sends go on (counted as fallbacks) and
// the budget is left alone for a while instead of being asked each time.
func TestSharedFallsBackWhenTheBudgetIsDown(t *testing.T) {
	b := &tokens{err: errors.New("connection refused")}
	m := &metrics.Metrics{}
	s := &Shared{Budget: b, Metrics: m, Retry: time.Hour}
	ctx := testContext(t, 10*time.Second)
	for _, p := range []Priority{Live, Bulk, Live} {
		if fellBack, err := s.Wait(ctx, p); err != nil || !fellBack {
			t.Fatalf("%v send: %v, %v; want a fallback", p, fellBack, err)
		}
	}
	if n := m.BudgetFallbacks.Load(); n != 3 {
		t.Errorf("fallbacks = %d, want 3", n)
	}
	if n := b.asks.Load(); n != 1 {
		t.Errorf("budget asked %d times during the outage, want 1", n)
	}
}

// A budget slower than Timeout counts as down too.
func TestSharedFallsBackWhenTheBudgetHangs(t *testing.T) {
	m := &metrics.Metrics{}
	s := &Shared{Budget: hanging{}, Metrics: m, Timeout: 20 * time.Millisecond}
	if fellBack, err := s.Wait(testContext(t, 10*time.Second), Live); err != nil || !fellBack {
		t.Fatal(fellBack, err)
	}
	if m.BudgetFallbacks.Load() != 1 {
		t.Errorf("fallbacks = %d, want 1", m.BudgetFallbacks.Load())
	}
}

type hanging struct{}

func (hanging) Take(ctx context.Context, _ int) (time.Duration, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

// A waiting send ends with its context.
func TestSharedWaitEndsWithTheContext(t *testing.T) {
	s := &Shared{Budget: &tokens{}, Metrics: &metrics.Metrics{}}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Wait(ctx, Live); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait = %v, want the deadline", err)
	}
	var none *Shared
	if _, err := none.Wait(ctx, Live); err != nil {
		t.Errorf("nil Shared: %v", err)
	}
}

// ChatReady waits for the chat's next token without taking it.
func TestChatReadyWaitsForTheChatWithoutTakingItsToken(t *testing.T) {
	l := New(1000, 50*time.Millisecond, 1, &metrics.Metrics{})
	ctx := testContext(t, 10*time.Second)
	if err := l.Enter(ctx, 5, Live); err != nil {
		t.Fatal(err)
	}
	defer l.Leave(5)
	if _, err := l.Take(ctx, 5, Live); err != nil {
		t.Fatal(err)
	}
	if err := l.ChatReady(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if waited, err := l.Take(ctx, 5, Live); err != nil || waited {
		t.Errorf("Take after ChatReady: waited %v, %v; want the token ChatReady waited for", waited, err)
	}
	l.Block(5, time.Now().Add(time.Hour))
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := l.ChatReady(short, 5); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ChatReady on a blocked chat = %v, want the deadline", err)
	}
}
