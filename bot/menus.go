package bot

import (
	"context"
	"slices"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// setStaffMenu puts the commands of a staff member's roles in the menu of
// their chat, in lang.
func (b *Bot) setStaffMenu(ctx context.Context, userID int64, lang string, admin bool, role domain.Role) {
	b.staff.SetStaffMenu(ctx, userID, lang, admin, role)
}

// staffMenus sets staff menus for the rooms.
type staffMenus struct{ b *Bot }

func (m staffMenus) SetStaffMenu(ctx context.Context, userID int64, lang string, admin bool, role domain.Role) {
	m.b.setStaffMenu(ctx, userID, lang, admin, role)
}

// RegisterMenus sets the young person's command menu in every language.
func (b *Bot) RegisterMenus(ctx context.Context, langs []string, def string) {
	b.menus.RegisterYoung(ctx, langs, def)
}

// RegisterStaffMenus sets the menu of every admin and staff member, for a
// start of the bot (an admin list may have changed). Without People it
// does nothing.
func (b *Bot) RegisterStaffMenus(ctx context.Context) error {
	if b.staff == nil {
		return nil
	}
	return b.staff.RegisterStaffMenus(ctx)
}

// actor looks up the sender of an update: the office's roles, or without
// People (no roles) a young person.
func (b *Bot) actor(ctx context.Context, in chat.Request) (chat.Actor, error) {
	if b.staff == nil {
		return chat.Actor{ID: in.Chat, Admin: slices.Contains(b.o.Admins, in.Chat), Lang: b.o.Engine.MatchLanguage(in.Event.Lang)}, nil
	}
	return b.staff.Actor(ctx, in)
}

// roles is the Bot as the edge's telegram.Roles.
type roles struct{ b *Bot }

func (r roles) Actor(ctx context.Context, in chat.Request) (chat.Actor, error) {
	return r.b.actor(ctx, in)
}

// refused is what someone hears who may not do what they tried.
func (b *Bot) refused(in chat.Request, a chat.Actor) dialog.Text {
	b.o.Log.Info("staff action refused", "chat", b.pseudo.Of(in.Chat), "staff", a.IsStaff())
	return dialog.T("staff.refused")
}
