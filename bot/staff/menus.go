package staff

import (
	"context"
	"slices"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
)

// SetStaffMenu puts the commands of a staff member's roles in the menu of
// their chat, in lang.
func (b *Office) SetStaffMenu(ctx context.Context, userID int64, lang string, admin bool, role domain.Role) {
	member := role == domain.RoleDirector || role == domain.RoleCounsellor
	b.o.Menus.SetStaff(ctx, chat.Actor{ID: userID, Admin: admin, Member: member, Staff: domain.StaffMember{UserID: userID, Role: role}}, lang)
}

// clearStaffMenu gives userID's chat the menu of everyone again.
func (b *Office) clearStaffMenu(ctx context.Context, userID int64) { b.o.Menus.ClearStaff(ctx, userID) }

// RegisterStaffMenus sets the menu of every admin and staff member, for a
// start of the bot (an admin list may have changed).
func (b *Office) RegisterStaffMenus(ctx context.Context) error {
	staff, err := b.o.Staff.ListStaff(ctx)
	if err != nil {
		return err
	}
	for _, m := range staff {
		b.SetStaffMenu(ctx, m.UserID, b.o.Dir.LangOf(m), slices.Contains(b.o.Admins, m.UserID), m.Role)
	}
	for _, id := range b.o.Admins {
		if !slices.ContainsFunc(staff, func(m domain.StaffMember) bool { return m.UserID == id }) {
			b.SetStaffMenu(ctx, id, b.o.Engine.MatchLanguage(""), true, "")
		}
	}
	return nil
}
