package handoff

import (
	"context"
	"log/slog"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/jobs"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// The due loop: a delivered intake waits for the director's
// acknowledgement. After AckAfter the director is reminded; after another
// AckAfter the admins are told (who, which director, since when; never
// what the young person wrote). An intake that did not reach its director
// is tried again, and the admins hear of it after AckAfter. An intake the
// admins were told of and nobody acknowledged is erased IdleTTL later
// (Options.Retention).

// Claims of the due loop: a claimed case is due again after dueLease
// unless it was handled (so a crash loses nothing), at most dueBatch at a
// time.
const (
	dueLease = 5 * time.Minute
	dueBatch = 50
)

// Job is the due loop as a job of the runner: every minute the cases
// due now, a batch at a time, one after the other. Several replicas may
// run it: Cases hands each due case to one of them, with a lease that
// brings it back when its run failed.
func (h *Handoff) Job() jobs.Queue {
	return jobs.Queue{
		Name: "handoff-due", Claim: h.o.Cases.ClaimDue, Run: h.due,
		Every: time.Minute, Lease: dueLease, Batch: dueBatch,
		Item: func(key string) slog.Attr { return slog.String("case", h.pseudo.OfKey(key)) },
	}
}

func (h *Handoff) due(ctx context.Context, key string, now time.Time) error {
	// Tracked like a handoff in the background: a /delete stops it before
	// it erases, so that it sends and saves nothing after the erasure.
	ctx, finish := h.work.Track(ctx, key)
	defer finish()
	c, found, err := h.o.Cases.Case(ctx, key)
	if err != nil {
		return err
	}
	if !found {
		return h.o.Cases.CancelDue(ctx, key)
	}
	s, found, err := h.o.Sessions.Load(ctx, key)
	if err != nil {
		return err
	}
	pending := found && s.State == dialog.StateSubmitted && !domain.DeliveredFor(c, s)
	if !pending || domain.Unanswered(c, s, found) {
		// Retention: acknowledged, unanswered after the admins were told,
		// or never sent (Options.Retention).
		if handled, err := h.o.Retention.DueRetention(ctx, c, s, found, now); handled {
			return err
		}
	}
	switch {
	case pending:
		return h.dueDelivery(ctx, c, s, now)
	case c.Delivered.IsZero() || !c.Acknowledged.IsZero() || !c.Escalated.IsZero():
		return h.o.Cases.CancelDue(ctx, key)
	}
	if morning, quiet := h.quiet(now); quiet {
		// The director's reminder and the admins' escalation wait for
		// the end of the quiet hours.
		return h.o.Cases.ScheduleDue(ctx, key, morning)
	}
	if c.Reminded.IsZero() {
		return h.remind(ctx, c, now)
	}
	return h.escalate(ctx, c, now, c.Delivered)
}

// quiet reports whether now falls in the staff's quiet hours, and when
// they end.
func (h *Handoff) quiet(now time.Time) (time.Time, bool) {
	if h.o.QuietUntil == nil {
		return now, false
	}
	end := h.o.QuietUntil(now)
	return end, end.After(now)
}

// dueDelivery tries a handoff again that did not get through.
func (h *Handoff) dueDelivery(ctx context.Context, c domain.Case, s dialog.Session, now time.Time) error {
	if h.deliver(ctx, c, s) {
		return nil
	}
	if _, quiet := h.quiet(now); now.Sub(s.Submitted) >= h.o.AckAfter && !quiet {
		// In the quiet hours the delivery is tried again (the lease
		// brings it back) and the admins hear of it in the morning.
		return h.escalate(ctx, c, now, s.Submitted)
	}
	return nil // the lease brings it back
}

// remind tells the director, in neutral words, that an intake waits for
// them, with the button again.
func (h *Handoff) remind(ctx context.Context, c domain.Case, now time.Time) error {
	dir, ok, err := h.dir.Staff.Staff(ctx, c.Director)
	if err != nil {
		return err
	}
	if !ok || dir.Role != domain.RoleDirector {
		return h.escalate(ctx, c, now, c.Delivered)
	}
	lang := h.dir.LangOf(dir)
	body := h.o.Renderer.Join(lang, "\n\n", dialog.T("ack.reminder", "Date", c.Delivered))
	if !h.out.SayHTML(ctx, dir.UserID, lang, ackButton(c.Key), body, true) {
		return nil // the lease brings it back
	}
	// Only the reminder's field changes, and only while nobody has
	// acknowledged the intake: an acknowledgement made meanwhile is kept.
	ok, err = h.o.Cases.ChangeCase(ctx, c.Key, func(cur *domain.Case) bool {
		if !cur.Acknowledged.IsZero() {
			return false
		}
		cur.Reminded = now
		return true
	})
	if err != nil || !ok {
		return err // !ok: acknowledged or erased meanwhile
	}
	h.auditor.Record(ctx, dir.UserID, "summary.reminded", c.Key)
	h.o.Metrics.DirectorReminders.Add(1)
	h.o.Log.Info("director reminded of an intake", "case", h.pseudo.Of(chat.ParseSessionKey(c.Key)), "director", h.pseudo.Of(dir.UserID))
	return h.o.Cases.ScheduleDue(ctx, c.Key, now.Add(h.o.AckAfter))
}

// escalate tells every admin that an intake has waited since since, and
// stops the reminders of it: the next due time is the end of the bot's
// copy, IdleTTL on, unless someone acknowledges it before.
func (h *Handoff) escalate(ctx context.Context, c domain.Case, now, since time.Time) error {
	if fresh, found, err := h.o.Cases.Case(ctx, c.Key); err != nil {
		return err
	} else if !found || !fresh.Acknowledged.IsZero() {
		// Erased, or acknowledged (which scheduled its expiry) meanwhile.
		return nil
	}
	var dirName any = dialog.T("ack.no_director")
	if dir, ok, err := h.dir.Staff.Staff(ctx, c.Director); err != nil {
		return err
	} else if ok && dir.Role == domain.RoleDirector {
		dirName = dir.Name
	}
	var name any = c.Key
	if c.FirstName != "" {
		name = c.FirstName
	}
	if len(h.o.Admins) == 0 {
		h.o.Log.Warn("an intake waits for its director, and there is no admin to tell", "case", h.pseudo.Of(chat.ParseSessionKey(c.Key)))
	}
	for _, admin := range h.o.Admins {
		lang := h.o.Engine.MatchLanguage("")
		if m, ok, err := h.dir.Staff.Staff(ctx, admin); err == nil && ok {
			lang = h.dir.LangOf(m)
		}
		body := h.o.Renderer.Join(lang, "\n\n", dialog.T("ack.escalation", "Who", name, "Name", dirName, "Date", since))
		open := [][]dialog.Button{{{Label: dialog.T("btn.open_summary"), Data: chat.ButtonData(chat.ActOpenSummary, c.Key)}}}
		h.out.SayHTML(ctx, admin, lang, open, body, true)
	}
	key := c.Key
	h.auditor.Record(ctx, 0, "summary.escalated", key)
	h.o.Metrics.HandoffsEscalated.Add(1)
	h.o.Log.Info("admins told of an intake waiting for its director", "case", h.pseudo.Of(chat.ParseSessionKey(key)))
	// Only the escalation's field changes, and only while nobody has
	// acknowledged the intake: an acknowledgement made meanwhile is kept.
	ok, err := h.o.Cases.ChangeCase(ctx, key, func(cur *domain.Case) bool {
		if !cur.Acknowledged.IsZero() {
			return false
		}
		cur.Escalated = now
		return true
	})
	if err != nil || !ok {
		return err // !ok: acknowledged or erased meanwhile
	}
	return h.o.Cases.ScheduleDue(ctx, key, now.Add(h.o.IdleTTL))
}
