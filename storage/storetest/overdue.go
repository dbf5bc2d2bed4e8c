package storetest

import (
	"testing"
	"time"

	"github.com/intakebot/intakebot/dialog"
)

var overdueContract = []contract{
	{"CountDueCountsHandoffsDueByATime", overdueCountDue},
	{"CountAlertsDueCountsAlertsNobodyTookYet", overdueCountAlerts},
}

// far is later than anything is ever scheduled: counting up to it counts
// everything that waits.
var far = fixedNow.Add(100 * 365 * 24 * time.Hour)

func countDue(t *testing.T, s Stores, at time.Time) int64 {
	t.Helper()
	n, err := s.Due.CountDue(t.Context(), at)
	if err != nil {
		t.Fatalf("CountDue: %v", err)
	}
	return n
}

func overdueCountDue(t *testing.T, open Open) {
	s := openFixed(t, open)
	if n := countDue(t, s, far); n != 0 {
		t.Fatalf("CountDue with nothing scheduled = %d", n)
	}
	mustSchedule(t, s, "late", fixedNow.Add(-20*time.Minute))
	mustSchedule(t, s, "just", fixedNow.Add(-time.Minute))
	mustSchedule(t, s, "edge", fixedNow.Add(-10*time.Minute))
	mustSchedule(t, s, "later", fixedNow.Add(time.Hour))
	for _, c := range []struct {
		at   time.Time
		want int64
	}{
		{fixedNow.Add(-30 * time.Minute), 0},
		{fixedNow.Add(-10 * time.Minute), 2}, // at the time counts
		{fixedNow, 3},
		{far, 4},
	} {
		if n := countDue(t, s, c.at); n != c.want {
			t.Errorf("CountDue(now%+v) = %d, want %d", c.at.Sub(fixedNow), n, c.want)
		}
	}
	// A claim pushes the due ones back by the lease: nothing is late now.
	if got := claim(t, s, fixedNow, 5*time.Minute, 10); got != "[late edge just]" {
		t.Fatalf("claim = %s", got)
	}
	if n := countDue(t, s, fixedNow); n != 0 {
		t.Errorf("CountDue(now) after the claim = %d, want 0", n)
	}
	if err := s.Due.CancelDue(t.Context(), "later"); err != nil {
		t.Fatal(err)
	}
	if n := countDue(t, s, far); n != 3 {
		t.Errorf("CountDue(far) after a cancel = %d, want 3", n)
	}
}

func overdueCountAlerts(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	count := func(at time.Time) int64 {
		t.Helper()
		n, err := s.Alerts.CountAlertsDue(ctx, at)
		if err != nil {
			t.Fatalf("CountAlertsDue: %v", err)
		}
		return n
	}
	if n := count(far); n != 0 {
		t.Fatalf("CountAlertsDue with no alert = %d", n)
	}
	openAlert(t, s, "510001", dialog.AlertUrgent, fixedNow.Add(-10*time.Minute))
	openAlert(t, s, "510002", dialog.AlertSignal, fixedNow.Add(10*time.Minute))
	openAlert(t, s, "510003", dialog.AlertUrgent, fixedNow.Add(20*time.Minute))
	if n := count(fixedNow.Add(-5 * time.Minute)); n != 1 {
		t.Errorf("alerts late by 5 minutes = %d, want 1", n)
	}
	if n := count(far); n != 3 {
		t.Errorf("alerts waiting = %d, want 3", n)
	}
	if ok, _, err := s.Alerts.TakeAlert(ctx, "510002", 700001, fixedNow, time.Hour); err != nil || !ok {
		t.Fatalf("TakeAlert = %v, %v", ok, err)
	}
	if err := s.Alerts.EndAlert(ctx, "510003"); err != nil {
		t.Fatal(err)
	}
	if n := count(far); n != 1 {
		t.Errorf("alerts waiting after one was taken and one ended = %d, want 1", n)
	}
}
