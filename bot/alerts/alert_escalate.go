package alerts

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/jobs"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Escalation of alerts nobody took: the loop every replica runs, one
// step of an alert, and saving its progress against other writers.

// Job escalates the alerts nobody took, as a job of the runner:
// every 15 seconds the alerts due now, side by side, so that all are done
// within the lease they were claimed for. A stop does not cut an
// escalation short, as messages sent but not saved could not be taken;
// shutdown waits for the runner. Several replicas may run it: the store
// hands each due alert to one of them. Each escalation is tracked, so
// that an erasure stops it first.
func (x *Alerts) Job() jobs.Queue {
	return jobs.Queue{
		Name: "alert-escalation", Claim: x.o.Alerts.ClaimAlerts,
		Run: func(ctx context.Context, key string, now time.Time) error {
			work, finish := x.work.Track(ctx, key)
			defer finish()
			return x.escalateAlert(work, key, now)
		},
		Every: 15 * time.Second, Lease: alertLease, Batch: alertBatch, Parallel: true,
		Item: func(key string) slog.Attr { return slog.String("chat", x.pseudo.OfKey(key)) },
	}
}

// escalateAlert takes an alert one step on. ctx ends only with an
// erasure: the messages get alertTimeout, saving what they did
// alertSaveGrace after that.
func (x *Alerts) escalateAlert(ctx context.Context, key string, now time.Time) error {
	work, cancel := context.WithTimeout(ctx, alertTimeout)
	defer cancel()
	a, found, err := x.o.Alerts.Alert(work, key)
	if err != nil {
		return err
	}
	if !found {
		return x.o.Alerts.EndAlert(work, key) // expired or erased: only its escalation is left
	}
	if a.TakenBy != 0 {
		_, _, err := x.saveAlert(work, a, time.Time{})
		return err
	}
	s, found, err := x.o.Sessions.Load(work, key)
	if err != nil {
		return err
	}
	if !found {
		// Erased (or expired): nobody is to be told any more.
		x.o.Log.Info("the alert of an intake that is gone ended", "chat", x.pseudo.Of(chat.ParseSessionKey(key)))
		return x.o.Alerts.EndAlert(work, key)
	}
	c, caseOK := x.alertCase(work, key)
	if a.Level >= 1 {
		return x.unanswered(work, a, c, s)
	}
	var to []int64
	missed := !caseOK
	first := len(a.Notices) == 0
	if first {
		// The first step never went out (a crash, or nobody could be told
		// while the store failed): it goes with this one.
		var m bool
		to, m = x.firstRecipients(work, a.Kind, c, now)
		missed = missed || m
	}
	next, m := x.nextRecipients(work, a, c, now)
	missed = missed || m
	for _, id := range next {
		to = appendNew(to, id)
	}
	a.Level = 1
	a.Notices = append(a.Notices, x.notify(work, a, c, to)...)
	return x.saveStep(ctx, a, c, s, now, missed, func(ctx context.Context, a domain.Alert) {
		x.auditor.Record(ctx, 0, "alert.escalated", key)
		x.o.Metrics.AlertsEscalated.Add(1)
		x.o.Log.Info("alert escalated", "chat", x.pseudo.Of(chat.ParseSessionKey(key)), "told", len(to))
		if first && a.Kind == dialog.AlertUrgent {
			// Their /urgent reaches someone only now.
			x.out.Say(ctx, chat.ParseSessionKey(key), x.dir.SessionLang(s), nil, dialog.T("alert.young.raised"))
		}
	})
}

// nextRecipients is who an escalation adds: the next on call not told
// yet and the admins. A roster that can't be read is logged, and the
// director gets it instead. missed: a record on the way (the roster, a
// staff record) failed to load.
func (x *Alerts) nextRecipients(ctx context.Context, a domain.Alert, c domain.Case, now time.Time) (to []int64, missed bool) {
	roster, skipped, err := x.onCallStaff(ctx, now)
	missed = skipped
	if err != nil {
		missed = true
		x.o.Log.Error("can't load the on-call roster; the escalation goes to the director and the admins", "err", err)
		dir, ok, dirErr := x.alertDirector(ctx, c)
		missed = missed || dirErr != nil
		if ok && !a.Notified(dir) {
			to = append(to, dir)
		}
	}
	for _, id := range roster {
		if !a.Notified(id) {
			to = append(to, id)
			break
		}
	}
	for _, id := range x.o.Admins {
		if !a.Notified(id) {
			to = appendNew(to, id)
		}
	}
	return to, missed
}

// saveAlert stores a's level and the messages sent. When another writer
// saved the alert since a was loaded, it loads it again, adds a's messages
// and level to it, and tries once more; when that writer went further (a
// higher level), the next step is a full TakeWithin from now, so that the
// people it told get their time. It returns the alert as saved; false
// when it is gone (ended, or taken and expired, or erased). Nothing is
// saved once ctx ended (an erasure stopped the work).
func (x *Alerts) saveAlert(ctx context.Context, a domain.Alert, next time.Time) (domain.Alert, bool, error) {
	for range alertSaveTries {
		if err := ctx.Err(); err != nil {
			return a, false, err
		}
		ok, err := x.o.Alerts.SaveAlert(ctx, a, next)
		if err != nil || ok {
			return a, ok, err
		}
		fresh, found, err := x.o.Alerts.Alert(ctx, a.Key)
		if err != nil || !found {
			return a, false, err
		}
		if fresh.Level > a.Level && !next.IsZero() {
			if t := x.o.Now().Add(x.o.TakeWithin); t.After(next) {
				next = t
			}
		}
		fresh.Level = max(fresh.Level, a.Level)
		for _, n := range a.Notices {
			if !slices.Contains(fresh.Notices, n) {
				fresh.Notices = append(fresh.Notices, n)
			}
		}
		a = fresh
	}
	return a, false, errors.New("can't save an alert: it kept changing")
}
