package alerts

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/intakebot/intakebot/bot/domain"
)

func TestParseOnCall(t *testing.T) {
	weekend := weekdaySet(time.Saturday, time.Sunday)
	for _, c := range []struct {
		in   string
		want onCallCmd
		err  string
	}{
		{"", onCallCmd{op: onCallShow}, ""},
		{"   ", onCallCmd{op: onCallShow}, ""},
		{"add 1 ma-vr 08:00-17:00", onCallCmd{op: onCallAdd, staff: 1, days: workdays, from: 480, to: 1020}, ""},
		{"ADD 2 Mon-Fri 8:00-17:30", onCallCmd{op: onCallAdd, staff: 2, days: workdays, from: 480, to: 1050}, ""},
		{"add 3 za,zo 22:00-08:00", onCallCmd{op: onCallAdd, staff: 3, days: weekend, from: 1320, to: 480}, ""},
		{"add 3 sat, sun 22.00 - 08.00", onCallCmd{op: onCallAdd, staff: 3, days: weekend, from: 1320, to: 480}, ""},
		{"add #4 1-7 00:00-24:00", onCallCmd{op: onCallAdd, staff: 4, days: domain.AllDays, from: 0, to: 0}, ""},
		{"add 4 alle 00:00-00:00", onCallCmd{op: onCallAdd, staff: 4, days: domain.AllDays, from: 0, to: 0}, ""},
		{"add 4 all 09:00-09:00", onCallCmd{op: onCallAdd, staff: 4, days: domain.AllDays, from: 540, to: 540}, ""},
		{"toevoegen 5 vr-ma 18:00–09:00", onCallCmd{op: onCallAdd, staff: 5, days: weekdaySet(time.Friday, time.Saturday, time.Sunday, time.Monday), from: 1080, to: 540}, ""},
		{"add 1 ma - wo, vrijdag 9:00-12:00", onCallCmd{op: onCallAdd, staff: 1, days: weekdaySet(time.Monday, time.Tuesday, time.Wednesday, time.Friday), from: 540, to: 720}, ""},
		{"add 1 werkdagen 9:00-12:00", onCallCmd{op: onCallAdd, staff: 1, days: workdays, from: 540, to: 720}, ""},
		{"add 1 weekend 9:00-12:00", onCallCmd{op: onCallAdd, staff: 1, days: weekend, from: 540, to: 720}, ""},
		{"add 1 7 9:00-12:00", onCallCmd{op: onCallAdd, staff: 1, days: weekdaySet(time.Sunday), from: 540, to: 720}, ""},
		{"add\t1\tdi\t9:00-12:00", onCallCmd{op: onCallAdd, staff: 1, days: weekdaySet(time.Tuesday), from: 540, to: 720}, ""},
		{"del 2", onCallCmd{op: onCallDel, n: 2}, ""},
		{"verwijder #12", onCallCmd{op: onCallDel, n: 12}, ""},
		{"remove 1", onCallCmd{op: onCallDel, n: 1}, ""},

		{"list", onCallCmd{}, "oncall.err.usage"},
		{"del", onCallCmd{}, "oncall.err.number"},
		{"del 0", onCallCmd{}, "oncall.err.number"},
		{"del -1", onCallCmd{}, "oncall.err.number"},
		{"del +1", onCallCmd{}, "oncall.err.number"},
		{"del 1 2", onCallCmd{}, "oncall.err.number"},
		{"del 99999", onCallCmd{}, "oncall.err.number"},
		{"add", onCallCmd{}, "oncall.err.staff"},
		{"add sanne ma-vr 08:00-17:00", onCallCmd{}, "oncall.err.staff"},
		{"add 1", onCallCmd{}, "oncall.err.time"},
		{"add 1 ma-vr", onCallCmd{}, "oncall.err.time"},
		{"add 1 ma-vr 08:00", onCallCmd{}, "oncall.err.time"},
		{"add 1 ma-vr 8-17", onCallCmd{}, "oncall.err.time"},
		{"add 1 ma-vr 24:00-08:00", onCallCmd{}, "oncall.err.time"},
		{"add 1 ma-vr 08:60-09:00", onCallCmd{}, "oncall.err.time"},
		{"add 1 ma-vr 08:00-24:30", onCallCmd{}, "oncall.err.time"},
		{"add 1 08:00-17:00", onCallCmd{}, "oncall.err.days"},
		{"add 1 8 08:00-17:00", onCallCmd{}, "oncall.err.days"},
		{"add 1 maandag-zaterdag-zondag 08:00-17:00", onCallCmd{}, "oncall.err.days"},
		{"add 1 ma-xx 08:00-17:00", onCallCmd{}, "oncall.err.days"},
		{"add 1 every day 08:00-17:00", onCallCmd{}, "oncall.err.days"},
		{"add 1 ma-vr 08:00-17:00 " + string(make([]byte, maxOnCallArg)), onCallCmd{}, "oncall.err.usage"},
	} {
		got, err := parseOnCall(c.in)
		if got != c.want || err != c.err {
			t.Errorf("parseOnCall(%q) = %+v, %q; want %+v, %q", c.in, got, err, c.want, c.err)
		}
	}
}

func TestClockText(t *testing.T) {
	for m, want := range map[int]string{0: "00:00", 59: "00:59", 480: "08:00", 1439: "23:59", 1050: "17:30"} {
		if got := clockText(m); got != want {
			t.Errorf("clockText(%d) = %q, want %q", m, got, want)
		}
	}
}

// FuzzParseOnCall: no input panics; whatever parses is a window the store
// accepts (or a number), and its canonical form parses back to the same.
func FuzzParseOnCall(f *testing.F) {
	for _, s := range []string{
		"", "add 1 ma-vr 08:00-17:00", "add 3 za,zo 22:00-08:00", "del 2", "add #4 1-7 00:00-24:00",
		"toevoegen 5 vr-ma 18:00–09:00", "add 1 ma - wo, vrijdag 9.00 - 12.00", "add x", "del", "add 1 8 08:00-17:00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, errID := parseOnCall(s)
		if errID != "" {
			if c != (onCallCmd{}) {
				t.Fatalf("parseOnCall(%q) failed with %q but returned %+v", s, errID, c)
			}
			return
		}
		switch c.op {
		case onCallShow:
			return
		case onCallDel:
			if c.n < 1 || c.n > 9999 {
				t.Fatalf("parseOnCall(%q): window number %d", s, c.n)
			}
		case onCallAdd:
			w := domain.OnCallWindow{Staff: 1, Days: c.days, From: c.from, To: c.to}
			if c.staff < 1 || c.staff > 9999 || !w.Valid() {
				t.Fatalf("parseOnCall(%q) = %+v: not a valid window", s, c)
			}
		default:
			t.Fatalf("parseOnCall(%q): op %d", s, c.op)
		}
		if !utf8.ValidString(s) {
			return
		}
		back, errID := parseOnCall(c.canonical())
		if errID != "" || back != c {
			t.Fatalf("parseOnCall(%q) = %+v; its canonical form %q parses to %+v, %q", s, c, c.canonical(), back, errID)
		}
	})
}
