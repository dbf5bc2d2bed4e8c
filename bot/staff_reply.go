package bot

import (
	"context"
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/dialog"
)

// What the bot says outside the engine: to staff, and to young people
// about links and acknowledgements. Every person's words reach a message
// as a template variable or a raw label, which the renderer escapes.

// say sends texts as one message (split when long), with the keyboard
// under its last piece; it reports whether everything arrived.
func (b *Bot) say(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, texts ...dialog.Text) bool {
	return b.sayHTML(ctx, chat, lang, buttons, b.render(lang, "\n\n", texts...), false)
}

// render renders texts in lang, joined by sep.
func (b *Bot) render(lang, sep string, texts ...dialog.Text) string {
	parts := make([]string, 0, len(texts))
	for _, t := range texts {
		parts = append(parts, b.o.Renderer.Text(lang, t))
	}
	return strings.Join(parts, sep)
}

// sayHTML sends rendered HTML; bulk sends wait behind live replies.
func (b *Bot) sayHTML(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, body string, bulk bool) bool {
	kb := b.keyboard(lang, buttons)
	chunks := Split(body, MaxMessageLen)
	ok := true
	for i, chunk := range chunks {
		var markup *models.InlineKeyboardMarkup
		if i == len(chunks)-1 {
			markup = kb
		}
		if bulk {
			ok = b.sender.SendBulk(ctx, chat, chunk, markup) && ok
		} else {
			ok = b.sender.Send(ctx, chat, chunk, markup) && ok
		}
	}
	return ok
}

// edit replaces the pressed message, or sends the text when there is none
// or it can't be edited.
func (b *Bot) edit(ctx context.Context, in incoming, lang string, buttons [][]dialog.Button, texts ...dialog.Text) {
	body := b.render(lang, "\n\n", texts...)
	if in.pressedMsg != 0 && utf16Len(body) <= MaxMessageLen &&
		b.sender.Edit(ctx, in.chatID, in.pressedMsg, body, b.keyboard(lang, buttons)) {
		return
	}
	b.sayHTML(ctx, in.chatID, lang, buttons, body, false)
}

// rawButton is a button labelled with a person's words, cut short.
func rawButton(prefix, label, data string) dialog.Button {
	r := []rune(strings.Join(strings.Fields(label), " "))
	if len(r) > maxLabelRunes {
		r = append(r[:maxLabelRunes-1], '…')
	}
	return dialog.Button{Label: dialog.Raw(prefix + string(r)), Data: data}
}

// staffHelp tells a staff member what they can do here.
func (b *Bot) staffHelp(ctx context.Context, chat int64, a actor, first ...dialog.Text) {
	texts := append(first, dialog.T("staff.help", "Role", a.role()))
	if a.isMember {
		texts = append(texts, dialog.T("staff.help.work"))
	}
	if a.admin {
		texts = append(texts, dialog.T("staff.help.admin"), dialog.T("oncall.help"), dialog.T("audit.help"))
	}
	b.say(ctx, chat, a.lang, nil, texts...)
}
