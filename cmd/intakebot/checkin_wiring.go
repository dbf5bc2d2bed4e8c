package main

import (
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/dialog/checkin"
	"github.com/intakebot/intakebot/locales"
	"github.com/intakebot/intakebot/storage"
)

// checkinFlow loads the check-in's flow: the operator's file
// (INTAKEBOT_CHECKIN_FLOW_FILE) or the embedded one, checked against the
// default language's texts (other languages fall back to it until
// translated). A bad file is refused at start, with its line and reason.
func checkinFlow(cfg *config, cat *locales.Catalog) (*dialog.Flow, error) {
	var data []byte
	if cfg.CheckinFlowFile != "" {
		var err error
		if data, err = os.ReadFile(cfg.CheckinFlowFile); err != nil {
			return nil, fmt.Errorf("INTAKEBOT_CHECKIN_FLOW_FILE: can't read %s: %w", cfg.CheckinFlowFile, err)
		}
		if len(data) == 0 {
			return nil, fmt.Errorf("INTAKEBOT_CHECKIN_FLOW_FILE: %s is empty", cfg.CheckinFlowFile)
		}
	}
	flow, err := checkin.Flow(data, func(id string) bool { return cat.Has(cat.Default(), id) })
	if err != nil && cfg.CheckinFlowFile != "" {
		return nil, fmt.Errorf("INTAKEBOT_CHECKIN_FLOW_FILE: %s: %w", cfg.CheckinFlowFile, err)
	}
	if err != nil {
		return nil, fmt.Errorf("the check-in flow: %w", err)
	}
	return flow, nil
}

// withCheckin adds the weekly check-in to o: its flow (o.CheckinFlow as
// checkinFlow loaded it, else the embedded one), and its sessions, a storage.Sessions of its own
// under "<prefix>checkin:", so that a check-in never touches the intake's
// session: its keys are <prefix>checkin:session:{name}, with the same hash
// tag (the young person's name) as their other keys.
func withCheckin(o bot.Options, rdb redis.UniversalClient, codec *storage.Codec, prefix string, ttl time.Duration, cat *locales.Catalog) (bot.Options, error) {
	if o.CheckinFlow == nil {
		flow, err := checkinFlow(&config{}, cat)
		if err != nil {
			return o, err
		}
		o.CheckinFlow = flow
	}
	if prefix == "" {
		prefix = storage.DefaultPrefix
	}
	o.CheckinStore = sessionStore{storage.NewSessions(rdb, codec, storage.SessionsOptions{
		Prefix: prefix + "checkin:", IdleTTL: ttl, CacheSize: checkinCacheSize,
	})}
	return o, nil
}

// checkinCacheSize is the check-in sessions' cache: every text of a young
// person asks whether a check-in is open, a hit spares the round trip.
const checkinCacheSize = 4096
