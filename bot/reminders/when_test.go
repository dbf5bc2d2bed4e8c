package reminders

import (
	"errors"
	"testing"
	"time"
)

func ams(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// The fake clock: Wednesday 2 December 2026, 10:15 in Amsterdam.
func fakeNow(loc *time.Location) time.Time {
	return time.Date(2026, 12, 2, 10, 15, 0, 0, loc)
}

func TestParseWhenDutchAndEnglish(t *testing.T) {
	loc := ams(t)
	now := fakeNow(loc)
	at := func(y int, m time.Month, d, h, mi int) time.Time { return time.Date(y, m, d, h, mi, 0, 0, loc) }
	cases := []struct {
		in   string
		want time.Time
	}{
		{"morgen 9:00", at(2026, 12, 3, 9, 0)},
		{"Morgen om 9 uur", at(2026, 12, 3, 9, 0)},
		{"morgen", at(2026, 12, 3, 9, 0)},
		{"vandaag 14:30", at(2026, 12, 2, 14, 30)},
		{"vandaag 14.30", at(2026, 12, 2, 14, 30)},
		{"vanavond", at(2026, 12, 2, 19, 0)},
		{"vanavond 20:00", at(2026, 12, 2, 20, 0)},
		{"overmorgen 10u", at(2026, 12, 4, 10, 0)},
		{"3 december 10:00", at(2026, 12, 3, 10, 0)},
		{"3 dec 10:00", at(2026, 12, 3, 10, 0)},
		{"1 december 10:00", at(2027, 12, 1, 10, 0)}, // passed this year: next year
		{"3 december 2027 10:00", at(2027, 12, 3, 10, 0)},
		{"3-12 10:00", at(2026, 12, 3, 10, 0)},
		{"3/12/2027 10:00", at(2027, 12, 3, 10, 0)},
		{"15 januari 8:45", at(2027, 1, 15, 8, 45)},
		{"vrijdag 16u", at(2026, 12, 4, 16, 0)},
		{"vrijdag 16u30", at(2026, 12, 4, 16, 30)},
		{"volgende vrijdag om 16:00", at(2026, 12, 4, 16, 0)},
		{"woensdag 9:00", at(2026, 12, 9, 9, 0)}, // today, but passed: next week
		{"woensdag 11:00", at(2026, 12, 2, 11, 0)},
		{"ma 8:00", at(2026, 12, 7, 8, 0)},
		{"tomorrow 9am", at(2026, 12, 3, 9, 0)},
		{"tomorrow at 9 am", at(2026, 12, 3, 9, 0)},
		{"tomorrow 12am", at(2026, 12, 3, 0, 0)},
		{"today 12pm", at(2026, 12, 2, 12, 0)},
		{"today 4:30pm", at(2026, 12, 2, 16, 30)},
		{"friday 4pm", at(2026, 12, 4, 16, 0)},
		{"next monday 8:15", at(2026, 12, 7, 8, 15)},
		{"december 3 10:00", at(2026, 12, 3, 10, 0)},
		{"December 3rd, 10am", at(2026, 12, 3, 10, 0)},
		{"tonight", at(2026, 12, 2, 19, 0)},
		{"14:30", at(2026, 12, 2, 14, 30)},
		{"9:00", at(2026, 12, 3, 9, 0)}, // passed today: tomorrow
		{"in een uur", now.Add(time.Hour)},
		{"over een uur", now.Add(time.Hour)},
		{"in 2 uur", now.Add(2 * time.Hour)},
		{"over 30 minuten", now.Add(30 * time.Minute)},
		{"in an hour", now.Add(time.Hour)},
		{"in 3 hours", now.Add(3 * time.Hour)},
		{"in 3 dagen", at(2026, 12, 5, 10, 15)},
		{"in 2 weeks", at(2026, 12, 16, 10, 15)},
		{"morgen 9:00.", at(2026, 12, 3, 9, 0)},
		{"29 februari 9:00", at(2028, 2, 29, 9, 0)}, // the next leap year
		{"zaterdag 's avonds 8", at(2026, 12, 5, 20, 0)},
	}
	for _, c := range cases {
		got, err := ParseWhen(c.in, now, loc)
		if err != nil {
			t.Errorf("ParseWhen(%q): %v", c.in, err)
			continue
		}
		if !got.Equal(c.want) {
			t.Errorf("ParseWhen(%q) = %v, want %v", c.in, got, c.want)
		}
		if got.Location() != loc {
			t.Errorf("ParseWhen(%q) in %v, want %v", c.in, got.Location(), loc)
		}
	}
}

func TestParseWhenRefuses(t *testing.T) {
	loc := ams(t)
	now := fakeNow(loc)
	cases := []struct {
		in   string
		want error
	}{
		{"", ErrNotUnderstood},
		{"soon", ErrNotUnderstood},
		{"binnenkort", ErrNotUnderstood},
		{"morgen 25:00", ErrNotUnderstood},
		{"morgen 9:7", ErrNotUnderstood},
		{"morgen vandaag", ErrNotUnderstood},
		{"32 december 10:00", ErrNotUnderstood},
		{"31 november 10:00", ErrNotUnderstood},
		{"30 februari", ErrNotUnderstood},
		{"13pm", ErrNotUnderstood},
		{"in een", ErrNotUnderstood},
		{"in 0 uur", ErrNotUnderstood},
		{"in 5 jaar", ErrNotUnderstood},
		{"9:00 10:00", ErrNotUnderstood},
		{"3 december 2025 10:00", ErrInPast},
		{"vandaag 8:00", ErrInPast},
		{"3 december 2030 10:00", ErrTooFar},
		{"in 1000 weeks", ErrTooFar},
		{"morgen 9:00 " + string(make([]byte, 200)), ErrNotUnderstood},
	}
	for _, c := range cases {
		got, err := ParseWhen(c.in, now, loc)
		if !errors.Is(err, c.want) {
			t.Errorf("ParseWhen(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}

// A typed time on the day the clocks change keeps its wall-clock time.
func TestParseWhenAcrossDaylightSaving(t *testing.T) {
	loc := ams(t)
	// Saturday 28 March 2026, 12:00; summer time starts on Sunday 29 March at 02:00.
	now := time.Date(2026, 3, 28, 12, 0, 0, 0, loc)
	got, err := ParseWhen("morgen 9:00", now, loc)
	if err != nil {
		t.Fatal(err)
	}
	if h, m, _ := got.Clock(); h != 9 || m != 0 || got.Day() != 29 {
		t.Errorf("morgen 9:00 across the spring change = %v", got)
	}
	if d := got.Sub(now); d != 20*time.Hour {
		t.Errorf("morgen 9:00 is %v ahead, want 20h (one hour less that night)", d)
	}
	got, err = ParseWhen("in 1 dag", now, loc)
	if err != nil || got.Hour() != 12 {
		t.Errorf("in 1 dag across the spring change = %v, %v; want 12:00", got, err)
	}
	// Saturday 24 October 2026; winter time from Sunday 25 October 03:00.
	now = time.Date(2026, 10, 24, 12, 0, 0, 0, loc)
	got, err = ParseWhen("tomorrow 9am", now, loc)
	if err != nil || got.Hour() != 9 || got.Sub(now) != 22*time.Hour {
		t.Errorf("tomorrow 9am across the autumn change = %v (%v ahead), %v", got, got.Sub(now), err)
	}
	// A time in the hour that does not exist comes out at a real time.
	now = time.Date(2026, 3, 28, 12, 0, 0, 0, loc)
	got, err = ParseWhen("morgen 2:30", now, loc)
	if err != nil || !got.After(now) {
		t.Errorf("morgen 2:30 on the spring change = %v, %v", got, err)
	}
}

func TestParseWhenUsesTheDeploymentsZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC) // 10:00 in New York
	got, err := ParseWhen("vandaag 14:30", now, ny)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 2, 19, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("vandaag 14:30 in New York = %v, want %v", got.UTC(), want)
	}
}
