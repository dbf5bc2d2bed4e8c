package memory

import (
	"strconv"

	"github.com/intakebot/intakebot/bot/domain"
	"reflect"
	"testing"
	"time"

	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/storetest"
)

// open makes the memory stores for the contract; without a clock of the
// test's own, they run on a fake one that Pass moves.
func open(t *testing.T, cfg storetest.Config) storetest.Stores {
	clock := cfg.Clock
	if clock == nil {
		clock = storetest.NewFakeClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	}
	p := NewPeople(clock.Now)
	if cfg.LinkFailureWindow > 0 {
		p.Links.d.failWindow = cfg.LinkFailureWindow
	}
	if cfg.PendingStaffTTL > 0 {
		p.Staff.d.pendingTTL = cfg.PendingStaffTTL
	}
	return storetest.Stores{
		Clock: clock, Staff: p.Staff, Links: p.Links, Cases: p.Cases, Alerts: p.Alerts, OnCall: p.OnCall,
		Audit: p.Audit, Erasure: p.Erasure, Trail: p.Trail,
		Sessions: NewSessions(clock.Now, cfg.SessionIdleTTL),
	}
}

func TestContract(t *testing.T) {
	storetest.Run(t, open)
}

// TestSameMethodsAsStorage holds each store to the exported methods of its
// Redis twin, signatures included, so that one can stand in for the
// other. Sessions leaves out the cache's own methods.
func TestSameMethodsAsStorage(t *testing.T) {
	cacheOnly := map[string]bool{"Forget": true, "CacheStats": true}
	for _, pair := range []struct{ redis, mem any }{
		{(*storage.Staff)(nil), (*Staff)(nil)},
		{(*storage.Links)(nil), (*Links)(nil)},
		{(*storage.Cases)(nil), (*Cases)(nil)},
		{(*storage.Alerts)(nil), (*Alerts)(nil)},
		{(*storage.OnCall)(nil), (*OnCall)(nil)},
		{(*storage.Audit)(nil), (*Audit)(nil)},
		{(*storage.Erasure)(nil), (*Erasure)(nil)},
		{(*storage.Sessions)(nil), (*Sessions)(nil)},
		{(*storage.Trail)(nil), (*Trail)(nil)},
	} {
		rt, mt := reflect.TypeOf(pair.redis), reflect.TypeOf(pair.mem)
		want := map[string]string{}
		for i := range rt.NumMethod() {
			if m := rt.Method(i); !cacheOnly[m.Name] {
				want[m.Name] = m.Type.String()[len("func("+rt.String()):]
			}
		}
		got := map[string]string{}
		for i := range mt.NumMethod() {
			m := mt.Method(i)
			got[m.Name] = m.Type.String()[len("func("+mt.String()):]
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s has methods\n%v\nwant those of %s:\n%v", mt, got, rt, want)
		}
	}
}

// TestTheAuditTrailIsCapped keeps the newest entries, exactly the cap.
func TestTheAuditTrailIsCapped(t *testing.T) {
	p := NewPeople(nil)
	p.Audit.d.auditMax = 10
	for i := range 25 {
		if err := p.Audit.Audit(t.Context(), auditEntry(i)); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := p.Audit.AuditLog(t.Context(), 100)
	if len(got) != 10 || got[0].Case != "24" || got[9].Case != "15" {
		t.Errorf("AuditLog = %+v, want the newest 10", got)
	}
}

// TestATrailExpiresAfterItsLastPush: storage can only show the TTL Redis
// reports; here the clock can move.
func TestATrailExpiresAfterItsLastPush(t *testing.T) {
	clock := storetest.NewFakeClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	p := NewPeople(clock.Now)
	push := func(e string) {
		if err := p.Trail.Push(t.Context(), map[string][]string{"4711": {e}}); err != nil {
			t.Fatal(err)
		}
	}
	push("1")
	clock.Pass(storage.TrailTTL - time.Second)
	push("2")
	clock.Pass(storage.TrailTTL - time.Second)
	if got, _ := p.Trail.Take(t.Context(), "4711"); len(got) != 2 {
		t.Errorf("trail = %v, want both entries: a push renews it", got)
	}
	push("3")
	clock.Pass(storage.TrailTTL)
	if got, _ := p.Trail.Take(t.Context(), "4711"); len(got) != 0 {
		t.Errorf("trail = %v, want none after the TTL", got)
	}
}

func auditEntry(i int) domain.AuditEntry {
	return domain.AuditEntry{Actor: 1, Action: "summary.opened", Case: strconv.Itoa(i)}
}
