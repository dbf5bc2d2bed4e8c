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
	member := role == domain.RoleDirector || role == domain.RoleCounsellor
	b.menus.SetStaff(ctx, chat.Actor{ID: userID, Admin: admin, Member: member, Staff: domain.StaffMember{UserID: userID, Role: role}}, lang)
}

// staffMenus sets staff menus for the rooms.
type staffMenus struct{ b *Bot }

func (m staffMenus) SetStaffMenu(ctx context.Context, userID int64, lang string, admin bool, role domain.Role) {
	m.b.setStaffMenu(ctx, userID, lang, admin, role)
}

// clearStaffMenu gives userID's chat the menu of everyone again.
func (b *Bot) clearStaffMenu(ctx context.Context, userID int64) { b.menus.ClearStaff(ctx, userID) }

// RegisterMenus sets the young person's command menu in every language.
func (b *Bot) RegisterMenus(ctx context.Context, langs []string, def string) {
	b.menus.RegisterYoung(ctx, langs, def)
}

// RegisterStaffMenus sets the menu of every admin and staff member, for a
// start of the bot (an admin list may have changed). Without People it
// does nothing.
func (b *Bot) RegisterStaffMenus(ctx context.Context) error {
	if b.o.People == nil {
		return nil
	}
	staff, err := b.o.People.ListStaff(ctx)
	if err != nil {
		return err
	}
	for _, m := range staff {
		b.setStaffMenu(ctx, m.UserID, b.dir.LangOf(m), slices.Contains(b.o.Admins, m.UserID), m.Role)
	}
	for _, id := range b.o.Admins {
		if !slices.ContainsFunc(staff, func(m domain.StaffMember) bool { return m.UserID == id }) {
			b.setStaffMenu(ctx, id, b.o.Engine.MatchLanguage(""), true, "")
		}
	}
	return nil
}

// apologise tells the person that something went wrong on our side, in the
// language Telegram reports for them.
func (b *Bot) apologise(ctx context.Context, in chat.Request, id string) {
	b.out.Answer(ctx, in, "")
	b.out.Say(ctx, in.Chat, b.o.Engine.MatchLanguage(in.Event.Lang), nil, dialog.T(id))
}
