// Package sendbudget keeps the bot's Telegram send budget in Redis, so
// that every replica of the bot draws on one budget: Telegram's 30
// messages a second are the bot's, not a replica's.
//
// The budget is a token bucket on one key, changed by one Lua script that
// reads the time from Redis itself (no clock skew between replicas). The
// key carries a hash tag, so it works on Redis Cluster as on one server.
package sendbudget

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

//go:embed take.lua
var takeLua string

var takeScript = redis.NewScript(takeLua)

// Bucket is the shared budget: a burst of Burst sends, refilled at
// PerSecond a second.
type Bucket struct {
	client    redis.UniversalClient
	key       string
	perSecond int
	burst     int
}

// New returns the budget of perSecond sends a second with a burst of
// burst, on the key prefix+"{send-budget}".
func New(client redis.UniversalClient, prefix string, perSecond, burst int) (*Bucket, error) {
	if client == nil {
		return nil, fmt.Errorf("sendbudget: no Redis client")
	}
	if perSecond <= 0 || burst <= 0 {
		return nil, fmt.Errorf("sendbudget: a budget needs a positive rate and burst, not %d/s and %d", perSecond, burst)
	}
	return &Bucket{client: client, key: prefix + "{send-budget}", perSecond: perSecond, burst: burst}, nil
}

// Key is the one Redis key of the budget.
func (b *Bucket) Key() string { return b.key }

// Take takes one send from the budget when more than reserve sends are
// left in it, and reports zero. Otherwise it takes nothing and reports how
// long until that many are back. A live reply asks with reserve 0, bulk
// traffic with a reserve kept for live replies.
func (b *Bucket) Take(ctx context.Context, reserve int) (time.Duration, error) {
	reserve = min(max(reserve, 0), b.burst-1)
	wait, err := takeScript.Run(ctx, b.client, []string{b.key}, b.perSecond, b.burst, reserve).Int64()
	if err != nil {
		return 0, fmt.Errorf("sendbudget: %w", err)
	}
	return time.Duration(wait) * time.Microsecond, nil
}
