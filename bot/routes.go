package bot

import (
	"context"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/dialog"
)

// routeTable is every command and every button of the workflows: who may
// use it, which menu lists it, and who handles it. Parsing, the command
// menus and the staff's /help are derived from it. To add a command, add
// its line here, its handler, and its texts ("cmd.<name>", and a help
// text for staff) to every locale file.
func (b *Bot) routeTable() *telegram.Routes {
	converse := func(ctx context.Context, in chat.Request, _ chat.Actor) error { return b.conv.Handle(ctx, in) }
	// /pause, /back and /skip are the open check-in's, if it takes them.
	step := func(ctx context.Context, in chat.Request, _ chat.Actor) error { return b.converse(ctx, in) }
	routes := []telegram.Route{
		// The young person's menu, in this order. The conversation
		// (the engine) handles most of them.
		{Command: "start", Who: telegram.Everyone, Menu: telegram.MenuYoung, Do: b.start},
		{Command: "help", Who: telegram.Everyone, Menu: telegram.MenuYoung, Do: converse},
		{Command: "urgent", Aliases: []string{"dringend"}, Who: telegram.Everyone, Menu: telegram.MenuYoung, Do: converse},
		{Command: "language", Aliases: []string{"taal"}, Who: telegram.Everyone, Menu: telegram.MenuYoung, Do: converse},
		{Command: "pause", Who: telegram.Everyone, Menu: telegram.MenuYoung, Do: step},
		{Command: "back", Who: telegram.Everyone, Menu: telegram.MenuYoung, Do: step},
		{Command: "skip", Who: telegram.Everyone, Menu: telegram.MenuYoung, Do: step},
		// Privacy: for anyone, in every state, before anything else.
		{Command: cmdMyData, Who: telegram.Everyone, Menu: telegram.MenuYoung, Do: b.privacy.MyData},
		{Command: cmdDelete, Who: telegram.Everyone, Menu: telegram.MenuYoung, Do: b.privacy.AskErase},
		{Command: cmdExit, Who: telegram.Everyone, Menu: telegram.MenuYoung, Do: b.privacy.QuickExit},
		{Button: chat.ActEraseYes, Who: telegram.Everyone, Do: b.privacy.EraseButton},
		{Button: chat.ActEraseNo, Who: telegram.Everyone, Do: b.privacy.EraseButton},
	}
	routes = append(routes,
		// Staff, in the order of their menu and /help.
		telegram.Route{Command: "invite", Who: telegram.Members, Menu: telegram.MenuMembers, Help: "staff.help.work",
			Do: func(ctx context.Context, in chat.Request, a chat.Actor) error {
				return b.staff.Invite(ctx, a, in.Event.Arg)
			}},
		telegram.Route{Command: "cases", Who: telegram.Members, Menu: telegram.MenuMembers, Help: "staff.help.work",
			Do: func(ctx context.Context, _ chat.Request, a chat.Actor) error { return b.staff.Caseload(ctx, a) }},
		telegram.Route{Command: "remind", Aliases: []string{"herinner"}, Who: telegram.Members, Menu: telegram.MenuMembers, Help: "remind.help", Do: b.remind.Command},
		telegram.Route{Command: "staff", Who: telegram.Admins, Menu: telegram.MenuAdmins, Help: "staff.help.admin",
			Do: func(ctx context.Context, _ chat.Request, a chat.Actor) error { return b.staff.StaffOverview(ctx, a) }},
		telegram.Route{Command: "oncall", Who: telegram.Admins, Menu: telegram.MenuAdmins, Help: "oncall.help", Do: b.alerts.OnCallCommand},
		telegram.Route{Command: "audit", Who: telegram.Admins, Menu: telegram.MenuAdmins, Help: "audit.help",
			Do: func(ctx context.Context, _ chat.Request, a chat.Actor) error { return b.staff.AuditTrail(ctx, a) }},

		// Staff buttons.
		b.press(chat.ActStaffLink, telegram.Admins, b.staff.AdminButton),
		b.press(chat.ActRevokeAsk, telegram.Admins, b.staff.AdminButton),
		b.press(chat.ActRevokeYes, telegram.Admins, b.staff.AdminButton),
		b.press(chat.ActRevokeNo, telegram.Admins, b.staff.AdminButton),
		b.press(chat.ActInviteFor, telegram.Counsellors, func(ctx context.Context, in chat.Request, a chat.Actor, _, arg string) (dialog.Text, error) {
			return b.staff.InviteFor(ctx, in, a, arg)
		}),
		b.press(chat.ActAcknowledge, telegram.Known, b.staff.CaseButton),
		b.press(chat.ActOpenSummary, telegram.Known, b.staff.CaseButton),
		b.press(chat.ActNewLink, telegram.Known, b.staff.CaseButton),
		b.press(chat.ActProView, telegram.Known, b.staff.ViewButton),
		telegram.Route{Button: chat.ActTakeAlert, Who: telegram.Known, Press: b.alerts.Take},
		b.press(chat.ActOnCallAdd, telegram.Admins, b.alerts.OnCallButton),
		b.press(chat.ActOnCallNo, telegram.Admins, b.alerts.OnCallButton),

		// Reminders: the young person's answers, and the staff's /remind.
		b.press(chat.ActRemindDone, telegram.Everyone, b.remind.Answer),
		b.press(chat.ActRemindSnooze, telegram.Everyone, b.remind.Answer),
		b.press(chat.ActRemindStop, telegram.Everyone, b.remind.Answer),
		// The weekly check-in: its reminder's button and its engine's.
		telegram.Route{Button: chat.ActCheckinStart, Who: telegram.Everyone, Do: b.remind.CheckinButton},
		telegram.Route{Button: chat.ActCheckin, Who: telegram.Everyone, Do: b.remind.CheckinButton},
	)
	for _, act := range []string{chat.ActRemindNew, chat.ActRemindWho, chat.ActRemindWhat, chat.ActRemindWhen,
		chat.ActRemindRepeat, chat.ActRemindSave, chat.ActRemindCancel, chat.ActRemindMove} {
		routes = append(routes, b.press(act, telegram.Members, b.remind.Button))
	}
	return telegram.NewRoutes(routes...)
}

// press routes a staff button to a handler that also gets the action.
func (b *Bot) press(act string, who telegram.Who, h func(ctx context.Context, in chat.Request, a chat.Actor, act, arg string) (dialog.Text, error)) telegram.Route {
	return telegram.Route{Button: act, Who: who, Press: func(ctx context.Context, in chat.Request, a chat.Actor, arg string) (dialog.Text, error) {
		return h(ctx, in, a, act, arg)
	}}
}

// start is /start: with a link it opens the link, else the conversation.
func (b *Bot) start(ctx context.Context, in chat.Request, _ chat.Actor) error {
	if in.Event.Arg == "" {
		return b.conv.Handle(ctx, in)
	}
	return b.conv.Guard(ctx, in, func() error {
		prep, done, err := b.staff.OpenLink(ctx, in)
		if err != nil || done {
			return err
		}
		return b.conv.HandleWith(ctx, in, prep)
	})
}

// Routes is the route table (for the tests of its texts).
func (b *Bot) Routes() *telegram.Routes { return b.routes }

// The young person's privacy commands act on Telegram itself and on the
// staff's side; the terminal demo says what they do instead.
const (
	cmdMyData = "mydata"
	cmdDelete = "delete"
	cmdExit   = "exit"
)

// TelegramOnly reports whether a young person's command is carried out
// only by the bot in Telegram.
func TelegramOnly(command string) bool {
	return command == cmdMyData || command == cmdDelete || command == cmdExit
}
