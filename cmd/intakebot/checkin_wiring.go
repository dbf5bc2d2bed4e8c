package main

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/dialog/checkin"
	"github.com/intakebot/intakebot/locales"
	"github.com/intakebot/intakebot/storage"
)

// withCheckin adds the weekly check-in to o: its flow (dialog/checkin),
// checked against the default language's texts (other languages fall back
// to it until translated), and its sessions, a storage.Sessions of its own
// under "<prefix>checkin:", so that a check-in never touches the intake's
// session: its keys are <prefix>checkin:session:{name}, with the same hash
// tag (the young person's name) as their other keys.
func withCheckin(o bot.Options, rdb redis.UniversalClient, codec *storage.Codec, prefix string, ttl time.Duration, cat *locales.Catalog) (bot.Options, error) {
	flow, err := checkin.Flow(nil, func(id string) bool { return cat.Has(cat.Default(), id) })
	if err != nil {
		return o, fmt.Errorf("the check-in flow: %w", err)
	}
	if prefix == "" {
		prefix = storage.DefaultPrefix
	}
	o.CheckinFlow = flow
	o.CheckinStore = sessionStore{storage.NewSessions(rdb, codec, storage.SessionsOptions{
		Prefix: prefix + "checkin:", IdleTTL: ttl, CacheSize: checkinCacheSize,
	})}
	return o, nil
}

// checkinCacheSize is the check-in sessions' cache: every text of a young
// person asks whether a check-in is open, a hit spares the round trip.
const checkinCacheSize = 4096
