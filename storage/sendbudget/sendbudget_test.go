package sendbudget_test

import (
	"context"
	"testing"
	"time"

	"github.com/intakebot/intakebot/storage/memory"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/sendbudget"
)

type budget interface {
	Take(ctx context.Context, reserve int) (time.Duration, error)
}

// contract is what the Redis budget and its memory twin both do. The rate
// is one a second, so the few milliseconds the test takes refill nothing
// that matters.
func contract(t *testing.T, open func(t *testing.T, perSecond, burst int) budget) {
	ctx := context.Background()
	t.Run("burst then wait", func(t *testing.T) {
		b := open(t, 1, 10)
		for i := range 10 {
			if wait, err := b.Take(ctx, 0); err != nil || wait != 0 {
				t.Fatalf("take %d = %v, %v; want granted", i+1, wait, err)
			}
		}
		wait, err := b.Take(ctx, 0)
		if err != nil || wait <= 0 || wait > time.Second {
			t.Fatalf("take past the burst = %v, %v; want a wait of at most 1 s", wait, err)
		}
	})
	t.Run("bulk leaves the reserve to live replies", func(t *testing.T) {
		b := open(t, 1, 10)
		for i := range 7 {
			if wait, err := b.Take(ctx, 3); err != nil || wait != 0 {
				t.Fatalf("bulk take %d = %v, %v; want granted", i+1, wait, err)
			}
		}
		if wait, err := b.Take(ctx, 3); err != nil || wait < 900*time.Millisecond {
			t.Fatalf("bulk take into the reserve = %v, %v; want a wait of about 1 s", wait, err)
		}
		for i := range 3 {
			if wait, err := b.Take(ctx, 0); err != nil || wait != 0 {
				t.Fatalf("live take %d from the reserve = %v, %v; want granted", i+1, wait, err)
			}
		}
		if wait, err := b.Take(ctx, 3); err != nil || wait < 3*time.Second {
			t.Fatalf("bulk take on an empty budget = %v, %v; want about 4 s", wait, err)
		}
	})
	t.Run("a reserve past the burst still lets bulk through", func(t *testing.T) {
		b := open(t, 1, 2)
		if wait, err := b.Take(ctx, 99); err != nil || wait != 0 {
			t.Fatalf("take = %v, %v; want granted", wait, err)
		}
	})
	t.Run("refills", func(t *testing.T) {
		b := open(t, 50, 1)
		if wait, err := b.Take(ctx, 0); err != nil || wait != 0 {
			t.Fatalf("take = %v, %v", wait, err)
		}
		wait, err := b.Take(ctx, 0)
		if err != nil || wait <= 0 || wait > 20*time.Millisecond {
			t.Fatalf("second take = %v, %v; want at most 20 ms", wait, err)
		}
		time.Sleep(wait + 5*time.Millisecond)
		if wait, err := b.Take(ctx, 0); err != nil || wait != 0 {
			t.Fatalf("take after the wait = %v, %v; want granted", wait, err)
		}
	})
}

func TestBudgetOnRedis(t *testing.T) {
	srv := redistest.Start(t)
	n := 0
	contract(t, func(t *testing.T, perSecond, burst int) budget {
		n++
		b, err := sendbudget.New(srv.Client(t), "t"+string(rune('a'+n))+":", perSecond, burst)
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

func TestBudgetInMemory(t *testing.T) {
	contract(t, func(t *testing.T, perSecond, burst int) budget {
		return memory.NewSendBudget(perSecond, burst, nil)
	})
}

// On a Redis Cluster the one key is in one slot, whatever the prefix.
func TestBudgetOnCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	c := redistest.StartCluster(t)
	contract(t, func(t *testing.T, perSecond, burst int) budget {
		b, err := sendbudget.New(c.Client(t), "c:"+t.Name()+":", perSecond, burst)
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

func TestNewRefusesAnEmptyBudget(t *testing.T) {
	if _, err := sendbudget.New(nil, "", 30, 10); err == nil {
		t.Error("New without a client: no error")
	}
	if _, err := sendbudget.New(redistest.Start(t).Client(t), "", 0, 10); err == nil {
		t.Error("New with rate 0: no error")
	}
}
