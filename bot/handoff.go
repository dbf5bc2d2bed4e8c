package bot

import (
	"context"
	"time"

	"github.com/intakebot/intakebot/bot/chat"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// The handoff: an approved intake goes to the young person's director, as
// messages, as a document for the dossier, and with a button by which the
// director says they will contact the young person. That press tells the
// young person they are seen; until it comes, the due loop reminds the
// director and then tells the admins.

// deliveryRetry is when the due loop tries a handoff again that did not
// get through (the director's chat refused, the process stopped halfway).
const deliveryRetry = 5 * time.Minute

// handOff delivers a submitted intake, once. It returns an error only when
// nothing was recorded, so that the update is handled again (as a
// duplicate, which comes back here); once the due time is set, the due
// loop finishes a delivery that fails.
func (b *Bot) handOff(ctx context.Context, s dialog.Session) error {
	c, found, err := b.o.People.Case(ctx, s.Key)
	if err != nil {
		return err
	}
	if !found {
		if b.o.OpenIntakeDirector == 0 {
			b.o.Log.Warn("an intake was sent without a director", "chat", b.pseudo.Of(chat.ParseSessionKey(s.Key)))
			return nil
		}
		c = domain.Case{Key: s.Key, Director: b.o.OpenIntakeDirector, Linked: b.o.Now()}
		if err := b.o.People.SaveCase(ctx, c); err != nil {
			return err
		}
	}
	if deliveredFor(c, s) {
		return nil
	}
	if err := b.o.People.ScheduleDue(ctx, s.Key, b.o.Now().Add(deliveryRetry)); err != nil {
		return err
	}
	// The director's chat is paced (about a message a second) and a
	// summary is several messages: deliver in the background, so that the
	// young person's next message never waits behind it. A delivery cut
	// short by a stop is finished by the due loop. It is tracked, so that
	// a /delete meanwhile stops it before it erases (bot/background).
	work, finish := b.work.Track(context.WithoutCancel(ctx), s.Key)
	b.work.Go(func() {
		defer finish()
		ctx, cancel := context.WithTimeout(work, handoffTimeout)
		defer cancel()
		b.deliverHandoff(ctx, c, s)
	})
	return nil
}

// handoffTimeout bounds one delivery in the background.
const handoffTimeout = 2 * time.Minute

// WaitHandoffs waits until the work in the background is done (deliveries,
// alerts, clearing after /exit), or ctx ends (a stop: the due loop
// finishes a delivery later).
func (b *Bot) WaitHandoffs(ctx context.Context) { b.work.Wait(ctx) }

// deliverHandoff sends the intake to the case's director, in the
// director's language, records that it arrived and then sends the button
// by which the director acknowledges it; it reports whether the intake
// arrived. Only a current director ever receives it. When ctx ends (a
// /delete settles the work) nothing more is recorded or sent.
func (b *Bot) deliverHandoff(ctx context.Context, c domain.Case, s dialog.Session) bool {
	log := b.o.Log.With("case", b.pseudo.Of(chat.ParseSessionKey(c.Key)), "director", b.pseudo.Of(c.Director))
	dir, ok, err := b.o.People.Staff(ctx, c.Director)
	if err != nil {
		log.Error("can't look up the director of an intake", "err", err)
		return false
	}
	if !ok || dir.Role != domain.RoleDirector {
		log.Warn("the director of an intake is no longer staff: the admins will be told")
		return false
	}
	lang := b.dir.LangOf(dir)
	if !b.sendSummary(ctx, dir.UserID, lang, c, s) {
		log.Warn("the intake did not reach its director; trying again later")
		return false
	}
	if ctx.Err() != nil {
		log.Info("the delivery of an intake was stopped before it was recorded")
		return false
	}
	now := b.o.Now()
	// Recorded before the button goes out: a press right after it must
	// find the intake delivered. A new submission (the young person
	// started over) waits for an acknowledgement of its own. Only the
	// delivery's fields change, on the case as it is now: a case handed to
	// another director meanwhile is not delivered (the due loop sends it
	// to them) and keeps its new director.
	reassigned := false
	ok, err = b.o.People.ChangeCase(ctx, c.Key, func(cur *domain.Case) bool {
		if reassigned = cur.Director != c.Director; reassigned {
			return false
		}
		cur.Delivered, cur.Acknowledged, cur.AckBy, cur.Reminded, cur.Escalated = now, time.Time{}, 0, time.Time{}, time.Time{}
		return true
	})
	switch {
	case err != nil:
		log.Error("can't record a delivered intake", "err", err)
		return false
	case reassigned:
		log.Info("an intake was handed to another director while it was delivered")
		return false
	case !ok:
		log.Info("an intake was erased while it was delivered")
		return false
	}
	if err := b.o.People.ScheduleDue(ctx, c.Key, now.Add(b.o.AckAfter)); err != nil {
		log.Error("can't schedule the reminder of a delivered intake", "err", err)
	}
	if ctx.Err() != nil {
		// Stopped: by an erasure, which erases what was recorded, or by
		// the timeout, after which the reminder brings the button.
		return false
	}
	b.auditor.Record(ctx, dir.UserID, "summary.delivered", c.Key)
	if !b.out.Say(ctx, dir.UserID, lang, ackButton(c.Key), dialog.T("ack.prompt")) {
		log.Warn("the acknowledge button did not reach the director; the reminder brings it again")
	}
	log.Info("intake handed off")
	return true
}

// sendSummary sends the intake as messages and as a document to chat, in
// lang; it reports whether all of it arrived.
func (b *Bot) sendSummary(ctx context.Context, chatID int64, lang string, c domain.Case, s dialog.Session) bool {
	sum := dialog.BuildSummary(b.o.Engine.Flow, s)
	view := HandoffView{Case: c, Summary: sum, Age: s.Age, Flags: sum.Flags}
	ok := true
	for _, m := range NewHandoffRenderer(b.o.Renderer).HandoffMessages(lang, view) {
		ok = b.out.S.Send(ctx, chatID, m, nil) && ok
	}
	name, doc := NewHandoffRenderer(b.o.Renderer).HandoffDocument(lang, view)
	caption := b.o.Renderer.Text(lang, dialog.T("handoff.document_caption"))
	return b.out.S.SendDocument(ctx, chatID, name, doc, caption) && ok
}

// deliveredFor reports whether the case's director got submission s: a
// young person who started over sends a new one.
func deliveredFor(c domain.Case, s dialog.Session) bool {
	return !c.Delivered.IsZero() && !c.Delivered.Before(s.Submitted)
}

// unanswered reports whether the admins were told of the case's current
// submission (sent or not) and nobody acknowledged it. A young person who
// started over has a new intake; one who sent it again, a new submission.
func unanswered(c domain.Case, s dialog.Session, found bool) bool {
	switch {
	case c.Escalated.IsZero() || !c.Acknowledged.IsZero():
		return false
	case !found:
		return true
	}
	return s.State == dialog.StateSubmitted && !c.Escalated.Before(s.Submitted)
}

func ackButton(key string) [][]dialog.Button {
	return [][]dialog.Button{{{Label: dialog.T("btn.ack"), Data: chat.ButtonData(chat.ActAcknowledge, key)}}}
}

// acknowledge records the director's "I'll contact them" and tells the
// young person, without a word of content, that they are seen. The caller
// checked that the actor is the case's director or an admin.
func (b *Bot) acknowledge(ctx context.Context, in chat.Request, a chat.Actor, c domain.Case) (dialog.Text, error) {
	if !c.Acknowledged.IsZero() {
		b.out.Edit(ctx, in, a.Lang, nil, dialog.T("ack.done", "Date", c.Acknowledged))
		return dialog.T("ack.already"), nil
	}
	if c.Delivered.IsZero() {
		return dialog.T("staff.gone"), nil
	}
	now := b.o.Now()
	// Only the acknowledgement's fields change, on the case as it is now.
	var already time.Time
	ok, err := b.o.People.ChangeCase(ctx, c.Key, func(cur *domain.Case) bool {
		if already = cur.Acknowledged; !already.IsZero() || cur.Delivered.IsZero() {
			return false
		}
		cur.Acknowledged, cur.AckBy = now, a.ID
		return true
	})
	switch {
	case err != nil:
		return dialog.Text{}, err
	case !ok && !already.IsZero():
		// Someone else was just before them.
		b.out.Edit(ctx, in, a.Lang, nil, dialog.T("ack.done", "Date", already))
		return dialog.T("ack.already"), nil
	case !ok:
		return dialog.T("staff.gone"), nil
	}
	// No more reminders: the next due time is the end of the bot's copy
	// (retention, bot/erase.go).
	if err := b.o.People.ScheduleDue(ctx, c.Key, now.Add(b.o.AcknowledgedTTL)); err != nil {
		// The due loop sees the acknowledgement and schedules it then.
		b.o.Log.Warn("can't schedule the expiry of an acknowledged intake", "err", err)
	}
	b.auditor.Record(ctx, a.ID, "summary.acknowledged", c.Key)
	b.o.Log.Info("intake acknowledged", "case", b.pseudo.Of(chat.ParseSessionKey(c.Key)), "by", b.pseudo.Of(a.ID))

	var name any = dialog.T("ack.your_director")
	if a.Member && a.ID == c.Director {
		name = a.Staff.Name
	} else if dir, ok, err := b.o.People.Staff(ctx, c.Director); err == nil && ok {
		name = dir.Name
	}
	lang := b.o.Engine.MatchLanguage("")
	if s, found, err := b.o.Store.Load(ctx, c.Key); err == nil && found && s.Lang != "" {
		lang = s.Lang
	}
	b.out.Say(ctx, chat.ParseSessionKey(c.Key), lang, nil, dialog.T("ack.young", "Name", name))
	b.out.Edit(ctx, in, a.Lang, nil, dialog.T("ack.done", "Date", now))
	return dialog.Text{}, nil
}
