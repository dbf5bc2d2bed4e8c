package telegram

import (
	"context"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/firstaid"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/telegram/pace"
	"github.com/intakebot/intakebot/dialog"
)

// Out is how the rooms talk to people: it renders dialog texts and buttons
// as Telegram HTML and inline keyboards, splits long texts, and sends
// through the Sender. Every person's words reach a message as a template
// variable or a raw label, which the renderer escapes. Each room declares
// the few methods it uses.
type Out struct {
	S *Sender
	R *render.Renderer

	// mem is the first aid given, and the language each chat was last
	// answered in by the conversation (first aid speaks it).
	mem firstaid.Memory
}

// Say sends texts as one message (split when long), with the keyboard
// under its last piece; it reports whether everything arrived.
func (o *Out) Say(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, texts ...dialog.Text) bool {
	return o.SayHTML(ctx, chat, lang, buttons, o.R.Join(lang, "\n\n", texts...), false)
}

// SayHTML sends rendered HTML; bulk sends wait behind live replies.
func (o *Out) SayHTML(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, body string, bulk bool) bool {
	kb := o.Keyboard(lang, buttons)
	chunks := render.Split(body, render.MaxMessageLen)
	ok := true
	for i, chunk := range chunks {
		var markup *models.InlineKeyboardMarkup
		if i == len(chunks)-1 {
			markup = kb
		}
		if bulk {
			ok = o.S.SendBulk(ctx, chat, chunk, markup) && ok
		} else {
			ok = o.S.Send(ctx, chat, chunk, markup) && ok
		}
	}
	return ok
}

// Remind sends texts as one bulk message (a reminder: it waits behind live
// replies) and says why it did not arrive: an error wrapping
// chat.ErrBlocked when the person blocked the bot.
func (o *Out) Remind(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, texts ...dialog.Text) error {
	body := o.R.Join(lang, "\n\n", texts...)
	kb := o.Keyboard(lang, buttons)
	chunks := render.Split(body, render.MaxMessageLen)
	for i, chunk := range chunks {
		var markup *models.InlineKeyboardMarkup
		if i == len(chunks)-1 {
			markup = kb
		}
		if err := o.S.SendBulkErr(ctx, chat, chunk, markup); err != nil {
			return err
		}
	}
	return nil
}

// SayForID sends one message of rendered HTML (not split) and returns its
// message ID, 0 if it did not arrive: for messages edited later (alerts).
func (o *Out) SayForID(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, body string) int {
	return o.S.sendForID(ctx, chat, body, o.Keyboard(lang, buttons))
}

// Edit replaces the pressed message, or sends the text when there is none
// or it can't be edited.
func (o *Out) Edit(ctx context.Context, in chat.Request, lang string, buttons [][]dialog.Button, texts ...dialog.Text) {
	body := o.R.Join(lang, "\n\n", texts...)
	if in.Pressed != 0 && render.Len(body) <= render.MaxMessageLen &&
		o.S.Edit(ctx, in.Chat, in.Pressed, body, o.Keyboard(lang, buttons)) {
		return
	}
	o.SayHTML(ctx, in.Chat, lang, buttons, body, false)
}

// EditHTML replaces the text and keyboard of a message of the bot; false
// when Telegram would not.
func (o *Out) EditHTML(ctx context.Context, chat int64, msgID int, lang string, buttons [][]dialog.Button, body string) bool {
	return o.S.Edit(ctx, chat, msgID, body, o.Keyboard(lang, buttons))
}

// Delete deletes up to 100 messages of chat at once, as a live reply.
// Telegram skips the messages it can't delete (too old, gone) and fails
// only when it could delete none.
func (o *Out) Delete(ctx context.Context, chat int64, ids []int) error {
	p := &tgbot.DeleteMessagesParams{ChatID: chat, MessageIDs: ids}
	return o.S.exchange(ctx, "deleteMessages", chat, pace.Live, func(ctx context.Context) error {
		_, err := o.S.API.DeleteMessages(ctx, p)
		return err
	}, nil)
}

// ClearKeyboard removes the inline keyboard under a message of the bot.
func (o *Out) ClearKeyboard(ctx context.Context, chat int64, msgID int) error {
	p := &tgbot.EditMessageReplyMarkupParams{ChatID: chat, MessageID: msgID,
		ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{}}}
	return o.S.exchange(ctx, "editMessageReplyMarkup", chat, pace.Live, func(ctx context.Context) error {
		_, err := o.S.API.EditMessageReplyMarkup(ctx, p)
		return err
	}, nil)
}

// SendDocument sends a file with a caption of rendered HTML.
func (o *Out) SendDocument(ctx context.Context, chat int64, filename string, data []byte, caption string) bool {
	return o.S.SendDocument(ctx, chat, filename, data, caption)
}

// Answer answers a button press (a no-op for a message): Telegram shows a
// spinner until then, and toast, when not empty, as a short notice.
func (o *Out) Answer(ctx context.Context, in chat.Request, toast string) {
	if in.IsPress() {
		o.S.AnswerCallbackIn(ctx, in.Chat, in.Callback, toast)
	}
}

// Show answers the request with the engine's replies: the press first
// (always: Telegram shows a spinner until then), then the messages. The
// first reply marked Edit replaces the pressed message; the rest are sent.
func (o *Out) Show(ctx context.Context, in chat.Request, lang string, toast *dialog.Text, msgs []dialog.Message) {
	o.mem.RememberLang(in.Chat, lang)
	text := ""
	if toast != nil {
		text = render.PlainText(o.R.Text(lang, *toast))
	}
	o.Answer(ctx, in, text)
	editTarget := in.Pressed
	for _, m := range msgs {
		if m.Echo && editTarget == 0 {
			continue
		}
		body := o.R.Message(lang, m)
		kb := o.Keyboard(lang, m.Buttons)
		chunks := render.Split(body, render.MaxMessageLen)
		for i, chunk := range chunks {
			var markup *models.InlineKeyboardMarkup
			if i == len(chunks)-1 {
				markup = kb
			}
			if i == 0 && m.Edit && editTarget != 0 {
				target := editTarget
				editTarget = 0
				if o.S.Edit(ctx, in.Chat, target, chunk, markup) {
					continue
				}
			}
			o.S.Send(ctx, in.Chat, chunk, markup)
		}
	}
}

// Keyboard turns rows of buttons into an inline keyboard; nil for none.
func (o *Out) Keyboard(lang string, rows [][]dialog.Button) *models.InlineKeyboardMarkup {
	if len(rows) == 0 {
		return nil
	}
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: make([][]models.InlineKeyboardButton, 0, len(rows))}
	for _, row := range rows {
		r := make([]models.InlineKeyboardButton, 0, len(row))
		for _, btn := range row {
			r = append(r, models.InlineKeyboardButton{Text: o.R.Label(lang, btn), CallbackData: btn.Data})
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, r)
	}
	return kb
}
