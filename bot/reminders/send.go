package reminders

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/jobs"
	"github.com/intakebot/intakebot/dialog"
)

// Job sends the reminders that fall due, as a queue of the job runner.
// Pseudonym names an item in the log (nil: items stay out of it).
func (x *Reminders) Job(pseudonym func(string) slog.Attr) jobs.Queue {
	return jobs.Queue{
		Name: "reminders", Every: 5 * time.Second, Lease: x.o.Lease, Batch: 50,
		Parallel: true, Timeout: x.o.Lease * 3 / 4,
		Claim: func(ctx context.Context, now time.Time, lease time.Duration, n int) ([]string, error) {
			return x.o.Store.ClaimReminders(ctx, now, lease, n)
		},
		Run:  x.Send,
		Item: pseudonym,
	}
}

// Send is the run of one claimed reminder: it re-reads it, and sends it
// when it is still live and due, unless it no longer makes sense (the
// intake it asks to continue was sent; the young person was erased) or it
// is quiet hours (then it waits for their end). It saves what it did with
// compare-and-set; the save also sets its next time, or takes it out of
// the queue. An error leaves it to its lease: it is tried again after it.
func (x *Reminders) Send(ctx context.Context, id string, now time.Time) error {
	r, ok, err := x.o.Store.Reminder(ctx, id)
	if err != nil || !ok {
		return err
	}
	if !r.Status.Live() || r.Due.IsZero() || r.Due.After(now) {
		// Moved or finished since the claim: saving it as it is puts its
		// queue entry back where the record says.
		_, err := x.o.Store.SaveReminder(ctx, r)
		return ignoreConflict(err)
	}
	c, found, err := x.o.Cases.Case(ctx, r.Key)
	if err != nil {
		return err
	}
	if !found {
		// The young person's intake is gone (erased): so are its reminders.
		_, err := x.o.Store.DeleteRemindersFor(ctx, r.Key)
		return err
	}
	if r.Template == domain.TemplateNudge {
		return x.nudge(ctx, r, now)
	}
	if r.Template == domain.TemplateIntake && !c.Delivered.IsZero() {
		_, _, err := x.change(ctx, id, func(r *domain.Reminder) bool {
			r.Status, r.Reason, r.Due = domain.ReminderCancelled, ReasonIntakeSent, time.Time{}
			return true
		})
		return err
	}
	if x.o.Quiet.In(now, x.o.Loc) {
		_, _, err := x.change(ctx, id, func(r *domain.Reminder) bool {
			r.Due = x.o.Quiet.Postpone(now, x.o.Loc)
			return true
		})
		return err
	}
	lang := x.youngLang(ctx, r.Key)
	young := chat.ParseSessionKey(r.Key)
	buttons := youngButtons(r.ID)
	if r.Template == domain.TemplateCheckin {
		buttons = checkinButtons(r.ID)
	}
	sendErr := x.o.Out.Remind(ctx, young, lang, buttons, x.message(r)...)
	if sendErr != nil && !errors.Is(sendErr, ErrBlocked) {
		if ctx.Err() != nil {
			return fmt.Errorf("can't send a reminder: %w", sendErr) // left to its lease
		}
		return x.failedOnce(ctx, id, now, sendErr)
	}
	due := r.Due
	saved, _, err := x.change(ctx, id, func(r *domain.Reminder) bool {
		if sendErr != nil {
			r.Status, r.Reason, r.Due = domain.ReminderFailed, domain.ReasonBlocked, time.Time{}
			return true
		}
		r.Sent, r.Attempts = now, 0
		if !r.Status.Live() || !r.Due.Equal(due) {
			return true // cancelled or moved meanwhile: only note the send
		}
		r.Status, r.Due = domain.ReminderSent, time.Time{}
		if next, n, ok := NextAfter(r.First, Repeat(r.Repeat), now, x.o.Loc); ok {
			r.N, r.Due = n, x.o.Quiet.Postpone(next, x.o.Loc)
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

// MaxAttempts is how often Telegram may refuse a reminder (other than a
// 403) before the series ends as failed; between attempts it waits the
// lease, doubled each time, at most an hour.
const MaxAttempts = 5

// failedOnce notes a refused send: the reminder is tried again later, or
// ends as failed after MaxAttempts, and then its maker is told.
func (x *Reminders) failedOnce(ctx context.Context, id string, now time.Time, sendErr error) error {
	saved, _, err := x.change(ctx, id, func(r *domain.Reminder) bool {
		r.Attempts++
		if r.Attempts >= MaxAttempts {
			r.Status, r.Reason, r.Due = domain.ReminderFailed, domain.ReasonError, time.Time{}
			return true
		}
		r.Due = now.Add(min(x.o.Lease<<(r.Attempts-1), time.Hour))
		return true
	})
	if err != nil {
		return errors.Join(fmt.Errorf("can't send a reminder: %w", sendErr), err)
	}
	if saved.Status == domain.ReminderFailed {
		x.tellStaff(ctx, saved, "remind.staff.failed")
	}
	x.log.Warn("a reminder was refused", "attempt", saved.Attempts, "err", sendErr)
	return nil
}

// ReasonIntakeSent: a continue-your-intake reminder after the intake was
// sent.
const ReasonIntakeSent = "intake_sent"

func ignoreConflict(err error) error {
	if errors.Is(err, domain.ErrConflict) {
		return nil
	}
	return err
}

// youngLang is the young person's language, or the default one.
func (x *Reminders) youngLang(ctx context.Context, key string) string {
	sess, ok, err := x.o.Sessions.Load(ctx, key)
	if err != nil || !ok {
		return x.o.Dir.Languages.MatchLanguage("")
	}
	return x.o.Dir.SessionLang(sess)
}

// message is what the young person gets. Its first line is the same for
// every reminder and says nothing of who or what: it is what a lock
// screen shows.
func (x *Reminders) message(r domain.Reminder) []dialog.Text {
	out := []dialog.Text{dialog.T("remind.young.first")}
	switch r.Template {
	case domain.TemplateIntake:
		out = append(out, dialog.T("remind.young.intake"))
	case domain.TemplateAppointment:
		out = append(out, dialog.T("remind.young.appointment", "When", x.words(r.Appointment), "Place", r.Place))
	case domain.TemplateRegister:
		out = append(out, dialog.T("remind.young.register", "Fee", x.o.RegisterFee))
	case domain.TemplateCheckin:
		return append(out, dialog.T("remind.young.checkin"))
	default:
		out = append(out, dialog.Raw(r.Text))
	}
	return append(out, dialog.T("remind.young.answer"))
}

func youngButtons(id string) [][]dialog.Button {
	return [][]dialog.Button{
		{{Label: dialog.T("remind.young.btn_done"), Data: chat.ButtonData(chat.ActRemindDone, id)}},
		{{Label: dialog.T("remind.young.btn_snooze"), Data: chat.ButtonData(chat.ActRemindSnooze, id)}},
		{{Label: dialog.T("remind.young.btn_stop"), Data: chat.ButtonData(chat.ActRemindStop, id)}},
	}
}

// checkinButtons start the check-in, or put it off a day, or stop it.
func checkinButtons(id string) [][]dialog.Button {
	return [][]dialog.Button{
		{{Label: dialog.T("remind.young.btn_checkin"), Data: chat.ButtonData(chat.ActCheckinStart, id)}},
		{{Label: dialog.T("remind.young.btn_snooze"), Data: chat.ButtonData(chat.ActRemindSnooze, id)}},
		{{Label: dialog.T("remind.young.btn_stop"), Data: chat.ButtonData(chat.ActRemindStop, id)}},
	}
}

// Answer is the young person's press on a reminder: done, snooze a day,
// or stop these reminders (respected at once, and its maker is told).
func (x *Reminders) Answer(ctx context.Context, in chat.Request, a chat.Actor, act, id string) (dialog.Text, error) {
	now := x.o.Now()
	key := chat.SessionKey(in.Chat)
	var stopped bool
	r, ok, err := x.change(ctx, id, func(r *domain.Reminder) bool {
		if r.Key != key || !r.Status.Live() {
			return false
		}
		r.Answered = now
		switch act {
		case chat.ActRemindDone:
			r.Status = domain.ReminderDone
		case chat.ActRemindSnooze:
			r.Status, r.Due = domain.ReminderSnoozed, x.o.Quiet.Postpone(now.Add(Snooze), x.o.Loc)
		case chat.ActRemindStop:
			r.Status, r.Due, stopped = domain.ReminderStopped, time.Time{}, true
		default:
			return false
		}
		return true
	})
	if err != nil {
		return dialog.Text{}, err
	}
	if !ok || r.Key != key {
		return dialog.T("remind.young.gone"), nil
	}
	var said dialog.Text
	switch {
	case r.Status == domain.ReminderStopped:
		said = dialog.T("remind.young.stopped")
	case r.Status == domain.ReminderSnoozed && act == chat.ActRemindSnooze:
		said = dialog.T("remind.young.snoozed", "When", x.words(r.Due))
	case r.Status == domain.ReminderDone:
		said = dialog.T("remind.young.done")
	default:
		return dialog.T("remind.young.gone"), nil
	}
	x.o.Out.Edit(ctx, in, a.Lang, nil, dialog.T("remind.young.first"), said)
	if stopped {
		x.auditor.Record(ctx, r.Staff, "reminder.stopped", r.Key)
		x.tellStaff(ctx, r, "remind.staff.stopped")
	}
	return dialog.Text{}, nil
}

// tellStaff tells the maker of r what became of it, naming the young
// person by the first name in their case.
func (x *Reminders) tellStaff(ctx context.Context, r domain.Reminder, id string) {
	c, _, err := x.o.Cases.Case(ctx, r.Key)
	if err != nil {
		x.log.Warn("can't load the case of a reminder", "err", err)
	}
	x.o.Out.Say(ctx, r.Staff, x.o.Dir.Lang(ctx, r.Staff), nil,
		dialog.T(id, "Who", whoOf(c), "What", templateName(r)))
}
