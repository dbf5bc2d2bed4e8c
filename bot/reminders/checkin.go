package reminders

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/dialog/checkin"
)

// The weekly check-in is a short second conversation: a reminder of the
// template domain.TemplateCheckin carries a button that starts it, and it
// runs on the engine (Options.Checkin, the check-in flow) on a session of
// its own, kept in Options.CheckinStore under the young person's session
// key: apart from the intake's session, which it never reads for more
// than the language and whether the intake is under way. Its engine
// buttons carry chat.ActCheckin, so that they never reach the intake. When
// the young person sends it, its answers go to the reminder's maker and
// the case's director, audited; unsent, nothing goes anywhere and the
// reminder shows as sent, not answered.

// CheckinStore keeps the check-in sessions (storage.Sessions under a
// prefix of its own, so the same contract and key rules hold).
type CheckinStore interface {
	Load(ctx context.Context, key string) (s dialog.Session, found bool, err error)
	LoadFresh(ctx context.Context, key string) (s dialog.Session, found bool, err error)
	Save(ctx context.Context, s dialog.Session) (dialog.Session, error)
	Delete(ctx context.Context, key string) error
}

// Alerter raises an alert of acute risk for a young person's intake (the
// alerts room): a check-in's signal reaches the director and the on-call
// service as the intake's does.
type Alerter interface {
	Raise(ctx context.Context, s dialog.Session, kind dialog.AlertKind)
}

// checkinStale is how long an unfinished check-in keeps taking the young
// person's messages; the next week's reminder starts a new one anyway.
const checkinStale = 8 * 24 * time.Hour

// checkinTexts are the engine's texts the check-in says in its own words.
var checkinTexts = map[string]string{
	"review.intro": "checkin.review",
	"review.empty": "checkin.review_empty",
	"submitted":    "checkin.sent",
	// submitted.already ends with a button to start over; the check-in
	// has none.
	"submitted.already": "checkin.already",
}

// CheckinButton is a press on the check-in's start button or on one of
// its engine buttons.
func (x *Reminders) CheckinButton(ctx context.Context, in chat.Request, _ chat.Actor) error {
	rest, _ := strings.CutPrefix(in.Event.Data, chat.ButtonPrefix)
	act, arg, _ := strings.Cut(rest, ":")
	if act == chat.ActCheckinStart {
		return x.startCheckin(ctx, in, arg)
	}
	ev := in.Event
	ev.Data = arg
	return x.runCheckin(ctx, in, ev, nil)
}

// Checkin handles a text or command of a young person when their check-in
// is open and takes it (see takes); taken is false when the intake's
// conversation is to handle it.
func (x *Reminders) Checkin(ctx context.Context, in chat.Request) (taken bool, err error) {
	ev := in.Event
	switch {
	case ev.Kind == dialog.EventText || ev.Kind == dialog.EventMedia:
	case ev.Kind == dialog.EventCommand && (ev.Command == "pause" || ev.Command == "back" || ev.Command == "skip"):
	default:
		return false, nil
	}
	key := chat.SessionKey(in.Chat)
	// The intake (from the cache, no round trip on the hot path) first:
	// while it asks a question, it has the message, and the check-in
	// store is not asked (a check-in does not start then: startCheckin).
	intake, intakeFound, err := x.o.Sessions.Load(ctx, key)
	if err != nil || (intakeFound && intake.State == dialog.StateAsking) {
		return false, nil // an outage takes the intake's usual way
	}
	s, found, err := x.o.CheckinStore.Load(ctx, key)
	if err != nil {
		// A check-in that does not open, or a store that does not answer,
		// never stops the chat: the intake's conversation has the message
		// and meets the same store (an outage takes its usual way there:
		// the message is kept and comes again).
		x.log.Warn("can't load a check-in; the message goes to the intake", "err", err)
		return false, nil
	}
	if !found || !x.takes(s, intake.State) {
		return false, nil
	}
	return true, x.runCheckin(ctx, in, ev, nil)
}

// takes reports whether an open check-in takes the young person's
// messages, the intake being in state intake (empty: none): while it asks
// or shows its review, yes; paused, only when the intake is not under way
// (then the intake has them).
func (x *Reminders) takes(s dialog.Session, intake dialog.State) bool {
	if x.o.Now().Sub(s.Updated) > checkinStale {
		return false
	}
	switch s.State {
	case dialog.StateAsking, dialog.StateReview:
		return true
	case dialog.StatePaused:
		return intake != dialog.StateReview && intake != dialog.StatePaused
	}
	return false
}

// startCheckin is the press on a check-in reminder's button: a new
// check-in at its first question, or the one of this reminder's last
// sending where it was.
func (x *Reminders) startCheckin(ctx context.Context, in chat.Request, id string) error {
	key := chat.SessionKey(in.Chat)
	r, ok, err := x.o.Store.Reminder(ctx, id)
	if err != nil {
		return err
	}
	if !ok || r.Key != key || r.Template != domain.TemplateCheckin || !r.Status.Live() {
		gone := dialog.T("checkin.gone")
		x.o.Out.Show(ctx, in, x.youngLang(ctx, key), &gone, nil)
		return nil
	}
	lang := x.youngLang(ctx, key)
	if intake, found, err := x.o.Sessions.Load(ctx, key); err != nil {
		return err
	} else if found && intake.State == dialog.StateAsking {
		// One conversation at a time: the intake's question first.
		x.o.Out.Show(ctx, in, lang, nil, []dialog.Message{{Parts: []dialog.Text{dialog.T("checkin.intake_first")}}})
		return nil
	}
	return x.runCheckin(ctx, in, in.Event, func(s *dialog.Session, ev *dialog.Event) {
		ev.Kind = dialog.EventButton
		if !s.Started.IsZero() && !s.Started.Before(r.Sent) && s.State != dialog.StateNew {
			// This sending's check-in, begun before: where it was.
			ev.Data = checkin.ContinueData(x.o.Checkin.Flow)
			return
		}
		*s = dialog.Session{Key: key, Lang: lang, Version: s.Version, LastUpdateID: s.LastUpdateID, Recent: s.Recent}
		ev.Data = checkin.StartData(x.o.Checkin.Flow)
	})
}

// checkinAttempts bounds the compare-and-set retries of one event.
const checkinAttempts = 5

// runCheckin runs ev on the young person's check-in session with
// compare-and-set (as the intake's loop does), shows the replies, raises
// an alert of acute risk and, when it was sent, passes it on. prep, when
// not nil, may change the session and the event first.
func (x *Reminders) runCheckin(ctx context.Context, in chat.Request, ev dialog.Event, prep func(*dialog.Session, *dialog.Event)) error {
	key := chat.SessionKey(in.Chat)
	var res dialog.Result
	for i := 0; ; i++ {
		if i == checkinAttempts {
			return fmt.Errorf("can't save a check-in: %w after %d attempts", domain.ErrConflict, checkinAttempts)
		}
		load := x.o.CheckinStore.Load
		if i > 0 {
			load = x.o.CheckinStore.LoadFresh
		}
		s, found, err := load(ctx, key)
		if err != nil {
			return fmt.Errorf("can't load a check-in: %w", err)
		}
		if !found {
			s = dialog.NewSession(key)
		}
		e := ev
		if prep != nil {
			prep(&s, &e)
		}
		res = x.o.Checkin.Handle(s, e)
		if res.Duplicate || !res.Changed {
			break
		}
		saved, err := x.o.CheckinStore.Save(ctx, res.Session)
		if errors.Is(err, domain.ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("can't save a check-in: %w", err)
		}
		res.Session = saved
		break
	}
	if res.Duplicate {
		x.o.Out.Answer(ctx, in, "")
		if res.Session.State == dialog.StateSubmitted {
			return x.passOn(ctx, res.Session) // a redelivery after it failed
		}
		return nil
	}
	x.o.Out.Show(ctx, in, res.Session.Lang, res.Toast, checkinMessages(res.Messages))
	if res.Alert != dialog.AlertNone && !in.AlertQueued {
		x.raise(ctx, res.Session, res.Alert)
	}
	if res.Submitted {
		return x.passOn(ctx, res.Session)
	}
	return nil
}

// checkinMessages are the engine's messages as the check-in shows them:
// its own words for the review and the end, and its buttons under
// chat.ActCheckin.
func checkinMessages(msgs []dialog.Message) []dialog.Message {
	out := make([]dialog.Message, len(msgs))
	for i, m := range msgs {
		parts := make([]dialog.Text, len(m.Parts))
		for j, p := range m.Parts {
			if p.ID == "submitted.already" {
				m.Buttons = nil // no starting over: next week's comes
			}
			if id, ok := checkinTexts[p.ID]; ok {
				p.ID = id
			}
			parts[j] = p
		}
		m.Parts = parts
		rows := make([][]dialog.Button, len(m.Buttons))
		for j, row := range m.Buttons {
			rows[j] = make([]dialog.Button, len(row))
			for k, b := range row {
				if !strings.HasPrefix(b.Data, chat.ButtonPrefix) {
					b.Data = chat.ButtonData(chat.ActCheckin, b.Data)
				}
				rows[j][k] = b
			}
		}
		if m.Buttons != nil {
			m.Buttons = rows
		}
		out[i] = m
	}
	return out
}

// raise alerts the director and the on-call service of a signal of acute
// risk in a check-in, as the intake's signal does (the alert belongs to
// the intake's case). The young person has the crisis lines already.
func (x *Reminders) raise(ctx context.Context, s dialog.Session, kind dialog.AlertKind) {
	intake, found, err := x.o.Sessions.Load(ctx, s.Key)
	if err != nil {
		x.log.Error("can't load the intake for a check-in's alert", "err", err)
		return
	}
	if !found {
		return // no intake (erased): no one to alert, the lines were shown
	}
	x.o.Alerts.Raise(ctx, intake, kind)
}

// passOn sends a sent check-in's answers to the maker of its reminder and
// the case's director, audits it and notes the reminder as answered. It
// does this once per sending: a redelivery finds the reminder answered.
func (x *Reminders) passOn(ctx context.Context, s dialog.Session) error {
	c, found, err := x.o.Cases.Case(ctx, s.Key)
	if err != nil || !found {
		return err // erased meanwhile: nothing goes anywhere
	}
	rs, err := x.o.Store.RemindersFor(ctx, s.Key)
	if err != nil {
		return err
	}
	var r domain.Reminder
	for _, c := range rs {
		if c.Template == domain.TemplateCheckin && !c.Sent.IsZero() && c.Sent.After(r.Sent) {
			r = c
		}
	}
	if r.ID != "" && !r.Answered.Before(s.Submitted) {
		return nil // passed on already
	}
	staff := r.Staff
	if staff == 0 {
		staff = c.Counsellor
	}
	week := s.Submitted
	if !r.Sent.IsZero() {
		week = r.Sent
	}
	_, w := week.In(x.o.Loc).ISOWeek()
	texts := append([]dialog.Text{dialog.T("checkin.staff.answers", "Who", whoOf(c), "Week", w)}, x.answers(s)...)
	for _, to := range []int64{staff, c.Director} {
		if to == 0 || (to == c.Director && to == staff) {
			continue
		}
		if !x.o.Out.Say(ctx, to, x.o.Dir.Lang(ctx, to), nil, texts...) {
			x.log.Warn("a check-in's answers did not reach a staff member")
		}
	}
	x.auditor.Record(ctx, 0, "checkin.answered", s.Key)
	if r.ID == "" {
		return nil
	}
	_, _, err = x.change(ctx, r.ID, func(r *domain.Reminder) bool {
		r.Answered = s.Submitted
		if r.Status == domain.ReminderSent {
			r.Status = domain.ReminderDone
		}
		return true
	})
	return err
}

// answers are the check-in's answers, one text each, in the order of the
// flow; what the young person typed is escaped by the renderer (Raw).
func (x *Reminders) answers(s dialog.Session) []dialog.Text {
	var out []dialog.Text
	for _, q := range x.o.Checkin.Flow.Questions {
		a, ok := s.Answers[q.ID]
		var ans dialog.Text
		switch {
		case !ok || a.Skipped:
			ans = dialog.T("checkin.staff.skipped")
		case len(a.Items) > 0:
			ans = dialog.Raw(strings.Join(a.Items, "\n"))
		case len(a.Choices) > 0:
			ans = dialog.Raw(strings.Join(a.Choices, ", "))
		case a.Text != "":
			ans = dialog.Raw(a.Text)
		default:
			ans = dialog.Raw(fmt.Sprint(a.Scale))
		}
		out = append(out, dialog.T("checkin.staff.item", "Question", dialog.T(dialog.ShortMessageID(q.ID)), "Answer", ans))
	}
	return out
}

// checkinStatus is the status key of a check-in reminder: sent is "sent,
// not answered", done is "answered".
func checkinStatus(s domain.ReminderStatus) string {
	switch s {
	case domain.ReminderSent:
		return "checkin_open"
	case domain.ReminderDone:
		return "checkin_answered"
	}
	return string(s)
}
