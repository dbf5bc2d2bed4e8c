package reminders

import (
	"testing"
	"time"
)

func FuzzParseWhen(f *testing.F) {
	for _, s := range []string{"morgen 9:00", "vandaag 14:30", "3 december 10:00", "vrijdag 16u",
		"tomorrow 9am", "in een uur", "3/12/2027 10:00", "December 3rd, 10am", "zaterdag 's avonds 8",
		"29 februari", "in 1000 weeks", "16u30", "12am"} {
		f.Add(s, int64(0))
	}
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		f.Fatal(err)
	}
	base := time.Date(2026, 12, 2, 10, 15, 0, 0, loc)
	f.Fuzz(func(t *testing.T, s string, shift int64) {
		now := base.Add(time.Duration(shift%(3*365*24)) * time.Hour)
		got, err := ParseWhen(s, now, loc)
		if err != nil {
			return
		}
		if !got.After(now) {
			t.Fatalf("ParseWhen(%q) = %v, not after %v", s, got, now)
		}
		if got.Sub(now) > maxAhead {
			t.Fatalf("ParseWhen(%q) = %v, too far after %v", s, got, now)
		}
		if got.Location() != loc {
			t.Fatalf("ParseWhen(%q) in %v", s, got.Location())
		}
	})
}
