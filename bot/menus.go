package bot

import (
	"context"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
)

// staffMenus sets staff menus for the alerts room, through the office,
// which is made after it.
type staffMenus struct{ b *Bot }

func (m staffMenus) SetStaffMenu(ctx context.Context, userID int64, lang string, admin bool, role domain.Role) {
	m.b.staff.SetStaffMenu(ctx, userID, lang, admin, role)
}

// RegisterMenus sets the young person's command menu in every language.
func (b *Bot) RegisterMenus(ctx context.Context, langs []string, def string) {
	b.menus.RegisterYoung(ctx, langs, def)
}

// RegisterStaffMenus sets the menu of every admin and staff member, for a
// start of the bot (an admin list may have changed).
func (b *Bot) RegisterStaffMenus(ctx context.Context) error {
	return b.staff.RegisterStaffMenus(ctx)
}

// roles is the Bot as the edge's telegram.Roles (and the privacy room's):
// the office's roles. The privacy room is made before the office, so the
// office is looked up on each call.
type roles struct{ b *Bot }

func (r roles) Actor(ctx context.Context, in chat.Request) (chat.Actor, error) {
	return r.b.staff.Actor(ctx, in)
}
