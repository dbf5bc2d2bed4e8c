package staff

import (
	"context"
	"slices"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/dialog"
)

// Roles. Whoever sends an update is looked up at the moment it is handled:
// an admin by Options.Admins, a director or counsellor by the Staff store;
// anyone else is a young person. Nothing a button carries decides a role,
// so a forged or old button can never grant one.

// Limits on what staff type.
const (
	maxNameRunes      = 64  // a staff member's name
	maxFirstNameRunes = 64  // the first name of an invite
	maxNoteRunes      = 200 // the note of an invite
	maxLabelRunes     = 24  // a name on a button
)

// Actor looks up the sender of an update (the edge's telegram.Roles).
// Intake and staff work happen in private chats only, where the chat ID is
// the user's ID.
func (b *Office) Actor(ctx context.Context, in chat.Request) (chat.Actor, error) {
	a := chat.Actor{ID: in.Chat, Admin: slices.Contains(b.o.Admins, in.Chat), Lang: b.o.Engine.MatchLanguage(in.Event.Lang)}
	m, ok, err := b.member(ctx, in.Chat)
	if err != nil {
		return a, err
	}
	a.Member, a.Staff = ok, m
	if ok {
		a.Lang = b.o.Engine.MatchLanguage(m.Lang)
	} else {
		a.Lang = b.o.Engine.MatchLanguage(in.Event.Lang)
	}
	return a, nil
}

// FirstContactIfNew handles, before the engine, someone without a session
// (see firstContact); done reports that nothing more is to be done,
// otherwise the engine handles the update, after prep (when not nil)
// prepared the session. A young person in an intake goes to the engine
// without a look at the other stores (the session usually comes from the
// cache).
func (b *Office) FirstContactIfNew(ctx context.Context, in chat.Request) (prep func(*dialog.Session), done bool, err error) {
	_, found, err := b.o.Sessions.Load(ctx, chat.SessionKey(in.Chat))
	if err != nil || found {
		return nil, false, err
	}
	return b.firstContact(ctx, in)
}

// refused is what someone hears who may not do what they tried.
func (b *Office) refused(in chat.Request, a chat.Actor) dialog.Text {
	b.o.Log.Info("staff action refused", "chat", b.pseudo.Of(in.Chat), "staff", a.IsStaff())
	return dialog.T("staff.refused")
}
