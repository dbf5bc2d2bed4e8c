package bot

import (
	"context"
	"slices"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// CommandMenus is the part of the Bot API client that sets the command
// menu of one chat (*github.com/go-telegram/bot.Bot has it). An API
// without it gets no staff menus; everything else works the same.
type CommandMenus interface {
	SetMyCommands(ctx context.Context, p *tgbot.SetMyCommandsParams) (bool, error)
	DeleteMyCommands(ctx context.Context, p *tgbot.DeleteMyCommandsParams) (bool, error)
}

// staffMenu is the commands a staff member sees in their chat's menu.
func staffMenu(admin bool, role domain.Role) []string {
	var names []string
	if role == domain.RoleDirector || role == domain.RoleCounsellor {
		names = append(names, "invite", "cases")
	}
	if admin {
		names = append(names, "staff", "audit", "oncall")
	}
	return append(names, "help")
}

// setStaffMenu puts the staff commands in the menu of userID's chat, in
// lang. A failure is logged: the commands work without a menu.
func (b *Bot) setStaffMenu(ctx context.Context, userID int64, lang string, admin bool, role domain.Role) {
	api, ok := b.o.API.(CommandMenus)
	if !ok {
		return
	}
	names := staffMenu(admin, role)
	cmds := make([]models.BotCommand, 0, len(names))
	for _, n := range names {
		cmds = append(cmds, models.BotCommand{Command: n, Description: PlainText(b.o.Renderer.Text(lang, dialog.T("cmd."+n)))})
	}
	if _, err := api.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{
		Commands: cmds, Scope: &models.BotCommandScopeChat{ChatID: userID},
	}); err != nil {
		b.o.Log.Warn("can't set a staff menu", "chat", b.pseudonym(userID), "err", err)
	}
}

// clearStaffMenu gives userID's chat the menu of everyone again.
func (b *Bot) clearStaffMenu(ctx context.Context, userID int64) {
	api, ok := b.o.API.(CommandMenus)
	if !ok {
		return
	}
	if _, err := api.DeleteMyCommands(ctx, &tgbot.DeleteMyCommandsParams{
		Scope: &models.BotCommandScopeChat{ChatID: userID},
	}); err != nil {
		b.o.Log.Warn("can't clear a staff menu", "chat", b.pseudonym(userID), "err", err)
	}
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
		b.setStaffMenu(ctx, m.UserID, b.staffLang(m), slices.Contains(b.o.Admins, m.UserID), m.Role)
	}
	for _, id := range b.o.Admins {
		if !slices.ContainsFunc(staff, func(m domain.StaffMember) bool { return m.UserID == id }) {
			b.setStaffMenu(ctx, id, b.o.Engine.MatchLanguage(""), true, "")
		}
	}
	return nil
}
