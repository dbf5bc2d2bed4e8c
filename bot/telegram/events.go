package telegram

import (
	"strings"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/dialog"
)

// toRequest converts an update; ok is false for updates the intake ignores
// (edits, channel posts, chat member changes, ...). Who acts is the
// sender (from.id), never only the chat: in a private chat the two are the
// same person, and an update whose sender and private chat disagree (one
// Telegram never sends; a forged one) is ignored, as is a private message
// without a sender.
func toRequest(upd *models.Update, username string) (chat.Request, bool) {
	switch {
	case upd.Message != nil:
		m := upd.Message
		in := chat.Request{Chat: m.Chat.ID, Private: m.Chat.Type == models.ChatTypePrivate, Message: m.ID}
		if in.Private {
			if m.From == nil || m.From.ID != m.Chat.ID {
				return chat.Request{}, false
			}
			in.Chat = m.From.ID
		}
		in.Event = messageEvent(m, username)
		in.Event.UpdateID = upd.ID
		return in, true
	case upd.CallbackQuery != nil:
		cq := upd.CallbackQuery
		in := chat.Request{Callback: cq.ID, Event: dialog.Event{Kind: dialog.EventButton, Data: cq.Data, Lang: cq.From.LanguageCode, UpdateID: upd.ID}}
		switch {
		case cq.Message.Message != nil:
			in.Chat = cq.Message.Message.Chat.ID
			in.Private = cq.Message.Message.Chat.Type == models.ChatTypePrivate
			in.Pressed = cq.Message.Message.ID
			if in.Private && in.Chat != cq.From.ID {
				return chat.Request{}, false
			}
		case cq.Message.InaccessibleMessage != nil:
			in.Chat = cq.Message.InaccessibleMessage.Chat.ID
			in.Private = in.Chat == cq.From.ID
			in.Pressed = cq.Message.InaccessibleMessage.MessageID
		default:
			// A press on a message sent inline: no chat to answer in.
			in.Chat, in.Private = cq.From.ID, false
		}
		if in.Private {
			in.Chat = cq.From.ID
		}
		return in, true
	}
	return chat.Request{}, false
}

func messageEvent(m *models.Message, username string) dialog.Event {
	ev := dialog.Event{}
	if m.From != nil {
		ev.Lang = m.From.LanguageCode
	}
	if m.Text != "" {
		if cmd, arg, ok := parseCommand(m.Text, username); ok {
			ev.Kind, ev.Command, ev.Arg = dialog.EventCommand, cmd, arg
			return ev
		}
		ev.Kind, ev.Text = dialog.EventText, m.Text
		return ev
	}
	ev.Kind = dialog.EventMedia
	switch {
	case m.Voice != nil, m.Audio != nil:
		ev.Media = "voice"
	case len(m.Photo) > 0:
		ev.Media = "photo"
	case m.Sticker != nil:
		ev.Media = "sticker"
	case m.Location != nil, m.Venue != nil:
		ev.Media = "location"
	case m.Video != nil, m.VideoNote != nil, m.Animation != nil:
		ev.Media = "video"
	case m.Document != nil:
		ev.Media = "document"
	default:
		ev.Media = "other"
	}
	return ev
}

// parseCommand reads "/name[@bot] [arg]". A command addressed to another
// bot is not a command for us; the name is matched without regard to case.
// Telegram allows 32 characters of [a-z0-9_] in a command name.
func parseCommand(text, username string) (string, string, bool) {
	if !strings.HasPrefix(text, "/") {
		return "", "", false
	}
	word, arg, _ := strings.Cut(text[1:], " ")
	if i := strings.IndexAny(word, "\n\t"); i >= 0 {
		word, arg = word[:i], strings.TrimSpace(word[i:]+" "+arg)
	}
	name, target, addressed := strings.Cut(word, "@")
	if addressed && username != "" && !strings.EqualFold(target, username) {
		return "", "", false
	}
	if name == "" || len(name) > 32 {
		return "", "", false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return "", "", false
		}
	}
	return strings.ToLower(name), strings.TrimSpace(arg), true
}
