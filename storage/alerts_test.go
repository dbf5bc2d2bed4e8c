package storage

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

func openAlert(t *testing.T, p *People, key string, kind dialog.AlertKind, next time.Time) (domain.Alert, bool) {
	t.Helper()
	a, created, err := p.Alerts.OpenAlert(context.Background(), domain.Alert{
		Key: key, Kind: kind, Started: fixedNow,
		Notices: []domain.AlertNotice{{Chat: 700001, Message: 41}},
	}, next, 24*time.Hour)
	if err != nil {
		t.Fatalf("OpenAlert: %v", err)
	}
	return a, created
}

// The contract (storetest) covers what callers see of alerts; here, the
// keys, scores and TTLs Redis holds.
func TestAlertKeysScoresAndTTLs(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	p, ctx := e.people, context.Background()
	next := fixedNow.Add(10 * time.Minute)
	score := func() float64 { return e.client.ZScore(ctx, "t:alerts", N("500001")).Val() }

	openAlert(t, p, "500001", dialog.AlertUrgent, next)
	if ttl := e.client.PTTL(ctx, L("t:alert:500001")).Val(); ttl <= 23*time.Hour || ttl > 24*time.Hour {
		t.Errorf("TTL = %v, want about 24h", ttl)
	}
	if s := score(); s != float64(next.UnixMilli()) {
		t.Errorf("escalation at %v, want %v", s, next.UnixMilli())
	}
	// The notices (chats and messages of staff) are sealed.
	if raw := e.client.HGet(ctx, L("t:alert:500001"), "data").Val(); strings.Contains(raw, "700001") {
		t.Error("the alert's data is stored readable")
	}
	openAlert(t, p, "500001", dialog.AlertSignal, fixedNow.Add(time.Hour))
	if s := score(); s != float64(next.UnixMilli()) {
		t.Error("a second alert moved the escalation")
	}
	a, _, _ := p.Alerts.Alert(ctx, "500001")
	later := next.Add(10 * time.Minute)
	if ok, err := p.Alerts.SaveAlert(ctx, a, later); err != nil || !ok {
		t.Fatalf("SaveAlert = %v, %v", ok, err)
	}
	if s := score(); s != float64(later.UnixMilli()) {
		t.Error("SaveAlert did not move the escalation")
	}
	if won, _, err := p.Alerts.TakeAlert(ctx, "500001", 100, fixedNow, time.Hour); err != nil || !won {
		t.Fatalf("TakeAlert = %v, %v", won, err)
	}
	if ttl := e.client.PTTL(ctx, L("t:alert:500001")).Val(); ttl > time.Hour {
		t.Errorf("TTL after the take = %v, want at most the hold of 1h", ttl)
	}
	if _, err := e.client.ZScore(ctx, "t:alerts", N("500001")).Result(); err == nil {
		t.Error("a taken alert still escalates")
	}
	if err := p.Alerts.EndAlert(ctx, "500001"); err != nil {
		t.Fatal(err)
	}
	a.Rev = 2
	if ok, err := p.Alerts.SaveAlert(ctx, a, later); err != nil || ok {
		t.Errorf("SaveAlert after the end = %v, %v; want false", ok, err)
	}
	if n := e.client.Exists(ctx, L("t:alert:500001"), "t:alerts").Val(); n != 0 {
		t.Error("the alert's keys are still there after EndAlert and a late save")
	}
}
