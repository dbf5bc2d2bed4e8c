package telegram

import (
	"context"
	"log/slog"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/dialog"
)

// Menus registers the command menus the route table derives: the young
// person's in every private chat, in each language, and a staff member's
// in their own chat. A failure is logged: the commands work without a menu.
type Menus struct {
	API        TelegramAPI
	Routes     *Routes
	R          *render.Renderer
	Log        *slog.Logger
	Pseudonyms chat.Pseudonyms
}

// RegisterYoung sets the menu of every private chat in each language
// (the empty code is Telegram's default, in def).
func (m *Menus) RegisterYoung(ctx context.Context, langs []string, def string) {
	names := m.Routes.Commands(MenuYoung)
	for _, lang := range append([]string{""}, langs...) {
		textLang := lang
		if textLang == "" {
			textLang = def
		}
		_, err := m.API.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{
			Commands: m.commands(textLang, names), Scope: &models.BotCommandScopeAllPrivateChats{}, LanguageCode: lang,
		})
		if err != nil {
			m.Log.Warn("can't register the command menu", "lang", lang, "err", err)
		}
	}
}

// SetStaff puts the commands of a's roles in the menu of a's chat, in lang,
// and /help last.
func (m *Menus) SetStaff(ctx context.Context, a chat.Actor, lang string) {
	names := append(m.Routes.Commands(MenusOf(a)), "help")
	if _, err := m.API.SetMyCommands(ctx, &tgbot.SetMyCommandsParams{
		Commands: m.commands(lang, names), Scope: &models.BotCommandScopeChat{ChatID: a.ID},
	}); err != nil {
		m.Log.Warn("can't set a staff menu", "chat", m.Pseudonyms.Of(a.ID), "err", err)
	}
}

// ClearStaff gives userID's chat the menu of everyone again.
func (m *Menus) ClearStaff(ctx context.Context, userID int64) {
	if _, err := m.API.DeleteMyCommands(ctx, &tgbot.DeleteMyCommandsParams{
		Scope: &models.BotCommandScopeChat{ChatID: userID},
	}); err != nil {
		m.Log.Warn("can't clear a staff menu", "chat", m.Pseudonyms.Of(userID), "err", err)
	}
}

func (m *Menus) commands(lang string, names []string) []models.BotCommand {
	cmds := make([]models.BotCommand, 0, len(names))
	for _, n := range names {
		cmds = append(cmds, models.BotCommand{Command: n, Description: render.PlainText(m.R.Text(lang, dialog.T("cmd."+n)))})
	}
	return cmds
}
