package redistest

import (
	"context"
	"testing"
)

func TestClusterSpreadsKeysOverThreePrimaries(t *testing.T) {
	c := StartCluster(t)
	cl := c.Client(t)
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		if err := cl.Set(ctx, k, "1", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	used := 0
	for _, n := range c.Nodes {
		if n, _ := n.Client(t).DBSize(ctx).Result(); n > 0 {
			used++
		}
	}
	if used < 2 {
		t.Fatalf("keys on %d node(s), want them spread", used)
	}
	// Keys of one hash tag share a slot, so a script may touch them together.
	if err := cl.Eval(ctx, "redis.call('SET', KEYS[1], 1); return redis.call('SET', KEYS[2], 2)", []string{"x:{p1}:a", "y:{p1}:b"}).Err(); err != nil {
		t.Fatalf("script within one slot: %v", err)
	}
	if err := cl.Eval(ctx, "redis.call('SET', KEYS[1], 1); return redis.call('SET', KEYS[2], 2)", []string{"a", "b"}).Err(); err == nil {
		t.Fatal("a script across slots worked; is this a cluster?")
	}
}
