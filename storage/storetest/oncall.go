package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

var onCallContract = []contract{
	{"RosterAddListRemove", onCallAddListRemove},
	{"RosterRefusesBadWindows", onCallRefusesBadWindows},
	{"ConcurrentAddsGetDistinctIDs", onCallConcurrentAdds},
	{"AtFollowsTheWallClockInTheTimeZone", onCallAtWallClock},
}

func weekdays(ds ...time.Weekday) domain.Weekdays {
	var w domain.Weekdays
	for _, d := range ds {
		w = w.With(d)
	}
	return w
}

var workdays = weekdays(time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday)

func addWindow(t *testing.T, s Stores, w domain.OnCallWindow) domain.OnCallWindow {
	t.Helper()
	got, err := s.OnCall.AddOnCall(t.Context(), w)
	if err != nil {
		t.Fatalf("AddOnCall: %v", err)
	}
	return got
}

func onCallAddListRemove(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	if r, err := s.OnCall.OnCallRoster(ctx); err != nil || len(r) != 0 {
		t.Fatalf("empty roster = %v, %v", r, err)
	}
	a := addWindow(t, s, domain.OnCallWindow{Staff: 7000000001, Days: workdays, From: 8 * 60, To: 17 * 60})
	b := addWindow(t, s, domain.OnCallWindow{Staff: 2, Days: domain.AllDays, From: 22 * 60, To: 8 * 60})
	c := addWindow(t, s, domain.OnCallWindow{Staff: 3, Days: weekdays(time.Saturday), From: 0, To: 0})
	if a.ID != 1 || b.ID != 2 || c.ID != 3 || c.Order != 3 {
		t.Fatalf("IDs = %d %d %d (order %d), want 1 2 3 (3)", a.ID, b.ID, c.ID, c.Order)
	}
	r, err := s.OnCall.OnCallRoster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r, []domain.OnCallWindow{a, b, c}) {
		t.Errorf("roster = %+v, want %+v", r, []domain.OnCallWindow{a, b, c})
	}

	if ok, err := s.OnCall.RemoveOnCall(ctx, 2); err != nil || !ok {
		t.Fatalf("RemoveOnCall(2) = %v, %v", ok, err)
	}
	if ok, err := s.OnCall.RemoveOnCall(ctx, 2); err != nil || ok {
		t.Errorf("RemoveOnCall(2) again = %v, %v; want false", ok, err)
	}
	d := addWindow(t, s, domain.OnCallWindow{Staff: 4, Days: workdays, From: 60, To: 120})
	if d.ID != 4 {
		t.Errorf("a window added after a removal got ID %d, want 4 (after the highest)", d.ID)
	}
	r, _ = s.OnCall.OnCallRoster(ctx)
	if !slices.Equal(r, []domain.OnCallWindow{a, c, d}) {
		t.Errorf("roster = %+v, want %+v", r, []domain.OnCallWindow{a, c, d})
	}
}

func onCallRefusesBadWindows(t *testing.T, open Open) {
	s := openFixed(t, open)
	for _, w := range []domain.OnCallWindow{
		{Staff: 0, Days: workdays, From: 0, To: 60},
		{Staff: 1, Days: 0, From: 0, To: 60},
		{Staff: 1, Days: 1 << 7, From: 0, To: 60},
		{Staff: 1, Days: workdays, From: -1, To: 60},
		{Staff: 1, Days: workdays, From: 0, To: 24 * 60},
	} {
		if _, err := s.OnCall.AddOnCall(t.Context(), w); err == nil {
			t.Errorf("AddOnCall(%+v) succeeded", w)
		}
	}
	if r, err := s.OnCall.OnCallRoster(t.Context()); len(r) != 0 || err != nil {
		t.Errorf("a refused window was stored: %+v, %v", r, err)
	}
}

func onCallConcurrentAdds(t *testing.T, open Open) {
	s := openFixed(t, open)
	done := make(chan int, 20)
	for i := range 20 {
		go func() {
			w, err := s.OnCall.AddOnCall(t.Context(), domain.OnCallWindow{Staff: int64(i + 1), Days: workdays, From: 0, To: 60})
			if err != nil {
				t.Error(err)
			}
			done <- w.ID
		}()
	}
	seen := map[int]bool{}
	for range 20 {
		seen[<-done] = true
	}
	if len(seen) != 20 {
		t.Errorf("20 concurrent adds got %d distinct IDs", len(seen))
	}
}

// Europe/Amsterdam: summer time began on Sunday 29 March 2026 at 02:00
// (to 03:00) and ends on Sunday 25 October 2026 at 03:00 (to 02:00).
func onCallAtWallClock(t *testing.T, open Open) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	s := openFixed(t, open)
	const day, night, weekend, sunday = 1, 2, 3, 4
	addWindow(t, s, domain.OnCallWindow{Staff: day, Days: workdays, From: 8 * 60, To: 17 * 60})
	// Friday and Saturday nights, past midnight.
	addWindow(t, s, domain.OnCallWindow{Staff: night, Days: weekdays(time.Friday, time.Saturday), From: 22 * 60, To: 8 * 60})
	// The whole Saturday (00:00-24:00) and, later in the roster, the
	// day worker too on Sunday mornings.
	addWindow(t, s, domain.OnCallWindow{Staff: weekend, Days: weekdays(time.Saturday), From: 0, To: 0})
	addWindow(t, s, domain.OnCallWindow{Staff: sunday, Days: weekdays(time.Sunday), From: 6 * 60, To: 12 * 60})

	at := func(y int, m time.Month, d, hh, mm int) time.Time {
		return time.Date(y, m, d, hh, mm, 0, 0, ams).UTC() // stored and passed as UTC
	}
	for _, c := range []struct {
		at   time.Time
		want []int64
	}{
		{at(2026, 3, 2, 8, 0), []int64{day}}, // Monday 08:00, the first minute
		{at(2026, 3, 2, 16, 59), []int64{day}},
		{at(2026, 3, 2, 17, 0), nil}, // the window ends before its To
		{at(2026, 3, 2, 7, 59), nil},
		{at(2026, 3, 7, 12, 0), []int64{weekend}},       // Saturday: no day window
		{at(2026, 3, 6, 23, 0), []int64{night}},         // Friday night
		{at(2026, 3, 7, 3, 0), []int64{night, weekend}}, // night from Friday, in roster order
		{at(2026, 3, 8, 7, 0), []int64{night, sunday}},  // Sunday morning: the night from Saturday
		{at(2026, 3, 8, 8, 0), []int64{sunday}},
		{at(2026, 3, 9, 3, 0), nil}, // the night of Sunday is not on the roster
		// The night summer time begins: Saturday 28 March 22:00 CET to
		// Sunday 08:00 CEST is nine hours of real time.
		{at(2026, 3, 29, 7, 59), []int64{night, sunday}},
		{at(2026, 3, 29, 8, 0), []int64{sunday}},
		{time.Date(2026, 3, 29, 5, 59, 0, 0, time.UTC), []int64{night, sunday}}, // 07:59 CEST
		{time.Date(2026, 3, 29, 6, 0, 0, 0, time.UTC), []int64{sunday}},         // 08:00 CEST
		{time.Date(2026, 3, 8, 6, 59, 0, 0, time.UTC), []int64{night, sunday}},  // 07:59 CET
		{time.Date(2026, 3, 8, 7, 0, 0, 0, time.UTC), []int64{sunday}},          // 08:00 CET
		// Summer: 08:00 CEST is 06:00 UTC.
		{time.Date(2026, 7, 6, 6, 0, 0, 0, time.UTC), []int64{day}},
		{time.Date(2026, 7, 6, 5, 59, 0, 0, time.UTC), nil},
		// The night summer time ends: 02:30 happens twice, both in the
		// night window.
		{time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), []int64{night}}, // 02:30 CEST
		{time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), []int64{night}}, // 02:30 CET
		{time.Date(2026, 10, 25, 7, 0, 0, 0, time.UTC), []int64{sunday}}, // 08:00 CET
	} {
		got, err := s.OnCall.OnCallAt(t.Context(), c.at, ams)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("on call at %s = %v, want %v", c.at.In(ams).Format("Mon 2006-01-02 15:04 MST"), got, c.want)
		}
	}
}
