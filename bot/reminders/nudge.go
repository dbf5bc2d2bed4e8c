package reminders

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Idle nudges. A young person whose intake is started and not sent, and
// who has not answered for Options.Nudges[0] (3 days by default), gets a
// gentle nudge with the neutral first line of every reminder; after
// Nudges[1] (7 days) a second one; never more per silence. Any answer
// starts the count again. The nudge is a reminder record of its own
// (TemplateNudge, one per young person: Options.NudgeID), so it goes
// through the same job queue as the staff's reminders: durable, claimed
// by one replica at a time, quiet hours respected, erased with the young
// person, and stopped by its one-press "stop these reminders", which its
// staff member (the counsellor, or else the director) is told of.
//
// The record is made once, when the intake is under way (EnsureNudge);
// it is not written on every answer: the run reads the session's last
// change and works out from it whether a nudge is due, moves itself to
// when it will be, or ends when the intake was sent or is gone.

// DefaultNudges are the silences of the idle nudges (INTAKEBOT_NUDGES).
var DefaultNudges = []time.Duration{3 * 24 * time.Hour, 7 * 24 * time.Hour}

// nudgeRecheck is how long after the last nudge of a silence the run
// looks again whether the young person answered (and a new silence
// began); also the least time between two nudges.
const nudgeRecheck = 24 * time.Hour

// Why a nudge ended by itself.
const (
	ReasonNudgesOff = "nudges_off" // INTAKEBOT_NUDGES is off
	ReasonNoIntake  = "no_intake"  // the intake is gone or starts anew
)

// ParseNudges reads INTAKEBOT_NUDGES: silences separated by commas, each
// a number with d (days), h (hours) or m (minutes), rising, at most two
// ("3d,7d"); "off" (or "0") is no nudges; "" is DefaultNudges.
func ParseNudges(s string) ([]time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	switch s {
	case "":
		return DefaultNudges, nil
	case "off", "0", "none", "uit":
		return nil, nil
	}
	var out []time.Duration
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if len(part) < 2 {
			return nil, fmt.Errorf("nudges: %q is not a number with d, h or m", part)
		}
		n, err := strconv.Atoi(part[:len(part)-1])
		if err != nil || n <= 0 || n > 365*24*60 {
			return nil, fmt.Errorf("nudges: %q is not a number with d, h or m", part)
		}
		var d time.Duration
		switch part[len(part)-1] {
		case 'd':
			d = time.Duration(n) * 24 * time.Hour
		case 'h':
			d = time.Duration(n) * time.Hour
		case 'm':
			d = time.Duration(n) * time.Minute
		default:
			return nil, fmt.Errorf("nudges: %q is not a number with d, h or m", part)
		}
		if len(out) > 0 && d <= out[len(out)-1] {
			return nil, fmt.Errorf("nudges: %q must come after %s", part, out[len(out)-1])
		}
		out = append(out, d)
	}
	if len(out) > 2 {
		return nil, errors.New("nudges: at most two")
	}
	return out, nil
}

// underway reports whether the intake of s is started and not sent.
func underway(s dialog.Session) bool {
	switch s.State {
	case dialog.StateConsent, dialog.StateAge, dialog.StateWelcome, dialog.StateAsking, dialog.StatePaused, dialog.StateReview:
		return true
	}
	return false
}

// EnsureNudge makes the idle nudge of the young person of session s when
// their intake is under way and they have none yet; one that ended by
// itself (the intake was sent, or they blocked the bot and now write
// again) is made live again. A stopped one stays stopped, and so does one
// their staff member cancelled. Only a young person linked to a staff
// member (a case) gets nudges.
func (x *Reminders) EnsureNudge(ctx context.Context, s dialog.Session) error {
	if len(x.o.Nudges) == 0 || !underway(s) {
		return nil
	}
	id := x.o.NudgeID(s.Key)
	r, found, err := x.o.Store.Reminder(ctx, id)
	if err != nil {
		return err
	}
	if found {
		revive := r.Status == domain.ReminderCancelled && r.Reason != "" ||
			r.Status == domain.ReminderFailed && r.Reason == domain.ReasonBlocked
		if !revive {
			return nil
		}
	}
	c, ok, err := x.o.Cases.Case(ctx, s.Key)
	if err != nil || !ok {
		return err
	}
	staff := c.Counsellor
	if staff == 0 {
		staff = c.Director
	}
	if staff == 0 {
		return nil
	}
	now := x.o.Now()
	r = domain.Reminder{
		ID: id, Key: s.Key, Staff: staff, Template: domain.TemplateNudge, Status: domain.ReminderScheduled,
		First: s.Updated, Due: x.o.Quiet.Postpone(s.Updated.Add(x.o.Nudges[0]), x.o.Loc), Created: now, Rev: r.Rev,
	}
	_, err = x.o.Store.SaveReminder(ctx, r)
	return ignoreConflict(err) // another replica made it meanwhile
}

// nudge is the run of an idle nudge that fell due.
func (x *Reminders) nudge(ctx context.Context, r domain.Reminder, now time.Time) error {
	end := func(reason string) error {
		_, _, err := x.change(ctx, r.ID, func(r *domain.Reminder) bool {
			r.Status, r.Reason, r.Due = domain.ReminderCancelled, reason, time.Time{}
			return true
		})
		return err
	}
	if len(x.o.Nudges) == 0 {
		return end(ReasonNudgesOff)
	}
	s, found, err := x.o.Sessions.LoadFresh(ctx, r.Key)
	if err != nil {
		return err
	}
	if !found || !underway(s) {
		if found && s.State == dialog.StateSubmitted {
			return end(ReasonIntakeSent)
		}
		return end(ReasonNoIntake)
	}
	// The silence began at the young person's last answer; the nudges
	// sent before it belong to an earlier silence.
	quiet := s.Updated
	n := r.N
	if r.Sent.IsZero() || quiet.After(r.Sent) {
		n = 0
	}
	next := func(n int) time.Time {
		if n >= len(x.o.Nudges) {
			return now.Add(nudgeRecheck) // look again whether they answered
		}
		return x.o.Quiet.Postpone(quiet.Add(x.o.Nudges[n]), x.o.Loc)
	}
	if at := next(n); n >= len(x.o.Nudges) || at.After(now) {
		// Nothing to send now: they answered since, or had both nudges.
		_, _, err := x.change(ctx, r.ID, func(cur *domain.Reminder) bool {
			if !cur.Status.Live() || !cur.Due.Equal(r.Due) {
				return false
			}
			cur.N, cur.Due = n, at
			return true
		})
		return err
	}
	if x.o.Quiet.In(now, x.o.Loc) {
		_, _, err := x.change(ctx, r.ID, func(cur *domain.Reminder) bool {
			cur.Due = x.o.Quiet.Postpone(now, x.o.Loc)
			return true
		})
		return err
	}
	lang := x.o.Dir.SessionLang(s)
	sendErr := x.o.Out.Remind(ctx, chat.ParseSessionKey(r.Key), lang, nudgeButtons(r.ID),
		dialog.T("remind.young.first"), dialog.T("nudge.young.text"))
	if sendErr != nil && !errors.Is(sendErr, ErrBlocked) {
		if ctx.Err() != nil {
			return fmt.Errorf("can't send a nudge: %w", sendErr) // left to its lease
		}
		return x.failedOnce(ctx, r.ID, now, sendErr)
	}
	saved, _, err := x.change(ctx, r.ID, func(cur *domain.Reminder) bool {
		if sendErr != nil {
			cur.Status, cur.Reason, cur.Due = domain.ReminderFailed, domain.ReasonBlocked, time.Time{}
			return true
		}
		cur.Sent, cur.Attempts = now, 0
		if !cur.Status.Live() || !cur.Due.Equal(r.Due) {
			return true // stopped or cancelled meanwhile: only note the send
		}
		cur.Status, cur.N = domain.ReminderSent, n+1
		cur.Due = next(n + 1)
		if soonest := x.o.Quiet.Postpone(now.Add(nudgeRecheck), x.o.Loc); cur.Due.Before(soonest) {
			cur.Due = soonest // never two nudges within a day (the bot was down)
		}
		return true
	})
	if err != nil {
		return err
	}
	if sendErr != nil {
		x.auditor.Record(ctx, 0, "reminder.blocked", r.Key)
		x.tellStaff(ctx, saved, "remind.staff.blocked")
	}
	return nil
}

// nudgeButtons: a nudge is answered by carrying on with the intake; its
// one button stops the nudges.
func nudgeButtons(id string) [][]dialog.Button {
	return [][]dialog.Button{
		{{Label: dialog.T("remind.young.btn_stop"), Data: chat.ButtonData(chat.ActRemindStop, id)}},
	}
}
