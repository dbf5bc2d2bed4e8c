package bot

import (
	"context"
	"errors"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/handoff"
	"github.com/intakebot/intakebot/bot/render"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Erasure. /delete erases everything the bot keeps about a young person
// after a confirmation: the session with the answers, the case with its
// due time and its entries in the staff's lists, links that would
// re-attach the intake, the /exit trail, failed-link counters and an
// urgent alert. The director (and the counsellor who invited them) hear
// that the intake was withdrawn, without a word of content. What the
// director already received stays with the provider.
//
// Retention uses the same erasure, telling nobody: an acknowledged intake
// AcknowledgedTTL after the acknowledgement, an intake nobody acknowledged
// IdleTTL after the admins were told of it, and the case of an intake
// that was never sent once its session has expired (IdleTTL). A young
// person who started over keeps their new intake until it is idle.

// SessionDeleter is a Store that can erase a session. Without it, /delete
// and retention can't erase and say so.
type SessionDeleter interface {
	Delete(ctx context.Context, key string) error
}

// Eraser is People that can erase what it keeps about a young person
// besides the session (storage.People has it).
type Eraser interface {
	// DeleteCase erases the case, its due time and its list entries.
	DeleteCase(ctx context.Context, key string) error
	// DeleteCaseLinks deletes the directors' links that would re-attach
	// the case to another account.
	DeleteCaseLinks(ctx context.Context, caseKey string, directors ...int64) (int, error)
	// EraseTraces erases the failed-link counter, a pending staff link,
	// the /exit trail and an urgent alert of the person.
	EraseTraces(ctx context.Context, userID int64, key string) error
}

var errCantErase = errors.New("the store can't erase an intake")

// idleGrace is how long after a session's idle lifetime the bot looks
// whether it has expired: by then the store has certainly dropped it.
const idleGrace = time.Hour

// eraseSettle is how long an erasure waits for the work in the background
// on the intake (a delivery) to stop.
const eraseSettle = 30 * time.Second

// askErase asks the young person to confirm /delete.
func (b *Bot) askErase(ctx context.Context, in chat.Request) error {
	if staff, staffLang, err := b.isStaff(ctx, in); err != nil || staff {
		if staff {
			b.out.Say(ctx, in.Chat, staffLang, nil, dialog.T("privacy.staff"))
		}
		return err
	}
	st, err := b.storedFor(ctx, in)
	if err != nil {
		return err
	}
	lang := st.lang
	if st.nothing() {
		b.out.Say(ctx, in.Chat, lang, nil, dialog.T("erase.nothing"))
		// Nothing is kept about someone without an intake: no trail.
		b.dropTrail(ctx, in.Chat)
		return nil
	}
	buttons := [][]dialog.Button{
		{{Label: dialog.T("erase.btn_yes"), Data: chat.ButtonData(chat.ActEraseYes, "")}},
		{{Label: dialog.T("erase.btn_no"), Data: chat.ButtonData(chat.ActEraseNo, "")}},
	}
	b.out.Say(ctx, in.Chat, lang, buttons, dialog.T("erase.confirm"))
	return nil
}

// eraseButton handles the answer to the confirmation.
func (b *Bot) eraseButton(ctx context.Context, in chat.Request) error {
	if staff, staffLang, err := b.isStaff(ctx, in); err != nil || staff {
		if staff {
			b.out.Answer(ctx, in, render.PlainText(b.o.Renderer.Text(staffLang, dialog.T("privacy.staff"))))
		}
		return err
	}
	key := chat.SessionKey(in.Chat)
	st, err := b.storedFor(ctx, in)
	if err != nil {
		return err
	}
	c, hasCase, lang := st.c, st.hasCase, st.lang
	if in.Event.Data == chat.ButtonData(chat.ActEraseNo, "") {
		b.out.Answer(ctx, in, "")
		b.out.Edit(ctx, in, lang, nil, dialog.T("erase.kept"))
		return nil
	}
	if st.nothing() {
		b.out.Answer(ctx, in, "")
		b.out.Edit(ctx, in, lang, nil, dialog.T("erase.nothing"))
		return nil
	}
	var cp *domain.Case
	if hasCase {
		cp = &c
	}
	if err := b.erase(ctx, in.Chat, key, cp); errors.Is(err, errCantErase) {
		// A wiring mistake, not an outage: trying again won't help.
		b.o.Log.Error("can't erase an intake", "err", err)
		b.apologise(ctx, in, "error.sorry")
		return nil
	} else if err != nil {
		return err
	}
	b.out.Answer(ctx, in, "")
	if hasCase {
		b.tellWithdrawn(ctx, c)
		b.auditor.Record(ctx, 0, "intake.withdrawn", key)
	}
	b.o.Log.Info("intake withdrawn and erased by the young person", "chat", b.pseudo.Of(in.Chat))
	again := dialog.T("erase.again_invite")
	if b.o.OpenIntakeDirector != 0 || b.o.People == nil {
		again = dialog.T("erase.again_open")
	}
	b.out.Edit(ctx, in, lang, nil, dialog.T("erase.done"), again)
	// The reply is not the start of a new trail: nothing stays.
	b.dropTrail(ctx, in.Chat)
	return nil
}

// erase removes everything about the person of chat, whose session key
// is key and case c (nil: none). The work in the background on the intake
// is stopped first, so that whatever it saved before it noticed is erased
// too. Erasing what is not there is fine; an error leaves the rest for
// another try.
func (b *Bot) erase(ctx context.Context, chatID int64, key string, c *domain.Case) error {
	b.work.Settle(key, eraseSettle)
	al, hasAlert := b.alerts.ToWithdraw(ctx, key)
	if err := b.wipe(ctx, chatID, key, c); err != nil {
		return err
	}
	if hasAlert {
		b.alerts.Withdraw(ctx, al)
	}
	return nil
}

// wipe is erase without stopping the work on the intake: for the due
// loop, which is that work itself (it settles the others first, expire).
func (b *Bot) wipe(ctx context.Context, chatID int64, key string, c *domain.Case) error {
	del, ok := b.o.Store.(SessionDeleter)
	if !ok {
		return errCantErase
	}
	if b.trail != nil {
		// Entries still queued would bring the trail back.
		_ = b.trail.flush(ctx)
	}
	if b.o.People != nil {
		er, ok := b.o.People.(Eraser)
		if !ok {
			return errCantErase
		}
		if c != nil {
			if _, err := er.DeleteCaseLinks(ctx, key, c.Director); err != nil {
				return err
			}
		}
		if err := er.DeleteCase(ctx, key); err != nil {
			return err
		}
		if err := del.Delete(ctx, key); err != nil {
			return err
		}
		return er.EraseTraces(ctx, chatID, key)
	}
	if err := del.Delete(ctx, key); err != nil {
		return err
	}
	if b.o.Trail != nil {
		_, err := b.o.Trail.Take(ctx, key)
		return err
	}
	return nil
}

// dropTrail forgets the messages just sent to chat (the whole trail of
// the chat).
func (b *Bot) dropTrail(ctx context.Context, chatID int64) {
	if b.trail == nil {
		return
	}
	if err := b.trail.flush(ctx); err == nil {
		_, err = b.o.Trail.Take(ctx, chat.SessionKey(chatID))
		if err == nil {
			return
		}
	}
	b.o.Log.Warn("can't drop the /exit trail of an erased intake; it expires by itself", "chatID", b.pseudo.Of(chatID))
}

// tellWithdrawn tells the case's director and counsellor, in their
// language, that the intake was withdrawn and erased; only the invite's
// first name says whose.
func (b *Bot) tellWithdrawn(ctx context.Context, c domain.Case) {
	var who any = dialog.T("erase.someone")
	if c.FirstName != "" {
		who = c.FirstName
	}
	for _, id := range []int64{c.Director, c.Counsellor} {
		if id == 0 {
			continue
		}
		m, ok, err := b.o.People.Staff(ctx, id)
		if err != nil || !ok {
			continue
		}
		lang := b.dir.LangOf(m)
		b.out.SayHTML(ctx, id, lang, nil, b.o.Renderer.Join(lang, "", dialog.T("erase.withdrawn", "Who", who)), true)
	}
}

// scheduleIdle makes the due loop look at a new case once its session may
// have expired: an intake never sent leaves no case behind.
func (b *Bot) scheduleIdle(ctx context.Context, key string, from time.Time) {
	if err := b.o.People.ScheduleDue(ctx, key, from.Add(b.o.IdleTTL+idleGrace)); err != nil {
		b.o.Log.Warn("can't schedule the expiry of a case", "case", b.pseudo.Of(chat.ParseSessionKey(key)), "err", err)
	}
}

// dueRetention handles a due case that is neither being delivered nor
// waiting for its director: an acknowledged intake is erased
// AcknowledgedTTL after the acknowledgement, one the admins were told of
// and nobody acknowledged IdleTTL after that; the case of an intake never
// sent goes once its session has expired. It reports whether the case was
// of that kind.
func (b *Bot) dueRetention(ctx context.Context, c domain.Case, s dialog.Session, found bool, now time.Time) (bool, error) {
	switch {
	case found && s.State != dialog.StateSubmitted && (!c.Acknowledged.IsZero() || !c.Escalated.IsZero()):
		// They started over (before or after the acknowledgement): the
		// new intake is theirs until it is sent (its delivery waits for an
		// acknowledgement of its own) or idle.
		return true, b.o.People.ScheduleDue(ctx, c.Key, later(s.Updated.Add(b.o.IdleTTL+idleGrace), now.Add(idleGrace)))
	case handoff.Unanswered(c, s, found):
		if at := c.Escalated.Add(b.o.IdleTTL); now.Before(at) {
			return true, b.o.People.ScheduleDue(ctx, c.Key, at)
		}
		return true, b.expire(ctx, c, "unacknowledged")
	case !c.Acknowledged.IsZero():
		if at := c.Acknowledged.Add(b.o.AcknowledgedTTL); now.Before(at) {
			return true, b.o.People.ScheduleDue(ctx, c.Key, at)
		}
		return true, b.expire(ctx, c, "acknowledged")
	case !c.Delivered.IsZero():
		return false, nil
	case found && s.State != dialog.StateSubmitted:
		// Look again when it may have expired; at least an hour on, so
		// that a session that outlives its time is not claimed in a loop.
		return true, b.o.People.ScheduleDue(ctx, c.Key, later(s.Updated.Add(b.o.IdleTTL+idleGrace), now.Add(idleGrace)))
	case !found:
		if at := c.Linked.Add(b.o.IdleTTL + idleGrace); now.Before(at) {
			return true, b.o.People.ScheduleDue(ctx, c.Key, at)
		}
		return true, b.expire(ctx, c, "idle")
	}
	return false, nil
}

// expire erases a case whose time has come, telling nobody. It runs in
// the due loop, as the tracked work on the case itself: the other work on
// the person (an /exit clean-up that would put its leftovers back into the
// trail, an alert being raised) is stopped first, as for /delete.
func (b *Bot) expire(ctx context.Context, c domain.Case, why string) error {
	b.work.SettleOthers(ctx, c.Key, eraseSettle)
	if err := b.wipe(ctx, chat.ParseSessionKey(c.Key), c.Key, &c); err != nil {
		return err
	}
	b.auditor.Record(ctx, 0, "intake.expired", c.Key)
	b.o.Log.Info("intake erased at the end of its lifetime", "case", b.pseudo.Of(chat.ParseSessionKey(c.Key)), "why", why)
	return nil
}

// later is the later of two times.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
