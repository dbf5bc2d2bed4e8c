package staff

import (
	"context"
	"errors"
	"slices"

	"github.com/intakebot/intakebot/bot/chat"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Single-use /start links, and who may start an intake at all: a young
// person linked to a director by an invite (or, with an open intake, by
// their first message). Guessing links is slowed down per person.

// maxLinkFailures is how many failed links a person may try within the
// window People keeps (an hour) before every link is refused.
const maxLinkFailures = 10

// OpenLink handles "/start <token>". Staff members never use a link up:
// it stays valid for the person it was meant for.
func (b *Office) OpenLink(ctx context.Context, in chat.Request) (func(*dialog.Session), bool, error) {
	a, err := b.Actor(ctx, in)
	if err != nil {
		return nil, false, err
	}
	if a.Member {
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("staff.already"))
		return nil, true, nil
	}
	n, err := b.o.Links.LinkFailures(ctx, a.ID)
	if err != nil {
		return nil, false, err
	}
	if n >= maxLinkFailures {
		b.o.Log.Info("link refused: too many failed links", "chat", b.pseudo.Of(a.ID))
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("link.too_many"))
		return nil, true, nil
	}
	if a.Admin {
		// An admin is never the young person an invite is for: they
		// leave it for them (a staff link they may use).
		if l, err := b.o.Links.PeekLink(ctx, in.Event.Arg); err == nil && l.Kind == domain.LinkInvite {
			b.o.Log.Info("an admin opened an invite; it stays valid", "chat", b.pseudo.Of(a.ID))
			b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("link.admin_not_young"))
			return nil, true, nil
		} else if err != nil && !errors.Is(err, domain.ErrLinkInvalid) {
			return nil, false, err
		}
	}
	l, err := b.o.Links.UseLink(ctx, in.Event.Arg)
	if errors.Is(err, domain.ErrLinkInvalid) {
		if _, err := b.o.Links.LinkFailure(ctx, a.ID); err != nil {
			return nil, false, err
		}
		b.o.Log.Info("link refused: unknown, used or expired", "chat", b.pseudo.Of(a.ID))
		_, found, err := b.o.Sessions.Load(ctx, chat.SessionKey(a.ID))
		if err != nil || found {
			// A young person with an intake tapped an old link: they
			// carry on where they were.
			return nil, false, err
		}
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("link.invalid"))
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	switch {
	case l.Kind == domain.LinkStaff:
		return nil, true, b.openStaffLink(ctx, a, l)
	case l.Kind == domain.LinkInvite && a.Admin:
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("link.staff_not_young"))
		return nil, true, nil
	case l.Kind == domain.LinkInvite && l.CaseKey != "":
		return b.reattach(ctx, a, l)
	case l.Kind == domain.LinkInvite:
		return b.linkInvite(ctx, a, l)
	}
	b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("link.invalid"))
	return nil, true, nil
}

// linkInvite links the young person to the invite's director and has the
// engine greet them: the consent screen names the director.
func (b *Office) linkInvite(ctx context.Context, a chat.Actor, l domain.Link) (func(*dialog.Session), bool, error) {
	dir, ok, err := b.member(ctx, l.Director)
	if err != nil {
		return nil, false, err
	}
	if !ok || dir.Role != domain.RoleDirector {
		// The director left after the invite was made.
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("link.invalid"))
		return nil, true, nil
	}
	key := chat.SessionKey(a.ID)
	c, found, err := b.caseOf(ctx, key)
	if err != nil {
		return nil, false, err
	}
	if found && !c.Delivered.IsZero() {
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("link.already_linked"))
		return nil, false, nil
	}
	former := c.Director
	// Not handed off yet: the newest invite decides the director.
	c = domain.Case{Key: key, Director: l.Director, Counsellor: l.Counsellor, FirstName: l.FirstName, Note: l.Note, Linked: b.o.Now()}
	if err := b.o.Cases.SaveCase(ctx, c); err != nil {
		return nil, false, err
	}
	if found && former != l.Director {
		// The links the former director made to move this intake die
		// with their part in it (opening one checks that too).
		if _, err := b.o.Links.DeleteCaseLinks(ctx, key, former); err != nil {
			b.o.Log.Warn("can't delete the former director's links of a case", "err", err)
		}
	}
	b.o.Privacy.ScheduleIdle(ctx, key, c.Linked)
	b.auditor.Record(ctx, a.ID, "case.linked", key)
	b.o.Log.Info("young person linked to a director", "chat", b.pseudo.Of(a.ID), "director", b.pseudo.Of(l.Director))
	return namedDirector(dir.Name), false, nil
}

// reattach moves an intake to the young person's new account: the
// session with its answers and the case.
func (b *Office) reattach(ctx context.Context, a chat.Actor, l domain.Link) (func(*dialog.Session), bool, error) {
	newKey := chat.SessionKey(a.ID)
	if l.CaseKey == newKey {
		return nil, false, nil
	}
	c, found, err := b.caseOf(ctx, l.CaseKey)
	if err != nil {
		return nil, false, err
	}
	if !found {
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("link.invalid"))
		return nil, true, nil
	}
	if holds, err := b.linkHolds(ctx, l, c); err != nil {
		return nil, false, err
	} else if !holds {
		b.o.Log.Info("link refused: its maker is no longer the case's director", "chat", b.pseudo.Of(a.ID))
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("link.invalid"))
		return nil, true, nil
	}
	_, hasCase, err := b.caseOf(ctx, newKey)
	if err != nil {
		return nil, false, err
	}
	_, hasSession, err := b.o.Sessions.Load(ctx, newKey)
	if err != nil {
		return nil, false, err
	}
	if hasCase || hasSession {
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("link.reattach_conflict"))
		return nil, true, nil
	}
	if err := b.o.Sessions.MoveSession(ctx, l.CaseKey, newKey); err != nil {
		return nil, false, err
	}
	if err := b.o.Cases.MoveCase(ctx, l.CaseKey, newKey); err != nil {
		return nil, false, err
	}
	b.auditor.Record(ctx, a.ID, "case.moved", newKey)
	oldChat := chat.ParseSessionKey(l.CaseKey)
	b.o.Log.Info("intake moved to a new account", "from", b.pseudo.Of(oldChat), "chat", b.pseudo.Of(a.ID))
	b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("link.moved"))
	if oldChat != 0 {
		// The old account hears it, neutrally (it may be a shared or a
		// lost phone), in the language of the intake.
		lang := b.o.Engine.MatchLanguage("")
		if s, ok, err := b.o.Sessions.Load(ctx, newKey); err == nil && ok && s.Lang != "" {
			lang = b.o.Engine.MatchLanguage(s.Lang)
		}
		b.out.Say(ctx, oldChat, lang, nil, dialog.T("link.moved_away"))
	}
	return b.directorOf(ctx, c.Director)
}

// linkHolds reports whether a link that moves the case c still holds: the
// case still has the director it had when the link was made, and its
// maker is still that director, or an admin. Revoking a director or moving
// the young person to another one ends their links.
func (b *Office) linkHolds(ctx context.Context, l domain.Link, c domain.Case) (bool, error) {
	if l.Director != c.Director {
		return false, nil
	}
	if slices.Contains(b.o.Admins, l.CreatedBy) {
		return true, nil
	}
	if l.CreatedBy != c.Director {
		return false, nil
	}
	m, ok, err := b.member(ctx, l.CreatedBy)
	if err != nil {
		return false, err
	}
	return ok && m.Role == domain.RoleDirector, nil
}

// firstContact handles someone without a session: a staff member, someone
// giving their name after a staff link, a young person linked before
// whose session is gone, the open intake, or someone without an invite.
func (b *Office) firstContact(ctx context.Context, in chat.Request) (func(*dialog.Session), bool, error) {
	a, err := b.Actor(ctx, in)
	if err != nil {
		return nil, false, err
	}
	if in.Event.Kind == dialog.EventText && !a.Member {
		l, ok, err := b.o.Staff.TakePendingStaff(ctx, a.ID)
		if err != nil {
			return nil, false, err
		}
		if ok && l.Kind == domain.LinkStaff {
			return nil, true, b.takeName(ctx, in, a, l)
		}
	}
	if a.IsStaff() {
		if in.Event.Kind == dialog.EventText && a.Member {
			// The answer to a /remind question (own text, appointment,
			// a time), typed as a plain message.
			if took, err := b.o.Reminders.Typed(ctx, a, in.Event.Text); took || err != nil {
				return nil, true, err
			}
		}
		b.out.Answer(ctx, in, "")
		b.staffHelp(ctx, a)
		return nil, true, nil
	}
	key := chat.SessionKey(a.ID)
	c, found, err := b.caseOf(ctx, key)
	if err != nil {
		return nil, false, err
	}
	if found {
		return b.directorOf(ctx, c.Director)
	}
	if b.o.OpenIntakeDirector != 0 {
		return b.openIntake(ctx, in, a)
	}
	b.noInvite(ctx, in, a)
	return nil, true, nil
}

// openIntake links a young person without an invite to the default
// director.
func (b *Office) openIntake(ctx context.Context, in chat.Request, a chat.Actor) (func(*dialog.Session), bool, error) {
	dir, ok, err := b.member(ctx, b.o.OpenIntakeDirector)
	if err != nil {
		return nil, false, err
	}
	if !ok || dir.Role != domain.RoleDirector {
		b.o.Log.Warn("the open intake's director is not a director: young people need an invite")
		b.noInvite(ctx, in, a)
		return nil, true, nil
	}
	key := chat.SessionKey(a.ID)
	if err := b.o.Cases.SaveCase(ctx, domain.Case{Key: key, Director: dir.UserID, Linked: b.o.Now()}); err != nil {
		return nil, false, err
	}
	b.o.Privacy.ScheduleIdle(ctx, key, b.o.Now())
	b.auditor.Record(ctx, a.ID, "case.linked", key)
	b.o.Log.Info("young person linked to the open intake's director", "chat", b.pseudo.Of(a.ID))
	return namedDirector(dir.Name), false, nil
}

// noInvite tells a young person without a link how to get one; /help,
// /urgent and a message with crisis words show the crisis lines as always
// (every line: their age is not known). Nothing is kept about someone
// without an intake, not even the /exit trail of this exchange.
func (b *Office) noInvite(ctx context.Context, in chat.Request, a chat.Actor) {
	defer b.o.Privacy.DropTrail(ctx, a.ID)
	b.out.Answer(ctx, in, "")
	var texts []dialog.Text
	ev := in.Event
	if !ev.LinesShown && (ev.Kind == dialog.EventCommand && (ev.Command == "help" || ev.Command == "urgent" || ev.Command == "dringend") ||
		ev.Kind == dialog.EventText && b.o.Engine.Crisis != nil && b.o.Engine.Crisis.Match(ev.Text)) {
		texts = append(texts, b.o.Dir.CrisisLines(""))
	}
	b.out.Say(ctx, a.ID, a.Lang, nil, append(texts, dialog.T("link.none"))...)
}

// directorOf prepares a session to name its director.
func (b *Office) directorOf(ctx context.Context, director int64) (func(*dialog.Session), bool, error) {
	m, ok, err := b.member(ctx, director)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		return nil, false, nil
	}
	return namedDirector(m.Name), false, nil
}

func namedDirector(name string) func(*dialog.Session) {
	return func(s *dialog.Session) { s.DirectorName = name }
}
