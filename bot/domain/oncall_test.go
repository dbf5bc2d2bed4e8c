package domain

import (
	"slices"
	"testing"
	"time"
)

func TestOnCallWindowCovers(t *testing.T) {
	mon := Weekdays(0).With(time.Monday)
	// Monday 2 March 2026, UTC.
	at := func(day, hh, mm int) time.Time { return time.Date(2026, 3, day, hh, mm, 0, 0, time.UTC) }
	for _, c := range []struct {
		w    OnCallWindow
		t    time.Time
		want bool
	}{
		{OnCallWindow{Days: mon, From: 540, To: 1020}, at(2, 9, 0), true},
		{OnCallWindow{Days: mon, From: 540, To: 1020}, at(2, 17, 0), false},
		{OnCallWindow{Days: mon, From: 540, To: 1020}, at(3, 10, 0), false}, // Tuesday
		{OnCallWindow{Days: mon, From: 1320, To: 480}, at(2, 23, 0), true},
		{OnCallWindow{Days: mon, From: 1320, To: 480}, at(3, 7, 59), true}, // Tuesday morning
		{OnCallWindow{Days: mon, From: 1320, To: 480}, at(3, 8, 0), false},
		{OnCallWindow{Days: mon, From: 1320, To: 480}, at(2, 7, 0), false}, // Monday morning: Sunday's night
		{OnCallWindow{Days: mon, From: 0, To: 0}, at(2, 0, 0), true},       // 24 hours from midnight
		{OnCallWindow{Days: mon, From: 0, To: 0}, at(2, 23, 59), true},
		{OnCallWindow{Days: mon, From: 0, To: 0}, at(3, 0, 0), false},
		{OnCallWindow{Days: mon, From: 600, To: 600}, at(3, 9, 59), true}, // 24 hours from 10:00
		{OnCallWindow{Days: mon, From: 600, To: 600}, at(3, 10, 0), false},
	} {
		if got := c.w.Covers(c.t, nil); got != c.want {
			t.Errorf("%+v covers %s = %v, want %v", c.w, c.t.Format("Mon 15:04"), got, c.want)
		}
	}
}

func TestOnCallAtInOrderOnce(t *testing.T) {
	roster := []OnCallWindow{
		{Staff: 3, Days: AllDays, From: 0, To: 0, Order: 3},
		{Staff: 1, Days: AllDays, From: 0, To: 0, Order: 2},
		{Staff: 3, Days: AllDays, From: 0, To: 0, Order: 1},
		{Staff: 2, Days: AllDays, From: 60, To: 120, Order: 0},
	}
	if got := OnCallAt(roster, time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC), nil); !slices.Equal(got, []int64{3, 1}) {
		t.Errorf("OnCallAt = %v, want [3 1]", got)
	}
	if roster[0].Staff != 3 || roster[3].Staff != 2 {
		t.Error("OnCallAt reordered its argument")
	}
}

func TestOnCallWindowValid(t *testing.T) {
	ok := OnCallWindow{Staff: 1, Days: AllDays, From: 0, To: 1439}
	if !ok.Valid() {
		t.Errorf("%+v is not valid", ok)
	}
	for _, w := range []OnCallWindow{
		{Staff: 0, Days: AllDays}, {Staff: 1}, {Staff: 1, Days: 1 << 7},
		{Staff: 1, Days: AllDays, From: 1440}, {Staff: 1, Days: AllDays, To: -1},
	} {
		if w.Valid() {
			t.Errorf("%+v is valid", w)
		}
	}
}
