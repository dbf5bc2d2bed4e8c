package storage

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

// mustSchedule schedules the case under key, saving one first if there is
// none: a due time is only kept for a case that exists.
func mustSchedule(t *testing.T, p *People, key string, at time.Time) {
	t.Helper()
	if _, ok, err := p.Cases.Case(context.Background(), key); err != nil {
		t.Fatal(err)
	} else if !ok {
		mustSaveCase(t, p, domain.Case{Key: key, Director: 1, Linked: at})
	}
	if err := p.Cases.ScheduleDue(context.Background(), key, at); err != nil {
		t.Fatalf("ScheduleDue: %v", err)
	}
}

func claim(t *testing.T, p *People, now time.Time, lease time.Duration, limit int) string {
	t.Helper()
	got, err := p.Cases.ClaimDue(context.Background(), now, lease, limit)
	if err != nil {
		t.Fatalf("ClaimDue: %v", err)
	}
	return fmt.Sprint(got)
}

// A claim pushes the due time back by the lease rather than removing it,
// and a cancel removes the entry.
func TestClaimAndCancelKeepTheDueSetExact(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	p := e.people
	mustSchedule(t, p, "a", fixedNow.Add(-2*time.Second))
	mustSchedule(t, p, "moved", fixedNow.Add(-time.Second))
	mustSchedule(t, p, "moved", fixedNow.Add(time.Hour))
	mustSchedule(t, p, "cancelled", fixedNow.Add(-time.Second))
	if err := p.Cases.CancelDue(ctx, "cancelled"); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, p, fixedNow, 30*time.Second, 10); got != "[a]" {
		t.Fatalf("claim = %s, want [a]", got)
	}
	score := e.client.ZScore(ctx, "t:due", N("a")).Val()
	if want := float64(fixedNow.Add(30 * time.Second).UnixMilli()); score != want {
		t.Errorf("a is due again at %v, want now+lease %v", score, want)
	}
	if n := e.client.ZCard(ctx, "t:due").Val(); n != 2 {
		t.Errorf("%d due entries, want 2", n)
	}
}
