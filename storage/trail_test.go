package storage

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/intakebot/intakebot/storage/redistest"
)

func TestTrailKeepsOrderCapAndTTL(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	client := srv.Client(t)
	tr := NewTrail(client, "t:")
	ctx := context.Background()

	var want []string
	// Several batches, as the recorder sends them, two chats mixed.
	for batch := 0; batch < 6; batch++ {
		var a, b []string
		for i := 0; i < 100; i++ {
			n := batch*100 + i
			a = append(a, strconv.Itoa(n)+":1700000000")
			b = append(b, "other-"+strconv.Itoa(n))
		}
		want = append(want, a...)
		if err := tr.Push(ctx, map[string][]string{"4711": a, "4712": b}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.Push(ctx, nil); err != nil {
		t.Fatalf("empty push: %v", err)
	}
	ttl := client.TTL(ctx, "t:shown:4711").Val()
	if ttl <= TrailTTL-time.Minute || ttl > TrailTTL {
		t.Errorf("TTL = %v, want about %v", ttl, TrailTTL)
	}
	got, err := tr.Take(ctx, "4711")
	if err != nil {
		t.Fatal(err)
	}
	// The newest TrailMaxLen, oldest first.
	if !slices.Equal(got, want[len(want)-TrailMaxLen:]) {
		t.Fatalf("trail: %d entries, first %q, last %q; want the last %d of %d in order",
			len(got), got[0], got[len(got)-1], TrailMaxLen, len(want))
	}
	if n := client.Exists(ctx, "t:shown:4711").Val(); n != 0 {
		t.Error("Take left the trail in Redis")
	}
	if again, err := tr.Take(ctx, "4711"); err != nil || len(again) != 0 {
		t.Errorf("second Take = %v, %v; want nothing", again, err)
	}
	if n := client.LLen(ctx, "t:shown:4712").Val(); n != TrailMaxLen {
		t.Errorf("the other chat's trail has %d entries, want %d", n, TrailMaxLen)
	}
}
