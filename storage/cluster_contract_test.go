package storage_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/storetest"
	"github.com/intakebot/intakebot/storage/storetest/unreadable"
)

// prefixes gives each contract test on the shared cluster a prefix of its
// own, so that tests don't see each other.
var prefixes atomic.Int64

// TestContractOnCluster runs the stores' contract (package storetest,
// and storetest/unreadable: setting a record aside is a RENAME within its
// slot) against a Redis Cluster of three primaries through a redis.ClusterClient:
// every script and transaction must stay within one slot. One cluster
// serves all the tests, each under a prefix of its own.
func TestContractOnCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	c := redistest.StartCluster(t)
	// Some contract tests wait for Redis to expire keys within a few
	// hundred milliseconds of real time: at most four at once on the
	// three servers, so that a loaded machine does not stretch them.
	slots := make(chan struct{}, 4)
	open := func(t *testing.T, cfg storetest.Config) storetest.Stores {
		slots <- struct{}{}
		t.Cleanup(func() { <-slots })
		prefix := fmt.Sprintf("c%d:", prefixes.Add(1))
		clock := cfg.Clock
		if clock == nil {
			clock = storetest.RealClock{}
		}
		codec := storage.NewTestCodec(t)
		var open func(t *testing.T) storetest.Stores
		open = func(t *testing.T) storetest.Stores {
			client := c.Client(t)
			p := storage.NewPeople(client, codec, prefix, clock.Now)
			storage.ShortenWindows(p, cfg.LinkFailureWindow, cfg.PendingStaffTTL)
			return storetest.Stores{
				Clock: clock, Staff: p.Staff, Links: p.Links, Cases: p.Cases, Due: p.Cases, Alerts: p.Alerts, OnCall: p.OnCall,
				Audit: p.Audit, Erasure: p.Erasure, Trail: storage.NewTrail(client, codec, prefix),
				Sessions: storage.NewSessions(client, codec, storage.SessionsOptions{
					Prefix: prefix, IdleTTL: cfg.SessionIdleTTL, Now: clock.Now,
				}),
				Damage:        func(t *testing.T, kind, key string) { storage.Damage(t, client, codec, prefix, kind, key) },
				ReportSkipped: p.ReportSkipped,
				Replica:       open,
			}
		}
		return open(t)
	}
	storetest.Run(t, open)
	unreadable.Run(t, open)
}
