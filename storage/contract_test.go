package storage_test

import (
	"testing"

	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/storetest"
	"github.com/intakebot/intakebot/storage/storetest/unreadable"
)

// openRedis makes the stores for the contract on a Redis of their own.
// Without a clock of the test's own they run on the real time, by which
// Redis expires keys.
func openRedis(t *testing.T, cfg storetest.Config) storetest.Stores {
	srv := redistest.Start(t)
	clock := cfg.Clock
	if clock == nil {
		clock = storetest.RealClock{}
	}
	codec := storage.NewTestCodec(t)
	var open func(t *testing.T) storetest.Stores
	open = func(t *testing.T) storetest.Stores {
		client := srv.Client(t)
		p := storage.NewPeople(client, codec, "t:", clock.Now)
		damage := func(t *testing.T, kind, key string) { storage.Damage(t, client, codec, "t:", kind, key) }
		storage.ShortenWindows(p, cfg.LinkFailureWindow, cfg.PendingStaffTTL)
		return storetest.Stores{
			Clock: clock, Staff: p.Staff, Links: p.Links, Cases: p.Cases, Due: p.Cases, Alerts: p.Alerts, OnCall: p.OnCall,
			Audit: p.Audit, Erasure: p.Erasure, Trail: storage.NewTrail(client, codec, "t:"),
			Sessions: storage.NewSessions(client, codec, storage.SessionsOptions{
				Prefix: "t:", IdleTTL: cfg.SessionIdleTTL, Now: clock.Now,
			}),
			Damage:        damage,
			ReportSkipped: p.ReportSkipped,
			Replica:       open,
		}
	}
	return open(t)
}

// TestContract runs the behaviour every implementation of the stores
// promises (package storetest) against Redis.
func TestContract(t *testing.T) {
	t.Parallel()
	storetest.Run(t, openRedis)
	unreadable.Run(t, openRedis)
}
