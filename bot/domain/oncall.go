package domain

import (
	"cmp"
	"slices"
	"time"

	"github.com/intakebot/intakebot/dialog"
)

// The on-call service (permanentie): admins set who can be reached at
// which times, and an alert (the young person's /urgent, or a signal of
// acute risk) goes to whoever is on call at that moment.

// Weekdays is a set of days of the week: bit d is time.Weekday(d).
type Weekdays uint8

// AllDays is every day of the week.
const AllDays Weekdays = 1<<7 - 1

// Has reports whether d is in the set.
func (w Weekdays) Has(d time.Weekday) bool { return w&(1<<uint(d)) != 0 }

// With returns the set with d added.
func (w Weekdays) With(d time.Weekday) Weekdays { return w | 1<<uint(d) }

// OnCallWindow is one line of the roster: a staff member is on call on
// Days from From to To, in minutes after midnight in the service's time
// zone. To <= From means the window runs past midnight into the next day
// (and To == From means 24 hours); Days are the days on which it starts.
// Windows that cover the same moment are called in Order, lowest first.
type OnCallWindow struct {
	ID    int      `json:"-"` // given by the store; also the order
	Staff int64    `json:"staff"`
	Days  Weekdays `json:"days"`
	From  int      `json:"from"`
	To    int      `json:"to"`
	Order int      `json:"order"`
}

// MinutesPerDay bounds From and To.
const MinutesPerDay = 24 * 60

// Valid reports whether the window can be stored.
func (w OnCallWindow) Valid() bool {
	return w.Staff != 0 && w.Days != 0 && w.Days&^AllDays == 0 &&
		w.From >= 0 && w.From < MinutesPerDay && w.To >= 0 && w.To < MinutesPerDay
}

// Overnight reports whether the window ends on the next day.
func (w OnCallWindow) Overnight() bool { return w.To <= w.From }

// Covers reports whether the window covers t, read as a wall clock in
// loc (nil: UTC). Windows follow the wall clock, so a summer time change
// makes the night it happens an hour shorter or longer.
func (w OnCallWindow) Covers(t time.Time, loc *time.Location) bool {
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	m := lt.Hour()*60 + lt.Minute()
	day := lt.Weekday()
	if !w.Overnight() {
		return w.Days.Has(day) && m >= w.From && m < w.To
	}
	yesterday := (day + 6) % 7
	return (w.Days.Has(day) && m >= w.From) || (w.Days.Has(yesterday) && m < w.To)
}

// OnCallAt returns the staff on call at t in loc, in roster order, each
// once.
func OnCallAt(roster []OnCallWindow, t time.Time, loc *time.Location) []int64 {
	ws := slices.Clone(roster)
	slices.SortStableFunc(ws, func(a, b OnCallWindow) int { return a.Order - b.Order })
	var out []int64
	for _, w := range ws {
		if w.Covers(t, loc) && !slices.Contains(out, w.Staff) {
			out = append(out, w.Staff)
		}
	}
	return out
}

// Alert is an open call for help about one young person, until a staff
// member takes it or the escalation runs out.
type Alert struct {
	Key     string           `json:"-"` // the young person's session key
	Kind    dialog.AlertKind `json:"-"`
	Level   int              `json:"-"` // 0 first recipients, 1 the next on call and the admins
	Started time.Time        `json:"-"`
	TakenBy int64            `json:"-"` // 0 until someone took it
	Taken   time.Time        `json:"-"`
	// Rev is the stored version the alert was loaded at: a save over a
	// newer one is refused, so that two writers never drop each other's
	// messages.
	Rev int64 `json:"-"`
	// Notices are the alert messages sent, to be edited once it is taken.
	Notices []AlertNotice `json:"notices,omitempty"`
}

// AlertNotice is one alert message in a staff member's chat.
type AlertNotice struct {
	Chat    int64 `json:"chat"`
	Message int   `json:"message"`
	Level   int   `json:"level"`
}

// Notified reports whether chat got a message of the alert.
func (a Alert) Notified(chat int64) bool {
	return slices.ContainsFunc(a.Notices, func(n AlertNotice) bool { return n.Chat == chat })
}

// CompareWindows orders the roster: by its order of calling, then by ID.
func CompareWindows(a, b OnCallWindow) int {
	return cmp.Or(cmp.Compare(a.Order, b.Order), cmp.Compare(a.ID, b.ID))
}
