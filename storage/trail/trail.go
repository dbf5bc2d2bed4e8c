// Package trail keeps the /exit trail for package storage: which messages
// a private chat shows, so that a young person's quick exit can delete
// them. One list per chat (storage's keys.go names it,
// <prefix>shown:{<name of the session key>}) of opaque entries the bot
// writes (message ID, time and kind; never text), oldest first, capped at
// MaxLen entries and expiring TTL after the last push: Telegram lets a bot
// delete a message for 48 hours only, and older ones can at most be
// edited. storage re-exports it (storage.Trail, storage.NewTrail).
package trail

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limits of the trail.
const (
	// MaxLen is how many entries a chat's trail keeps, the newest.
	MaxLen = 500
	// TTL is how long a trail lives after its last entry.
	TTL = 30 * 24 * time.Hour
)

// Trail keeps the /exit trail of each chat (privacy.TrailStore). It is
// safe for concurrent use.
type Trail struct {
	client redis.UniversalClient
	key    func(sessionKey string) string // the Redis key of a chat's trail
	maxLen int64
	ttl    time.Duration
}

// New returns the trail store on client; key names the Redis key of the
// trail of a session key.
func New(client redis.UniversalClient, key func(sessionKey string) string) *Trail {
	return &Trail{client: client, key: key, maxLen: MaxLen, ttl: TTL}
}

// Push appends entries to the trail of each session key, in order, keeps
// the newest MaxLen of each and lets each expire TTL from now: one
// pipelined round trip for the whole batch.
func (t *Trail) Push(ctx context.Context, entries map[string][]string) error {
	if len(entries) == 0 {
		return nil
	}
	_, err := t.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for key, list := range entries {
			if len(list) == 0 {
				continue
			}
			rkey := t.key(key)
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
	rkey := t.key(key)
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
