package reminders

import (
	"testing"
	"time"
)

func TestRepeatsKeepTheWallClockAcrossBothChanges(t *testing.T) {
	loc := ams(t)
	// Monday 23 March 2026 09:00 CET; summer time from 29 March.
	first := time.Date(2026, 3, 23, 9, 0, 0, 0, loc)
	next := Occurrence(first, Weekly, 1, loc)
	if h, _, _ := next.Clock(); h != 9 || next.Day() != 30 {
		t.Errorf("weekly across spring = %v, want 30 March 09:00", next)
	}
	if d := next.Sub(first); d != 7*24*time.Hour-time.Hour {
		t.Errorf("weekly across spring is %v, want 167h", d)
	}
	// Monday 19 October 2026 09:00 CEST; winter time from 25 October.
	first = time.Date(2026, 10, 19, 9, 0, 0, 0, loc)
	next = Occurrence(first, Weekly, 1, loc)
	if h, _, _ := next.Clock(); h != 9 || next.Sub(first) != 7*24*time.Hour+time.Hour {
		t.Errorf("weekly across autumn = %v (%v)", next, next.Sub(first))
	}
	// Monthly from winter into summer and back.
	first = time.Date(2026, 2, 15, 18, 30, 0, 0, loc)
	for n := 1; n <= 12; n++ {
		o := Occurrence(first, Monthly, n, loc)
		if h, m, _ := o.Clock(); h != 18 || m != 30 || o.Day() != 15 {
			t.Errorf("monthly %d = %v, want the 15th at 18:30", n, o)
		}
	}
	// Yearly from summer time, every year at 10:00.
	first = time.Date(2026, 6, 1, 10, 0, 0, 0, loc)
	for n := 1; n <= 3; n++ {
		o := Occurrence(first, Yearly, n, loc)
		if o.Hour() != 10 || o.Month() != 6 || o.Day() != 1 || o.Year() != 2026+n {
			t.Errorf("yearly %d = %v", n, o)
		}
	}
}

func TestRepeatsOnDaysAMonthLacks(t *testing.T) {
	loc := ams(t)
	first := time.Date(2027, 1, 31, 9, 0, 0, 0, loc)
	want := []int{31, 28, 31, 30, 31}
	for n, d := range want {
		if o := Occurrence(first, Monthly, n, loc); o.Day() != d || o.Month() != time.Month(n+1) {
			t.Errorf("monthly %d from 31 January = %v, want day %d of month %d", n, o, d, n+1)
		}
	}
	// Over a year end.
	if o := Occurrence(time.Date(2026, 11, 30, 9, 0, 0, 0, loc), Monthly, 3, loc); o.Year() != 2027 || o.Month() != 2 || o.Day() != 28 {
		t.Errorf("monthly from 30 November + 3 = %v", o)
	}
	leap := time.Date(2028, 2, 29, 9, 0, 0, 0, loc)
	if o := Occurrence(leap, Yearly, 1, loc); o.Month() != 2 || o.Day() != 28 {
		t.Errorf("yearly from 29 February = %v, want 28 February", o)
	}
	if o := Occurrence(leap, Yearly, 4, loc); o.Day() != 29 {
		t.Errorf("yearly from 29 February + 4 = %v, want 29 February", o)
	}
}

func TestNextAfter(t *testing.T) {
	loc := ams(t)
	first := time.Date(2026, 1, 5, 9, 0, 0, 0, loc)
	for _, r := range []Repeat{Weekly, Monthly, Yearly} {
		for _, after := range []time.Time{first, first.Add(time.Minute), first.AddDate(0, 7, 3), first.AddDate(3, 0, 0)} {
			got, n, ok := NextAfter(first, r, after, loc)
			if !ok || !got.After(after) || n < 1 {
				t.Fatalf("NextAfter(%s, %v) = %v, %d, %v", r, after, got, n, ok)
			}
			if prev := Occurrence(first, r, n-1, loc); prev.After(after) {
				t.Errorf("NextAfter(%s, %v) = #%d %v skipped #%d %v", r, after, n, got, n-1, prev)
			}
		}
	}
	if _, _, ok := NextAfter(first, Once, first, loc); ok {
		t.Error("a reminder that does not repeat has a next time")
	}
}

func TestQuietHours(t *testing.T) {
	loc := ams(t)
	q, err := ParseQuiet("21:00-08:00")
	if err != nil {
		t.Fatal(err)
	}
	at := func(m time.Month, d, h, mi int) time.Time { return time.Date(2026, m, d, h, mi, 0, 0, loc) }
	cases := []struct{ in, want time.Time }{
		{at(12, 2, 20, 59), at(12, 2, 20, 59)},
		{at(12, 2, 21, 0), at(12, 3, 8, 0)},
		{at(12, 2, 23, 30), at(12, 3, 8, 0)},
		{at(12, 3, 0, 10), at(12, 3, 8, 0)},
		{at(12, 3, 7, 59), at(12, 3, 8, 0)},
		{at(12, 3, 8, 0), at(12, 3, 8, 0)},
		{at(12, 31, 22, 0), time.Date(2027, 1, 1, 8, 0, 0, 0, loc)},
		// The nights the clocks change: the end is still 08:00 on the wall clock.
		{at(3, 28, 22, 0), at(3, 29, 8, 0)},
		{at(10, 24, 22, 0), at(10, 25, 8, 0)},
	}
	for _, c := range cases {
		got := q.Postpone(c.in, loc)
		if !got.Equal(c.want) {
			t.Errorf("Postpone(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	if d := q.Postpone(at(3, 28, 22, 0), loc).Sub(at(3, 28, 22, 0)); d != 9*time.Hour {
		t.Errorf("spring night lasts %v, want 9h", d)
	}
	if d := q.Postpone(at(10, 24, 22, 0), loc).Sub(at(10, 24, 22, 0)); d != 11*time.Hour {
		t.Errorf("autumn night lasts %v, want 11h", d)
	}
	day, err := ParseQuiet("12:00-13:30")
	if err != nil {
		t.Fatal(err)
	}
	if got := day.Postpone(at(12, 2, 12, 45), loc); !got.Equal(at(12, 2, 13, 30)) {
		t.Errorf("a quiet lunch = %v", got)
	}
	if got := day.Postpone(at(12, 2, 13, 30), loc); !got.Equal(at(12, 2, 13, 30)) {
		t.Errorf("after the quiet lunch = %v", got)
	}
	for _, off := range []string{"", "off", "08:00-08:00"} {
		q, err := ParseQuiet(off)
		if err != nil || !q.Off() || q.In(at(12, 2, 3, 0), loc) {
			t.Errorf("ParseQuiet(%q) = %+v, %v; want off", off, q, err)
		}
	}
	for _, bad := range []string{"21-08", "21:00", "25:00-08:00", "x"} {
		if _, err := ParseQuiet(bad); err == nil {
			t.Errorf("ParseQuiet(%q) accepted", bad)
		}
	}
}
