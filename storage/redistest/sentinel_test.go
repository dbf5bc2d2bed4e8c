package redistest

import (
	"context"
	"testing"
	"time"
)

func TestSentinelFailsOverAndKeepsData(t *testing.T) {
	s := StartSentinel(t)
	ctx := context.Background()
	c := s.Client(t)
	if err := c.Set(ctx, "k", "before", 0).Err(); err != nil {
		t.Fatalf("SET on the primary: %v", err)
	}
	if n, err := c.Wait(ctx, 1, time.Second).Result(); err != nil || n != 1 {
		t.Fatalf("WAIT 1 = %d, %v; want the replica to confirm", n, err)
	}
	old := s.Primary(t)
	next := s.Failover(t)
	if next == old {
		t.Fatal("Failover kept the same primary")
	}
	if got := s.Primary(t); got != next {
		t.Fatalf("Primary() = %s after the failover, want %s", got.Addr(), next.Addr())
	}
	// The failover client follows the sentinels to the new primary.
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := c.Set(ctx, "k", "after", 0).Err()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("SET after the failover: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if v, err := next.Client(t).Get(ctx, "k").Result(); err != nil || v != "after" {
		t.Fatalf("GET k on the new primary = %q, %v", v, err)
	}
	if n, err := c.Wait(ctx, 1, 2*time.Second).Result(); err != nil || n != 1 {
		t.Fatalf("WAIT 1 after the failover = %d, %v; want the old primary to replicate", n, err)
	}

	// A crash: the replica is promoted, the crashed node comes back as
	// its replica, with what it had.
	promoted, killed := s.KillPrimary(t)
	if promoted != old || killed != next {
		t.Fatalf("KillPrimary promoted %s and killed %s", promoted.Addr(), killed.Addr())
	}
	killed.StartAgain(t)
	s.WaitReplicating(t)
	if v, err := c.Get(ctx, "k").Result(); err != nil || v != "after" {
		t.Fatalf("GET k after the crash = %q, %v", v, err)
	}
}
