package privacy

import (
	"context"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
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

// idleGrace is how long after a session's idle lifetime the bot looks
// whether it has expired: by then the store has certainly dropped it.
const idleGrace = time.Hour

// eraseSettle is how long an erasure waits for the work in the background
// on the intake (a delivery) to stop.
const eraseSettle = 30 * time.Second

// AskErase is /delete: it asks the young person to confirm.
func (p *Privacy) AskErase(ctx context.Context, in chat.Request, _ chat.Actor) error {
	if staff, staffLang, err := p.isStaff(ctx, in); err != nil || staff {
		if staff {
			p.out.Say(ctx, in.Chat, staffLang, nil, dialog.T("privacy.staff"))
		}
		return err
	}
	st, err := p.storedFor(ctx, in)
	if err != nil {
		return err
	}
	lang := st.lang
	if st.nothing() {
		p.out.Say(ctx, in.Chat, lang, nil, dialog.T("erase.nothing"))
		// Nothing is kept about someone without an intake: no trail.
		p.DropTrail(ctx, in.Chat)
		return nil
	}
	buttons := [][]dialog.Button{
		{{Label: dialog.T("erase.btn_yes"), Data: chat.ButtonData(chat.ActEraseYes, "")}},
		{{Label: dialog.T("erase.btn_no"), Data: chat.ButtonData(chat.ActEraseNo, "")}},
	}
	p.out.Say(ctx, in.Chat, lang, buttons, dialog.T("erase.confirm"))
	return nil
}

// EraseButton handles the answer to the confirmation (chat.ActEraseYes
// and chat.ActEraseNo). It answers the press itself: the answer comes
// before the edit.
func (p *Privacy) EraseButton(ctx context.Context, in chat.Request, a chat.Actor) error {
	if d := in.Event.Data; d != chat.ButtonData(chat.ActEraseYes, "") && d != chat.ButtonData(chat.ActEraseNo, "") {
		// Not a button of /delete (forged or from an old keyboard): it
		// erases nothing, like any unknown button.
		p.out.Answer(ctx, in, render.PlainText(p.o.Renderer.Text(a.Lang, dialog.T("staff.gone"))))
		return nil
	}
	if staff, staffLang, err := p.isStaff(ctx, in); err != nil || staff {
		if staff {
			p.out.Answer(ctx, in, render.PlainText(p.o.Renderer.Text(staffLang, dialog.T("privacy.staff"))))
		}
		return err
	}
	key := chat.SessionKey(in.Chat)
	st, err := p.storedFor(ctx, in)
	if err != nil {
		return err
	}
	c, hasCase, lang := st.c, st.hasCase, st.lang
	if in.Event.Data == chat.ButtonData(chat.ActEraseNo, "") {
		p.out.Answer(ctx, in, "")
		p.out.Edit(ctx, in, lang, nil, dialog.T("erase.kept"))
		return nil
	}
	if st.nothing() {
		p.out.Answer(ctx, in, "")
		p.out.Edit(ctx, in, lang, nil, dialog.T("erase.nothing"))
		return nil
	}
	var cp *domain.Case
	if hasCase {
		cp = &c
	}
	if err := p.erase(ctx, in.Chat, key, cp); err != nil {
		return err
	}
	p.out.Answer(ctx, in, "")
	if hasCase {
		p.tellWithdrawn(ctx, c)
		p.auditor.Record(ctx, 0, "intake.withdrawn", key)
	}
	p.o.Log.Info("intake withdrawn and erased by the young person", "chat", p.pseudo.Of(in.Chat))
	again := dialog.T("erase.again_invite")
	if p.o.OpenIntake {
		again = dialog.T("erase.again_open")
	}
	p.out.Edit(ctx, in, lang, nil, dialog.T("erase.done"), again)
	// The reply is not the start of a new trail: nothing stays.
	p.DropTrail(ctx, in.Chat)
	return nil
}

// erase removes everything about the person of chat, whose session key
// is key and case c (nil: none). The work in the background on the intake
// is stopped first, so that whatever it saved before it noticed is erased
// too. Erasing what is not there is fine; an error leaves the rest for
// another try.
func (p *Privacy) erase(ctx context.Context, chatID int64, key string, c *domain.Case) error {
	p.work.Settle(key, eraseSettle)
	al, hasAlert := p.o.Alerts.ToWithdraw(ctx, key)
	if err := p.wipe(ctx, chatID, key, c); err != nil {
		return err
	}
	if hasAlert {
		p.o.Alerts.Withdraw(ctx, al)
	}
	return nil
}

// wipe is erase without stopping the work on the intake: for the due
// loop, which is that work itself (it settles the others first, expire).
func (p *Privacy) wipe(ctx context.Context, chatID int64, key string, c *domain.Case) error {
	// Entries still queued would bring the trail back.
	_ = p.trail.flush(ctx)
	if c != nil {
		if _, err := p.o.Links.DeleteCaseLinks(ctx, key, c.Director); err != nil {
			return err
		}
	}
	if err := p.o.Cases.DeleteCase(ctx, key); err != nil {
		return err
	}
	if err := p.o.Sessions.Delete(ctx, key); err != nil {
		return err
	}
	return p.o.Erasure.EraseTraces(ctx, chatID, key)
}

// DropTrail forgets the messages just sent to chat (the whole trail of
// the chat): nothing is kept about someone without an intake.
func (p *Privacy) DropTrail(ctx context.Context, chatID int64) {
	if err := p.trail.flush(ctx); err == nil {
		_, err = p.o.Trail.Take(ctx, chat.SessionKey(chatID))
		if err == nil {
			return
		}
	}
	p.o.Log.Warn("can't drop the /exit trail of an erased intake; it expires by itself", "chat", p.pseudo.Of(chatID))
}

// tellWithdrawn tells the case's director and counsellor, in their
// language, that the intake was withdrawn and erased; only the invite's
// first name says whose.
func (p *Privacy) tellWithdrawn(ctx context.Context, c domain.Case) {
	var who any = dialog.T("erase.someone")
	if c.FirstName != "" {
		who = c.FirstName
	}
	for _, id := range []int64{c.Director, c.Counsellor} {
		if id == 0 {
			continue
		}
		m, ok, err := p.o.Dir.Staff.Staff(ctx, id)
		if err != nil || !ok {
			continue
		}
		lang := p.o.Dir.LangOf(m)
		p.out.SayHTML(ctx, id, lang, nil, p.o.Renderer.Join(lang, "", dialog.T("erase.withdrawn", "Who", who)), true)
	}
}

// ScheduleIdle makes the due loop look at a new case, linked at from, once
// its session may have expired: an intake never sent leaves no case behind.
func (p *Privacy) ScheduleIdle(ctx context.Context, key string, from time.Time) {
	if err := p.o.Cases.ScheduleDue(ctx, key, from.Add(p.o.IdleTTL+idleGrace)); err != nil {
		p.o.Log.Warn("can't schedule the expiry of a case", "case", p.pseudo.Of(chat.ParseSessionKey(key)), "err", err)
	}
}

// DueRetention handles a due case that is neither being delivered nor
// waiting for its director: an acknowledged intake is erased
// AcknowledgedTTL after the acknowledgement, one the admins were told of
// and nobody acknowledged IdleTTL after that; the case of an intake never
// sent goes once its session has expired. It reports whether the case was
// of that kind.
func (p *Privacy) DueRetention(ctx context.Context, c domain.Case, s dialog.Session, found bool, now time.Time) (bool, error) {
	switch {
	case found && s.State != dialog.StateSubmitted && (!c.Acknowledged.IsZero() || !c.Escalated.IsZero()):
		// They started over (before or after the acknowledgement): the
		// new intake is theirs until it is sent (its delivery waits for an
		// acknowledgement of its own) or idle.
		return true, p.o.Cases.ScheduleDue(ctx, c.Key, later(s.Updated.Add(p.o.IdleTTL+idleGrace), now.Add(idleGrace)))
	case domain.Unanswered(c, s, found):
		if at := c.Escalated.Add(p.o.IdleTTL); now.Before(at) {
			return true, p.o.Cases.ScheduleDue(ctx, c.Key, at)
		}
		return true, p.expire(ctx, c, "unacknowledged")
	case !c.Acknowledged.IsZero():
		if at := c.Acknowledged.Add(p.o.AcknowledgedTTL); now.Before(at) {
			return true, p.o.Cases.ScheduleDue(ctx, c.Key, at)
		}
		return true, p.expire(ctx, c, "acknowledged")
	case !c.Delivered.IsZero():
		return false, nil
	case found && s.State != dialog.StateSubmitted:
		// Look again when it may have expired; at least an hour on, so
		// that a session that outlives its time is not claimed in a loop.
		return true, p.o.Cases.ScheduleDue(ctx, c.Key, later(s.Updated.Add(p.o.IdleTTL+idleGrace), now.Add(idleGrace)))
	case !found:
		if at := c.Linked.Add(p.o.IdleTTL + idleGrace); now.Before(at) {
			return true, p.o.Cases.ScheduleDue(ctx, c.Key, at)
		}
		return true, p.expire(ctx, c, "idle")
	}
	return false, nil
}

// expire erases a case whose time has come, telling nobody. It runs in
// the due loop, as the tracked work on the case itself: the other work on
// the person (an /exit clean-up that would put its leftovers back into the
// trail, an alert being raised) is stopped first, as for /delete.
func (p *Privacy) expire(ctx context.Context, c domain.Case, why string) error {
	p.work.SettleOthers(ctx, c.Key, eraseSettle)
	if err := p.wipe(ctx, chat.ParseSessionKey(c.Key), c.Key, &c); err != nil {
		return err
	}
	p.auditor.Record(ctx, 0, "intake.expired", c.Key)
	p.o.Log.Info("intake erased at the end of its lifetime", "case", p.pseudo.Of(chat.ParseSessionKey(c.Key)), "why", why)
	return nil
}

// later is the later of two times.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
