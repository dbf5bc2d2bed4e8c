package domain

import (
	"slices"
	"time"
)

// ReminderStatus is where a reminder stands, as its maker sees it in
// /remind and /cases.
type ReminderStatus string

// The statuses of a reminder.
const (
	// ReminderScheduled: waiting for its time.
	ReminderScheduled ReminderStatus = "scheduled"
	// ReminderSent: sent; a repeating one waits for its next time too.
	ReminderSent ReminderStatus = "sent"
	// ReminderDone: the young person pressed "done".
	ReminderDone ReminderStatus = "done"
	// ReminderSnoozed: the young person asked for it again a day later.
	ReminderSnoozed ReminderStatus = "snoozed"
	// ReminderStopped: the young person asked for no more of these.
	ReminderStopped ReminderStatus = "stopped"
	// ReminderFailed: it could not be sent (Reason says why); the series
	// ends.
	ReminderFailed ReminderStatus = "failed"
	// ReminderCancelled: its maker cancelled it, or it no longer made
	// sense (the intake was sent).
	ReminderCancelled ReminderStatus = "cancelled"
	// ReminderDraft: being made in /remind, not confirmed yet.
	ReminderDraft ReminderStatus = "draft"
)

// Live reports whether a reminder in status s may still be sent (a done
// one that repeats comes again): not stopped, failed, cancelled or a
// draft.
func (s ReminderStatus) Live() bool {
	return s == ReminderScheduled || s == ReminderSent || s == ReminderSnoozed || s == ReminderDone
}

// The templates of a reminder.
const (
	TemplateIntake      = "intake"      // continue your intake
	TemplateAppointment = "appointment" // an appointment: date, time, place
	TemplateRegister    = "register"    // the yearly housing-register renewal
	TemplateOwn         = "own"         // the staff member's own text
	TemplateCheckin     = "checkin"     // the weekly check-in (a short conversation)
	// TemplateNudge is the idle nudge: made by the bot, not by /remind,
	// after a silence in an intake that is started and not sent; Staff is
	// the young person's counsellor (or director), who is told of a stop.
	TemplateNudge = "nudge"
)

// Why a reminder failed.
const (
	ReasonBlocked = "blocked" // the young person blocked the bot (403)
	ReasonGone    = "gone"    // the young person's case is no longer there
	ReasonError   = "error"   // Telegram refused it otherwise
)

// Reminder is a message to a young person at a time, maybe repeating,
// made by a counsellor or director. Text and Place are what the staff
// member typed and are sealed at rest.
type Reminder struct {
	ID    string `json:"id"`
	Key   string `json:"key"`   // the young person's session (case) key
	Staff int64  `json:"staff"` // who made it
	// Template is one of the Template constants.
	Template string `json:"template"`
	Text     string `json:"text,omitempty"`  // own text
	Place    string `json:"place,omitempty"` // appointment
	// Appointment is the appointment's time (appointment template).
	Appointment time.Time `json:"appointment,omitzero"`
	// First is the first time of the series; Repeat ("", weekly,
	// monthly, yearly) and N, the number of the next time, give the
	// others.
	First  time.Time `json:"first"`
	Repeat string    `json:"repeat,omitempty"`
	N      int       `json:"n,omitempty"`
	// Due is when it will be sent next (after quiet hours, or a snooze);
	// zero when it will not.
	Due    time.Time      `json:"due,omitzero"`
	Status ReminderStatus `json:"status"`
	Reason string         `json:"reason,omitempty"`
	// Sent is when it was last sent; Answered when the young person last
	// pressed one of its buttons.
	Sent     time.Time `json:"sent,omitzero"`
	Answered time.Time `json:"answered,omitzero"`
	Created  time.Time `json:"created"`
	// Waiting is what a draft waits for its maker to type with /remind:
	// "text", "appointment" (a time and a place), "time", or nothing.
	Waiting string `json:"waiting,omitempty"`
	// WaitingSince is when the draft started waiting.
	WaitingSince time.Time `json:"waiting_since,omitzero"`
	// Attempts counts the sends Telegram refused in a row (not 403).
	Attempts int `json:"attempts,omitempty"`
	// Moving marks a reminder whose maker is choosing a new time.
	Moving bool `json:"moving,omitempty"`
	// Rev is the stored version (compare and set); 0 for a new one.
	Rev int64 `json:"-"`
}

// SortReminders orders reminders as the lists show them: the live ones by
// due time, then the others, the most recently made first; the ID breaks
// ties.
func SortReminders(rs []Reminder) {
	slices.SortFunc(rs, func(a, b Reminder) int {
		al, bl := a.Status.Live() && !a.Due.IsZero(), b.Status.Live() && !b.Due.IsZero()
		switch {
		case al && !bl:
			return -1
		case bl && !al:
			return 1
		case al && !a.Due.Equal(b.Due):
			return a.Due.Compare(b.Due)
		case !al && !a.Created.Equal(b.Created):
			return b.Created.Compare(a.Created)
		}
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
}
