package storage

import (
	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/storage/trail"
)

// The /exit trail lives in storage/trail; these are its names as the
// stores' callers know them. Its keys are <prefix>shown:{<name>} (keys.go).

// Trail keeps the /exit trail of each chat: see trail.Trail.
type Trail = trail.Trail

// TrailMaxLen and TrailTTL: see trail.MaxLen and trail.TTL.
const (
	TrailMaxLen = trail.MaxLen
	TrailTTL    = trail.TTL
)

// NewTrail returns the trail store of a deployment on client, whose keys
// are named by codec (Codec.Name); an empty prefix means DefaultPrefix.
func NewTrail(client redis.UniversalClient, codec *Codec, prefix string) *Trail {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return trail.New(client, newKeys(prefix, codec).trailKey)
}
