package delivery_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/delivery"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/updates"
)

func newOrder(t testing.TB, rdb redis.UniversalClient, wait time.Duration) (*delivery.Order, *metrics.Metrics, *bottest.Log) {
	l := updates.New(rdb, "t:")
	l.Settle = 0
	m, logs := &metrics.Metrics{}, &bottest.Log{}
	return &delivery.Order{Chats: l, Metrics: m, Log: slog.New(slog.NewTextHandler(logs, nil)), Wait: wait}, m, logs
}

// An earlier update that arrived but is never applied (it failed, and
// Telegram has not delivered it again) holds the chat's next update for
// the bounded wait only; then the next one is applied and counted.
func TestOrderWaitsBoundedForAnEarlierUpdate(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	o, m, _ := newOrder(t, rdb, 300*time.Millisecond)
	ctx := context.Background()
	if err := o.Do(ctx, 1, 100, func() error { return errors.New("store down") }); err == nil {
		t.Fatal("the failure was swallowed")
	}
	start := time.Now()
	var applied atomic.Bool
	if err := o.Do(ctx, 1, 101, func() error { applied.Store(true); return nil }); err != nil || !applied.Load() {
		t.Fatalf("101: %v, applied %v", err, applied.Load())
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 2*time.Second {
		t.Errorf("101 waited %v, want the bounded wait of 300 ms", d)
	}
	if n := m.UpdatesUnordered.Load(); n != 1 {
		t.Errorf("UpdatesUnordered = %d", n)
	}
	// The late one is applied when it comes, without waiting; the chat's
	// next goes at once.
	start = time.Now()
	for _, id := range []int64{100, 102} {
		if err := o.Do(ctx, 1, id, func() error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("the late 100 and then 102 took %v", d)
	}
	// Another chat never waited for any of this.
	if m.UpdatesUnordered.Load() != 1 {
		t.Errorf("UpdatesUnordered = %d", m.UpdatesUnordered.Load())
	}
}

// A later update waits for an earlier one being applied elsewhere, and
// goes as soon as it is.
func TestOrderHoldsALaterUpdateUntilTheEarlierIsApplied(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	o, m, _ := newOrder(t, rdb, 5*time.Second)
	ctx := context.Background()
	release := make(chan struct{})
	firstIn := make(chan struct{})
	var order []int64
	done := make(chan error, 1)
	go func() {
		done <- o.Do(ctx, 7, 200, func() error {
			close(firstIn)
			<-release
			order = append(order, 200)
			return nil
		})
	}()
	<-firstIn
	second := make(chan error, 1)
	go func() { second <- o.Do(ctx, 7, 201, func() error { order = append(order, 201); return nil }) }()
	select {
	case <-second:
		t.Fatal("201 was applied while 200 was being applied")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if len(order) != 2 || order[0] != 200 || m.UpdatesUnordered.Load() != 0 {
		t.Fatalf("order %v, unordered %d", order, m.UpdatesUnordered.Load())
	}
}

// Without Redis, updates go in arrival order rather than not at all.
func TestOrderWithoutRedisAppliesInArrivalOrder(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	o, _, logs := newOrder(t, rdb, time.Second)
	srv.Stop(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	applied := false
	if err := o.Do(ctx, 1, 5, func() error { applied = true; return nil }); err != nil || !applied {
		t.Fatalf("Do: %v, applied %v", err, applied)
	}
	if !strings.Contains(logs.String(), "arrival order") {
		t.Errorf("logs:\n%s", logs)
	}
	once := &delivery.Once{Log: updates.New(rdb, "t:"), Metrics: &metrics.Metrics{}, Logger: slog.New(slog.DiscardHandler)}
	applied = false
	if err := once.Do(ctx, 5, func(context.Context) error { applied = true; return nil }); err != nil || !applied {
		t.Fatalf("Once without Redis: %v, applied %v", err, applied)
	}
}

// A claim whose update takes longer than its lease is kept alive.
func TestOnceKeepsTheClaimOfALongUpdate(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	l := updates.New(rdb, "t:")
	once := &delivery.Once{Log: l, Metrics: &metrics.Metrics{}, Logger: slog.New(slog.DiscardHandler), Lease: 900 * time.Millisecond}
	ctx := context.Background()
	err := once.Do(ctx, 9, func(context.Context) error {
		time.Sleep(2500 * time.Millisecond) // almost 3 leases
		if tok, applied, err := l.Claim(ctx, 9, time.Minute); tok != "" || applied || err != nil {
			t.Errorf("while handled, another claim got %q %v %v; want busy", tok, applied, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The cost of the ordering step and of the claim, per update, on a real
// Redis on loopback: an update of a chat whose earlier ones are applied
// (the usual case: nothing to wait for). Each step writes, so the cost is
// mostly Redis's fsync: measured with the harness's "appendfsync always"
// and with "everysec", Redis's default for an append-only file.
func BenchmarkOrderAndOnce(b *testing.B) {
	for _, fsync := range []string{"always", "everysec"} {
		b.Run("fsync="+fsync, func(b *testing.B) {
			rdb := redistest.Start(b, redistest.WithArgs("--appendfsync", fsync)).Client(b)
			ctx := context.Background()
			b.Run("order", func(b *testing.B) {
				o, _, _ := newOrder(b, rdb, time.Second)
				id := int64(1_000_000)
				for range b.N {
					id++
					if err := o.Do(ctx, id%64+1, id, func() error { return nil }); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("once", func(b *testing.B) {
				once := &delivery.Once{Log: updates.New(rdb, "t:"), Metrics: &metrics.Metrics{}, Logger: slog.New(slog.DiscardHandler)}
				id := int64(2_000_000)
				for range b.N {
					id++
					if err := once.Do(ctx, id, func(context.Context) error { return nil }); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("get", func(b *testing.B) { // one read round trip, for scale
				for range b.N {
					rdb.Get(ctx, "t:none")
				}
			})
		})
	}
}
