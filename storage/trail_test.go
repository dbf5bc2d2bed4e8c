package storage

import (
	"context"
	"testing"
	"time"

	"github.com/intakebot/intakebot/storage/redistest"
)

// The contract (storetest) covers order, cap and Take; here, the TTL Redis
// keeps.
func TestTrailExpiresThirtyDaysAfterItsLastPush(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	client := srv.Client(t)
	tr := NewTrail(client, NewTestCodec(t), "t:")
	ctx := context.Background()
	if err := tr.Push(ctx, map[string][]string{"4711": {"1:1700000000"}}); err != nil {
		t.Fatal(err)
	}
	ttl := client.TTL(ctx, L("t:shown:4711")).Val()
	if ttl <= TrailTTL-time.Minute || ttl > TrailTTL {
		t.Errorf("TTL = %v, want about %v", ttl, TrailTTL)
	}
	if _, err := tr.Take(ctx, "4711"); err != nil {
		t.Fatal(err)
	}
	if n := client.Exists(ctx, L("t:shown:4711")).Val(); n != 0 {
		t.Error("Take left the trail in Redis")
	}
}
