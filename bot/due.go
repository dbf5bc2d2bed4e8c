package bot

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
// (bot/erase.go).

// Claims of the due loop: a claimed case is due again after dueLease
// unless it was handled (so a crash loses nothing), at most dueBatch at a
// time.
const (
	dueLease = 5 * time.Minute
	dueBatch = 50
)

// DueJob is the due loop as a job of the runner: every minute the cases
// due now, a batch at a time, one after the other. Several replicas may
// run it: People hands each due case to one of them, with a lease that
// brings it back when its run failed.
func (b *Bot) DueJob() jobs.Queue {
	return jobs.Queue{
		Name: "handoff-due", Claim: b.o.People.ClaimDue, Run: b.due,
		Every: time.Minute, Lease: dueLease, Batch: dueBatch,
		Item: func(key string) slog.Attr { return slog.String("case", b.pseudo.OfKey(key)) },
	}
}

func (b *Bot) due(ctx context.Context, key string, now time.Time) error {
	// Tracked like a handoff in the background: a /delete stops it before
	// it erases, so that it sends and saves nothing after the erasure.
	ctx, finish := b.work.Track(ctx, key)
	defer finish()
	c, found, err := b.o.People.Case(ctx, key)
	if err != nil {
		return err
	}
	if !found {
		return b.o.People.CancelDue(ctx, key)
	}
	s, found, err := b.o.Store.Load(ctx, key)
	if err != nil {
		return err
	}
	pending := found && s.State == dialog.StateSubmitted && !deliveredFor(c, s)
	if !pending || unanswered(c, s, found) {
		// Retention: acknowledged, unanswered after the admins were told,
		// or never sent (bot/erase.go).
		if handled, err := b.dueRetention(ctx, c, s, found, now); handled {
			return err
		}
	}
	switch {
	case pending:
		return b.dueDelivery(ctx, c, s, now)
	case c.Delivered.IsZero() || !c.Acknowledged.IsZero() || !c.Escalated.IsZero():
		return b.o.People.CancelDue(ctx, key)
	case c.Reminded.IsZero():
		return b.remind(ctx, c, now)
	}
	return b.escalate(ctx, c, now, c.Delivered)
}

// dueDelivery tries a handoff again that did not get through.
func (b *Bot) dueDelivery(ctx context.Context, c domain.Case, s dialog.Session, now time.Time) error {
	if b.deliverHandoff(ctx, c, s) {
		return nil
	}
	if now.Sub(s.Submitted) >= b.o.AckAfter {
		return b.escalate(ctx, c, now, s.Submitted)
	}
	return nil // the lease brings it back
}

// remind tells the director, in neutral words, that an intake waits for
// them, with the button again.
func (b *Bot) remind(ctx context.Context, c domain.Case, now time.Time) error {
	dir, ok, err := b.o.People.Staff(ctx, c.Director)
	if err != nil {
		return err
	}
	if !ok || dir.Role != domain.RoleDirector {
		return b.escalate(ctx, c, now, c.Delivered)
	}
	lang := b.dir.LangOf(dir)
	body := b.o.Renderer.Join(lang, "\n\n", dialog.T("ack.reminder", "Date", c.Delivered))
	if !b.out.SayHTML(ctx, dir.UserID, lang, ackButton(c.Key), body, true) {
		return nil // the lease brings it back
	}
	// Only the reminder's field changes, and only while nobody has
	// acknowledged the intake: an acknowledgement made meanwhile is kept.
	ok, err = b.o.People.ChangeCase(ctx, c.Key, func(cur *domain.Case) bool {
		if !cur.Acknowledged.IsZero() {
			return false
		}
		cur.Reminded = now
		return true
	})
	if err != nil || !ok {
		return err // !ok: acknowledged or erased meanwhile
	}
	b.auditor.Record(ctx, dir.UserID, "summary.reminded", c.Key)
	b.o.Log.Info("director reminded of an intake", "case", b.pseudo.Of(chat.ParseSessionKey(c.Key)), "director", b.pseudo.Of(dir.UserID))
	return b.o.People.ScheduleDue(ctx, c.Key, now.Add(b.o.AckAfter))
}

// escalate tells every admin that an intake has waited since since, and
// stops the reminders of it: the next due time is the end of the bot's
// copy, IdleTTL on, unless someone acknowledges it before.
func (b *Bot) escalate(ctx context.Context, c domain.Case, now, since time.Time) error {
	if fresh, found, err := b.o.People.Case(ctx, c.Key); err != nil {
		return err
	} else if !found || !fresh.Acknowledged.IsZero() {
		// Erased, or acknowledged (which scheduled its expiry) meanwhile.
		return nil
	}
	var dirName any = dialog.T("ack.no_director")
	if dir, ok, err := b.o.People.Staff(ctx, c.Director); err != nil {
		return err
	} else if ok && dir.Role == domain.RoleDirector {
		dirName = dir.Name
	}
	var name any = c.Key
	if c.FirstName != "" {
		name = c.FirstName
	}
	if len(b.o.Admins) == 0 {
		b.o.Log.Warn("an intake waits for its director, and there is no admin to tell", "case", b.pseudo.Of(chat.ParseSessionKey(c.Key)))
	}
	for _, admin := range b.o.Admins {
		lang := b.o.Engine.MatchLanguage("")
		if m, ok, err := b.o.People.Staff(ctx, admin); err == nil && ok {
			lang = b.dir.LangOf(m)
		}
		body := b.o.Renderer.Join(lang, "\n\n", dialog.T("ack.escalation", "Who", name, "Name", dirName, "Date", since))
		open := [][]dialog.Button{{{Label: dialog.T("btn.open_summary"), Data: chat.ButtonData(chat.ActOpenSummary, c.Key)}}}
		b.out.SayHTML(ctx, admin, lang, open, body, true)
	}
	key := c.Key
	b.auditor.Record(ctx, 0, "summary.escalated", key)
	b.o.Log.Info("admins told of an intake waiting for its director", "case", b.pseudo.Of(chat.ParseSessionKey(key)))
	// Only the escalation's field changes, and only while nobody has
	// acknowledged the intake: an acknowledgement made meanwhile is kept.
	ok, err := b.o.People.ChangeCase(ctx, key, func(cur *domain.Case) bool {
		if !cur.Acknowledged.IsZero() {
			return false
		}
		cur.Escalated = now
		return true
	})
	if err != nil || !ok {
		return err // !ok: acknowledged or erased meanwhile
	}
	return b.o.People.ScheduleDue(ctx, key, now.Add(b.o.IdleTTL))
}
