package alerts

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/team"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Alerts: when the engine asks for a person now (Result.Alert: the young
// person's /urgent, or a signal of acute risk), the on-call service is
// alerted. The crisis lines are always shown to the young person first,
// by the engine; this is the human follow-up, not a 24/7 crisis service.
//
//	level 0  a signal: the case's director and the first on call now;
//	         /urgent: the first on call now; with nobody on call (or a
//	         roster that can't be read), the director and the admins
//	level 1  after TakeWithin without a take: the next on call and the admins
//	level 2  after TakeWithin again: the young person is shown the crisis
//	         lines again and the admins are told; the alert ends
//
// An alert always reaches someone or ends: a staff record that fails to
// load is skipped, and when nobody at all could be told, the young person
// hears so at once, with the crisis lines, instead of waiting. Unless a
// store read on the way failed (the case, a staff record or the roster:
// the store hiccupped): then nobody may have been missed only because of
// that, and the alert is tried again by the escalation job after
// alertRetry, for as long as it is younger than TakeWithin; after that it
// ends as unanswered (the young person had the crisis lines already).
//
// Every alert message has a button "I'll take it"; the first press takes
// the alert (atomically, in the store), the young person hears who will
// contact them, and the others' messages say who took it. A second
// /urgent after that tells the one who took it again. Staff never see
// what the young person wrote: only that it is /urgent or a signal.
//
// The work on an alert (its first messages, an escalation) runs in the
// background, tracked by session key: an erasure stops it first (see
// bot/background), and it saves nothing once stopped. An alert of an intake
// whose session is gone is never raised or escalated.

// Defaults and limits of alerts.
const (
	// DefaultTakeWithin is how long an alert waits for a take before it
	// goes to more people.
	DefaultTakeWithin = 10 * time.Minute
	// alertTimeout bounds the work on one alert in the background: its
	// first messages, or one escalation (a slow Telegram, 429s included).
	alertTimeout = 2 * time.Minute
	// alertSaveGrace bounds saving what that work did, after it: also when
	// it ran out of time, since a message that went out but was not saved
	// could not be taken.
	alertSaveGrace = 30 * time.Second
	// alertLease: a claimed escalation comes back after it unless handled
	// (a crash loses nothing). It outlasts the work and its save, so that
	// an alert is never escalated while its first messages, or an earlier
	// escalation, may still be going out; a new alert is first due after
	// it too, in case the process stops before its first messages are out.
	alertLease = alertTimeout + alertSaveGrace + 30*time.Second
	alertBatch = 20
	// alertHold is how long a taken alert is remembered: a second /urgent
	// within it reaches who took the first.
	alertHold = time.Hour
	// alertSaveTries bounds the loads and saves of one change to an alert
	// that another writer changes at the same time.
	alertSaveTries = 5
	// alertRetry is when an alert that reached nobody because a store read
	// failed is tried again (by the escalation job, which runs as often).
	alertRetry = 15 * time.Second
	// alertSaveWait is how long retryLater waits before it tries a save
	// that failed again (the store is down).
	alertSaveWait = time.Second
)

// The lease must outlast the work and its save: this does not compile if
// it does not.
const _ = uint64(alertLease - alertTimeout - alertSaveGrace)

// alertTTL is how long an alert may live at all: past its escalation, and
// never longer than about a day.
func (x *Alerts) alertTTL() time.Duration { return 24*time.Hour + 2*x.o.TakeWithin }

// Raise starts an alert for the young person of s, in the background
// (a staff chat is paced; the young person's next message must not wait).
// Errors are logged: the update itself was handled.
func (x *Alerts) Raise(ctx context.Context, s dialog.Session, kind dialog.AlertKind) {
	log := x.o.Log.With("chat", x.pseudo.Of(chat.ParseSessionKey(s.Key)), "alert", string(kind))
	// Tracked before it starts, so that an erasure from now on stops it;
	// raise bounds its own time.
	ctx, finish := x.work.Track(context.WithoutCancel(ctx), s.Key)
	x.work.Go(func() {
		defer finish()
		defer func() {
			if p := recover(); p != nil {
				x.o.Metrics.Panics.Add(1)
				log.Error("panic while raising an alert", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
		}()
		if err := x.raise(ctx, s, kind); err != nil {
			log.Error("can't raise an alert", "err", err)
		}
	})
}

// raise opens the alert and sends its first messages; a second alert while
// one is open tells the young person where it stands. ctx ends only with
// an erasure: the messages get alertTimeout, saving what they did
// alertSaveGrace after that.
func (x *Alerts) raise(ctx context.Context, s dialog.Session, kind dialog.AlertKind) error {
	log := x.o.Log.With("chat", x.pseudo.Of(chat.ParseSessionKey(s.Key)), "alert", string(kind))
	work, cancel := context.WithTimeout(ctx, alertTimeout)
	defer cancel()
	// The intake may have been erased since the update.
	if _, found, err := x.o.Sessions.Load(work, s.Key); err != nil {
		return err
	} else if !found {
		log.Info("no alert: the intake is gone")
		return nil
	}
	if err := work.Err(); err != nil {
		return err
	}
	now := x.o.Now()
	a, created, err := x.o.Alerts.OpenAlert(work, domain.Alert{Key: s.Key, Kind: kind, Started: now}, now.Add(alertLease), x.alertTTL())
	if err != nil {
		return err
	}
	if !created {
		return x.raisedAgain(work, s, a, kind)
	}
	x.auditor.Record(work, 0, "alert.raised", s.Key)
	c, caseOK := x.alertCase(work, s.Key)
	to, missed := x.firstRecipients(work, kind, c, now)
	a.Notices = x.notify(work, a, c, to)
	if len(a.Notices) == 0 && work.Err() == nil {
		// Nobody got it: the admins at once, if they were not tried.
		a.Level = 1
		a.Notices = x.notify(work, a, c, slices.DeleteFunc(slices.Clone(x.o.Admins), func(id int64) bool { return slices.Contains(to, id) }))
	}
	return x.saveStep(ctx, a, c, s, now, missed || !caseOK, func(ctx context.Context, a domain.Alert) {
		log.Info("alert raised", "level", a.Level, "told", len(a.Notices))
		if kind == dialog.AlertUrgent {
			x.out.Say(ctx, chat.ParseSessionKey(s.Key), x.dir.SessionLang(s), nil, dialog.T("alert.young.raised"))
		}
	})
}

// saveStep finishes a step of an alert (its first messages or an
// escalation) that sent a's messages: within alertSaveGrace of ctx (which
// ends only with an erasure, and then nothing is saved) it saves the
// alert with its next step TakeWithin after now, runs done, and edits the
// messages of a take that came meanwhile. When nobody got a message, the
// alert ends as unanswered instead; unless a store read on the way failed
// (missed) and the alert is younger than TakeWithin: then it is tried
// again soon (retryLater).
func (x *Alerts) saveStep(ctx context.Context, a domain.Alert, c domain.Case, s dialog.Session, now time.Time, missed bool, done func(context.Context, domain.Alert)) error {
	ctx, cancel := context.WithTimeout(ctx, alertSaveGrace)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return err // erased
	}
	if len(a.Notices) == 0 {
		if missed && now.Sub(a.Started) < x.o.TakeWithin {
			return x.retryLater(ctx, a)
		}
		return x.unanswered(ctx, a, c, s)
	}
	a, ok, err := x.saveAlert(ctx, a, now.Add(x.o.TakeWithin))
	if err != nil || !ok {
		return err
	}
	done(ctx, a)
	return x.catchUp(ctx, a)
}

// retryLater keeps an alert that reached nobody while a store read failed
// open, with nobody told yet (level 0), and has the escalation job try
// it again after alertRetry. The store may still be down: the save is
// tried again every alertSaveWait within ctx (the save grace); if it
// never works, the error is returned and the alert comes back with its
// lease. One that is gone (erased or ended meanwhile) is left alone.
func (x *Alerts) retryLater(ctx context.Context, a domain.Alert) error {
	a.Level = 0
	for {
		_, ok, err := x.saveAlert(ctx, a, x.o.Now().Add(alertRetry))
		if err == nil {
			if ok {
				x.o.Log.Warn("an alert reached nobody while the store failed; it is tried again soon", "chat", x.pseudo.Of(chat.ParseSessionKey(a.Key)), "in", alertRetry)
			}
			return nil
		}
		x.o.Log.Warn("can't save an alert to try again; trying to save it again", "chat", x.pseudo.Of(chat.ParseSessionKey(a.Key)), "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(alertSaveWait):
		}
	}
}

// firstRecipients is who gets an alert first: for a signal the director,
// then the first on call; with nobody on call, the director and the
// admins (as /oncall says). A roster that can't be read is logged, and the
// director and the admins get it. missed: a record on the way (the
// roster, a staff record) failed to load.
func (x *Alerts) firstRecipients(ctx context.Context, kind dialog.AlertKind, c domain.Case, now time.Time) (to []int64, missed bool) {
	roster, skipped, rosterErr := x.onCallStaff(ctx, now)
	if rosterErr != nil {
		x.o.Log.Error("can't load the on-call roster; the alert goes to the director and the admins", "err", rosterErr)
	}
	dir, hasDir, dirErr := x.alertDirector(ctx, c)
	missed = skipped || rosterErr != nil || dirErr != nil
	if hasDir && (kind == dialog.AlertSignal || len(roster) == 0) {
		to = append(to, dir)
	}
	if len(roster) > 0 {
		return appendNew(to, roster[0]), missed
	}
	for _, id := range x.o.Admins {
		to = appendNew(to, id)
	}
	return to, missed
}

// unanswered ends an alert nobody took: the young person is shown the
// crisis lines again, the admins are told, and the alert messages say so.
// When nobody could be told at all, the young person hears that at once.
func (x *Alerts) unanswered(ctx context.Context, a domain.Alert, c domain.Case, s dialog.Session) error {
	young := chat.ParseSessionKey(a.Key)
	lang := x.dir.SessionLang(s)
	reached := len(a.Notices) > 0
	why := dialog.T("alert.young.nobody")
	if !reached {
		why = dialog.T("alert.young.unreached")
	}
	x.out.Say(ctx, young, lang, nil, append([]dialog.Text{why}, []dialog.Text{x.dir.CrisisLines(s.Age)}...)...)
	if reached {
		dirName := x.dir.DirectorName(ctx, c)
		for _, admin := range x.o.Admins {
			alang := x.dir.Lang(ctx, admin)
			x.out.Say(ctx, admin, alang, nil, dialog.T("alert.admin.unanswered", "Who", team.Who(c.FirstName), "Name", dirName, "Date", a.Started))
		}
	}
	for _, n := range a.Notices {
		nlang := x.dir.Lang(ctx, n.Chat)
		x.out.EditHTML(ctx, n.Chat, n.Message, nlang, nil, x.alertBody(ctx, nlang, a, c, dialog.T("alert.staff.unanswered")))
	}
	if err := x.o.Alerts.EndAlert(ctx, a.Key); err != nil {
		return err
	}
	x.auditor.Record(ctx, 0, "alert.unanswered", a.Key)
	x.o.Metrics.AlertsUnanswered.Add(1)
	if !reached {
		x.o.Log.Error("an alert reached nobody; the crisis lines were shown again: set an on-call roster and admins", "chat", x.pseudo.Of(young))
		return nil
	}
	x.o.Log.Warn("an alert was not taken in time; the crisis lines were shown again", "chat", x.pseudo.Of(young))
	return nil
}

// raisedAgain answers an alert asked for while one is open. A new signal
// updates the open alert (signalledAgain). /urgent: while nobody took it,
// the young person hears that we are on it; once taken, the one who took
// it hears that the young person asked again, and the young person hears
// so.
func (x *Alerts) raisedAgain(ctx context.Context, s dialog.Session, a domain.Alert, kind dialog.AlertKind) error {
	if kind != dialog.AlertUrgent {
		x.signalledAgain(ctx, s, a)
		return nil
	}
	young, lang := chat.ParseSessionKey(s.Key), x.dir.SessionLang(s)
	if a.TakenBy == 0 {
		x.out.Say(ctx, young, lang, nil, dialog.T("alert.young.pending"))
		return nil
	}
	name := x.dir.Name(ctx, a.TakenBy)
	c, _ := x.alertCase(ctx, s.Key)
	tlang := x.dir.Lang(ctx, a.TakenBy)
	texts := []dialog.Text{dialog.T("alert.staff.title")}
	if c.FirstName != "" {
		texts = append(texts, dialog.T("alert.staff.who", "Who", c.FirstName))
	}
	texts = append(texts, dialog.T("alert.staff.asked_again", "Date", x.o.Now()))
	body := x.o.Renderer.Join(tlang, "\n", texts...) + "\n\n" + x.chatLink(tlang, young, c)
	if !x.out.SayHTML(ctx, a.TakenBy, tlang, nil, body, false) {
		x.out.Say(ctx, young, lang, nil, dialog.T("alert.young.taken", "Name", name))
		return nil
	}
	x.o.Log.Info("alert asked for again; its taker was told", "chat", x.pseudo.Of(young), "by", x.pseudo.Of(a.TakenBy))
	x.out.Say(ctx, young, lang, nil, dialog.T("alert.young.taken_again", "Name", name))
	return nil
}

// notify sends the alert message with the take button to each chat and
// returns the messages that arrived.
func (x *Alerts) notify(ctx context.Context, a domain.Alert, c domain.Case, chats []int64) []domain.AlertNotice {
	var out []domain.AlertNotice
	for _, to := range chats {
		lang := x.dir.Lang(ctx, to)
		var status dialog.Text
		if a.Level > 0 {
			status = dialog.T("alert.staff.escalated", "Date", a.Started)
		}
		body := x.alertBody(ctx, lang, a, c, status)
		take := [][]dialog.Button{{{Label: dialog.T("btn.alert_take"), Data: chat.ButtonData(chat.ActTakeAlert, a.Key)}}}
		if id := x.out.SayForID(ctx, to, lang, take, body); id != 0 {
			out = append(out, domain.AlertNotice{Chat: to, Message: id, Level: a.Level})
		}
	}
	return out
}

// alertBody is the alert as staff see it. The first line is neutral (it
// shows on a lock screen); then the young person's first name if the
// invite had one, their director, why, since when, and status (if any).
func (x *Alerts) alertBody(ctx context.Context, lang string, a domain.Alert, c domain.Case, status dialog.Text) string {
	texts := []dialog.Text{dialog.T("alert.staff.title")}
	if c.FirstName != "" {
		texts = append(texts, dialog.T("alert.staff.who", "Who", c.FirstName))
	}
	texts = append(texts, dialog.T("alert.staff.director", "Name", x.dir.DirectorName(ctx, c)))
	kind := "alert.staff.kind_urgent"
	if a.Kind == dialog.AlertSignal {
		kind = "alert.staff.kind_signal"
	}
	texts = append(texts, dialog.T(kind), dialog.T("alert.staff.since", "Date", a.Started))
	body := x.o.Renderer.Join(lang, "\n", texts...)
	if status.ID != "" {
		body += "\n\n" + x.o.Renderer.Join(lang, "", status)
	}
	return body
}

// onCallStaff is who is on call at t, in roster order, still staff. A
// staff record that fails to load is skipped (and logged): one bad record
// must not keep an alert from the others (skipped says one was). An
// error means the roster itself can't be read.
func (x *Alerts) onCallStaff(ctx context.Context, t time.Time) (out []int64, skipped bool, err error) {
	roster, err := x.o.Roster.OnCallRoster(ctx)
	if err != nil {
		return nil, false, err
	}
	for _, id := range domain.OnCallAt(roster, t, x.loc()) {
		_, ok, err := x.o.People.Staff(ctx, id)
		if err != nil {
			x.o.Log.Error("the record of someone on call can't be loaded; skipped for this alert", "staff", x.pseudo.Of(id), "err", err)
			skipped = true
			continue
		}
		if ok {
			out = append(out, id)
		}
	}
	return out, skipped, nil
}

// alertCase is the case of the young person with session key key; one
// that fails to load is logged and the alert goes on without it (no first
// name, no director); false then.
func (x *Alerts) alertCase(ctx context.Context, key string) (domain.Case, bool) {
	c, _, err := x.o.People.Case(ctx, key)
	if err != nil {
		x.o.Log.Error("can't load the case of an alert; it goes on without", "chat", x.pseudo.Of(chat.ParseSessionKey(key)), "err", err)
		return domain.Case{Key: key}, false
	}
	return c, true
}

// alertDirector is the user ID of the case's director while they still
// are one; a record that fails to load is logged, counts as none, and is
// returned as the error.
func (x *Alerts) alertDirector(ctx context.Context, c domain.Case) (int64, bool, error) {
	m, ok, err := x.dir.Director(ctx, c)
	if err != nil {
		x.o.Log.Error("the director's record can't be loaded; the alert goes on without them", "staff", x.pseudo.Of(c.Director), "err", err)
		return 0, false, err
	}
	return m.UserID, ok, nil
}

func appendNew(ids []int64, id int64) []int64 {
	if slices.Contains(ids, id) {
		return ids
	}
	return append(ids, id)
}

// signalledAgain updates an open alert with a new, different signal of
// acute risk (the engine holds back the same one within its quiet
// period): the alert messages nobody took yet say how many signals came
// (an edit: no new notification, and the escalation goes on as it was);
// the one who took it gets a message. The young person had the crisis
// lines with the engine's caring reply.
func (x *Alerts) signalledAgain(ctx context.Context, s dialog.Session, a domain.Alert) {
	c, _ := x.alertCase(ctx, s.Key)
	again := dialog.T("alert.staff.again", "Count", againCount(s, a.Started))
	if a.TakenBy != 0 {
		tlang := x.dir.Lang(ctx, a.TakenBy)
		texts := []dialog.Text{dialog.T("alert.staff.title")}
		if c.FirstName != "" {
			texts = append(texts, dialog.T("alert.staff.who", "Who", c.FirstName))
		}
		texts = append(texts, again)
		body := x.o.Renderer.Join(tlang, "\n", texts...) + "\n\n" + x.chatLink(tlang, chat.ParseSessionKey(s.Key), c)
		x.out.SayHTML(ctx, a.TakenBy, tlang, nil, body, false)
		return
	}
	take := [][]dialog.Button{{{Label: dialog.T("btn.alert_take"), Data: chat.ButtonData(chat.ActTakeAlert, a.Key)}}}
	for _, n := range a.Notices {
		lang := x.dir.Lang(ctx, n.Chat)
		var status dialog.Text
		if n.Level > 0 {
			status = dialog.T("alert.staff.escalated", "Date", a.Started)
		}
		body := x.alertBody(ctx, lang, a, c, status) + "\n\n" + x.o.Renderer.Join(lang, "", again)
		x.out.EditHTML(ctx, n.Chat, n.Message, lang, take, body)
	}
	if err := x.catchUp(ctx, a); err != nil {
		x.o.Log.Warn("can't check whether an updated alert was taken meanwhile", "err", err)
	}
	x.o.Log.Info("open alert updated with a new signal", "chat", x.pseudo.Of(chat.ParseSessionKey(s.Key)), "told", len(a.Notices))
}
