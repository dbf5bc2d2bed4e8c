package reminders

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Repeat is how a reminder comes back.
type Repeat string

// The repeats a reminder can have.
const (
	Once    Repeat = ""
	Weekly  Repeat = "weekly"
	Monthly Repeat = "monthly"
	Yearly  Repeat = "yearly"
)

// Valid reports whether r is one of the repeats above.
func (r Repeat) Valid() bool {
	switch r {
	case Once, Weekly, Monthly, Yearly:
		return true
	}
	return false
}

// Occurrence is the n-th time (n=0 is first itself) of a series that
// started at first, in loc, keeping first's wall-clock time across
// daylight-saving changes. A monthly or yearly series on a day a month
// lacks (the 31st, 29 February) falls on that month's last day and goes
// back to its own day when a month has it.
func Occurrence(first time.Time, r Repeat, n int, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	f := first.In(loc)
	y, mo, d := f.Date()
	h, mi, s := f.Clock()
	switch r {
	case Weekly:
		return time.Date(y, mo, d+7*n, h, mi, s, 0, loc)
	case Monthly:
		ty, tm := y, mo+time.Month(n)
		return time.Date(ty, tm, min(d, daysIn(normMonth(ty, tm))), h, mi, s, 0, loc)
	case Yearly:
		return time.Date(y+n, mo, min(d, daysIn(mo, y+n)), h, mi, s, 0, loc)
	}
	return f
}

// normMonth brings a month past December (or before January) back into its
// year, for daysIn.
func normMonth(y int, m time.Month) (time.Month, int) {
	t := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	return t.Month(), t.Year()
}

// NextAfter is the first occurrence of the series after t, and its
// number; ok is false for a reminder that does not repeat.
func NextAfter(first time.Time, r Repeat, t time.Time, loc *time.Location) (time.Time, int, bool) {
	if r == Once || !r.Valid() {
		return time.Time{}, 0, false
	}
	// Start near t rather than at 0, then step.
	n := 0
	switch r {
	case Weekly:
		n = int(t.Sub(first)/(7*24*time.Hour)) - 1
	case Monthly:
		n = int(t.Sub(first)/(28*24*time.Hour)) - 2
	case Yearly:
		n = int(t.Sub(first)/(365*24*time.Hour)) - 1
	}
	n = max(n, 1)
	for {
		o := Occurrence(first, r, n, loc)
		if o.After(t) {
			if n > 1 && Occurrence(first, r, n-1, loc).After(t) {
				n--
				continue
			}
			return o, n, true
		}
		n++
	}
}

// Quiet is a daily period in which reminders to people wait: from From to
// To, as durations since midnight on the wall clock. From after To spans
// midnight (21:00-08:00). Equal means no quiet hours.
type Quiet struct {
	From, To time.Duration
}

// ParseQuiet reads "21:00-08:00"; "" or "off" is no quiet hours.
func ParseQuiet(s string) (Quiet, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "off") {
		return Quiet{}, nil
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return Quiet{}, errors.New("quiet hours must look like 21:00-08:00")
	}
	from, err1 := hhmm(a)
	to, err2 := hhmm(b)
	if err := errors.Join(err1, err2); err != nil {
		return Quiet{}, fmt.Errorf("quiet hours must look like 21:00-08:00: %w", err)
	}
	return Quiet{From: from, To: to}, nil
}

func hhmm(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// Off reports whether there are no quiet hours.
func (q Quiet) Off() bool { return q.From == q.To }

// In reports whether t falls in the quiet hours, on loc's wall clock.
func (q Quiet) In(t time.Time, loc *time.Location) bool {
	if q.Off() {
		return false
	}
	w := sinceMidnight(t.In(loc))
	if q.From < q.To {
		return w >= q.From && w < q.To
	}
	return w >= q.From || w < q.To
}

// Postpone moves t that falls in the quiet hours to their end, on the wall
// clock of loc (on a daylight-saving day too); other times stay.
func (q Quiet) Postpone(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	if !q.In(t, loc) {
		return t
	}
	l := t.In(loc)
	y, mo, d := l.Date()
	if q.From > q.To && sinceMidnight(l) >= q.From {
		d++ // the evening part: the end is tomorrow morning
	}
	end := time.Date(y, mo, d, int(q.To/time.Hour), int(q.To%time.Hour/time.Minute), 0, 0, loc)
	if !end.After(t) { // cannot happen but for odd zones; never go back
		return t
	}
	return end
}

func sinceMidnight(t time.Time) time.Duration {
	h, m, s := t.Clock()
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second
}
