package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// The /exit trail: which messages a private chat shows, so that a young
// person's quick exit can delete them. One list per chat,
// <prefix>shown:{<name of the session key>}, of opaque entries the bot writes (message ID,
// time and kind; never text), oldest first, capped at TrailMaxLen entries
// and expiring TrailTTL after the last push: Telegram lets a bot delete a
// message for 48 hours only, and older ones can at most be edited.

// Limits of the trail.
const (
	// TrailMaxLen is how many entries a chat's trail keeps, the newest.
	TrailMaxLen = 500
	// TrailTTL is how long a trail lives after its last entry.
	TrailTTL = 30 * 24 * time.Hour
)

// Trail keeps the /exit trail of each chat (privacy.TrailStore). It is
// safe for concurrent use.
type Trail struct {
	keys
	client redis.UniversalClient
	maxLen int64
	ttl    time.Duration
}

// NewTrail returns the trail store of a deployment on client, whose keys
// are named by codec (Codec.Name); an empty prefix means DefaultPrefix.
func NewTrail(client redis.UniversalClient, codec *Codec, prefix string) *Trail {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Trail{keys: newKeys(prefix, codec), client: client, maxLen: TrailMaxLen, ttl: TrailTTL}
}

// Push appends entries to the trail of each session key, in order, keeps
// the newest TrailMaxLen of each and lets each expire TrailTTL from now:
// one pipelined round trip for the whole batch.
func (t *Trail) Push(ctx context.Context, entries map[string][]string) error {
	if len(entries) == 0 {
		return nil
	}
	_, err := t.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for key, list := range entries {
			if len(list) == 0 {
				continue
			}
			rkey := t.trailKey(key)
			vals := make([]any, len(list))
			for i, e := range list {
				vals[i] = e
			}
			pipe.RPush(ctx, rkey, vals...)
			pipe.LTrim(ctx, rkey, -t.maxLen, -1)
			pipe.Expire(ctx, rkey, t.ttl)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("can't record shown messages: %w", err)
	}
	return nil
}

// Take returns the trail of key, oldest first, and removes it, in one
// transaction: entries pushed meanwhile belong to the next trail. One
// round trip.
func (t *Trail) Take(ctx context.Context, key string) ([]string, error) {
	rkey := t.trailKey(key)
	var lr *redis.StringSliceCmd
	_, err := t.client.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		lr = pipe.LRange(ctx, rkey, 0, -1)
		pipe.Del(ctx, rkey)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("can't take shown messages: %w", err)
	}
	return lr.Val(), nil
}
