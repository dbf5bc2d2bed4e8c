package telegram

import (
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
)

func TestParseCommand(t *testing.T) {
	const me = telegramtest.BotUsername
	tests := []struct {
		text      string
		name, arg string
		ok        bool
	}{
		{"/start", "start", "", true},
		{"/start TOKEN", "start", "TOKEN", true},
		{"/start   TOKEN  ", "start", "TOKEN", true},
		{"/START", "start", "", true},
		{"/Help", "help", "", true},
		{"/start@" + me + " x", "start", "x", true},
		{"/start@" + strings.ToUpper(me), "start", "", true},
		{"/start@otherbot", "", "", false},
		{"/start@otherbot x", "", "", false},
		{"/start@", "", "", false},
		{"/", "", "", false},
		{"/ start", "", "", false},
		{"/ä", "", "", false},
		{"/start-now", "", "", false},
		{"/" + strings.Repeat("a", 32), strings.Repeat("a", 32), "", true},
		{"/" + strings.Repeat("a", 33), "", "", false},
		{"/help\nmore", "help", "more", true},
		{"/help\tmore text", "help", "more text", true},
		{"/skip_2", "skip_2", "", true},
		{"start", "", "", false},
		{" /start", "", "", false},
		{"", "", "", false},
		{"https://example.org/start", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			name, arg, ok := parseCommand(tc.text, me)
			if name != tc.name || arg != tc.arg || ok != tc.ok {
				t.Fatalf("parseCommand(%q) = %q, %q, %v; want %q, %q, %v", tc.text, name, arg, ok, tc.name, tc.arg, tc.ok)
			}
		})
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"/start", "/start TOKEN", "/START@intake_test_bot x", "/start@otherbot", "/", "/ä", "/help\nmore", "/a@b@c d", "/\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		name, arg, ok := parseCommand(text, telegramtest.BotUsername)
		if !ok {
			if name != "" || arg != "" {
				t.Fatalf("not a command, yet name %q arg %q", name, arg)
			}
			return
		}
		if len(name) < 1 || len(name) > 32 {
			t.Fatalf("command name %q has %d bytes", name, len(name))
		}
		for _, r := range name {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
				t.Fatalf("command name %q holds %q", name, r)
			}
		}
		if arg != strings.TrimSpace(arg) {
			t.Fatalf("argument %q not trimmed", arg)
		}
	})
}

func TestToIncoming(t *testing.T) {
	const me = telegramtest.BotUsername
	person := &models.User{ID: 42, FirstName: "Test", LanguageCode: "en-GB"}
	private := models.Chat{ID: 42, Type: models.ChatTypePrivate}
	group := models.Chat{ID: -100, Type: models.ChatTypeGroup}
	tests := []struct {
		name    string
		upd     models.Update
		ok      bool
		chat    int64
		private bool
		ev      dialog.Event
		pressed int
	}{
		{
			name: "text", ok: true, chat: 42, private: true,
			upd: models.Update{ID: 7, Message: &models.Message{ID: 3, From: person, Chat: private, Text: "Een eigen huis"}},
			ev:  dialog.Event{Kind: dialog.EventText, Text: "Een eigen huis", Lang: "en-GB", UpdateID: 7},
		},
		{
			name: "command", ok: true, chat: 42, private: true,
			upd: models.Update{ID: 8, Message: &models.Message{ID: 4, From: person, Chat: private, Text: "/start@" + me + " abc"}},
			ev:  dialog.Event{Kind: dialog.EventCommand, Command: "start", Arg: "abc", Lang: "en-GB", UpdateID: 8},
		},
		{
			name: "command for another bot is text", ok: true, chat: 42, private: true,
			upd: models.Update{ID: 9, Message: &models.Message{ID: 5, From: person, Chat: private, Text: "/start@otherbot"}},
			ev:  dialog.Event{Kind: dialog.EventText, Text: "/start@otherbot", Lang: "en-GB", UpdateID: 9},
		},
		{
			name: "photo", ok: true, chat: 42, private: true,
			upd: models.Update{ID: 10, Message: &models.Message{ID: 6, From: person, Chat: private, Photo: []models.PhotoSize{{FileID: "p"}}, Caption: "kijk"}},
			ev:  dialog.Event{Kind: dialog.EventMedia, Media: "photo", Lang: "en-GB", UpdateID: 10},
		},
		{
			name: "venue is a location", ok: true, chat: 42, private: true,
			upd: models.Update{ID: 11, Message: &models.Message{ID: 7, From: person, Chat: private, Venue: &models.Venue{Title: "x"}}},
			ev:  dialog.Event{Kind: dialog.EventMedia, Media: "location", Lang: "en-GB", UpdateID: 11},
		},
		{
			name: "contact is other", ok: true, chat: 42, private: true,
			upd: models.Update{ID: 12, Message: &models.Message{ID: 8, From: person, Chat: private, Contact: &models.Contact{PhoneNumber: "1"}}},
			ev:  dialog.Event{Kind: dialog.EventMedia, Media: "other", Lang: "en-GB", UpdateID: 12},
		},
		{
			// Telegram always names the sender in a private chat: who
			// acts is from.id, so without one nobody does.
			name: "private message without sender is ignored",
			upd:  models.Update{ID: 13, Message: &models.Message{ID: 9, Chat: private, Text: "hoi"}},
		},
		{
			name: "private message from someone else is ignored",
			upd:  models.Update{ID: 13, Message: &models.Message{ID: 9, From: &models.User{ID: 43}, Chat: private, Text: "/cases"}},
		},
		{
			name: "press in a private chat by someone else is ignored",
			upd: models.Update{ID: 15, CallbackQuery: &models.CallbackQuery{ID: "cb", From: models.User{ID: 43}, Data: "x:rvy:7",
				Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: &models.Message{ID: 5, Chat: private}}}},
		},
		{
			name: "group text", ok: true, chat: -100, private: false,
			upd: models.Update{ID: 14, Message: &models.Message{ID: 1, From: person, Chat: group, Text: "hallo"}},
			ev:  dialog.Event{Kind: dialog.EventText, Text: "hallo", Lang: "en-GB", UpdateID: 14},
		},
		{
			name: "button", ok: true, chat: 42, private: true, pressed: 5,
			upd: models.Update{ID: 15, CallbackQuery: &models.CallbackQuery{ID: "cb", From: *person, Data: "a:1:q:x",
				Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: &models.Message{ID: 5, Chat: private}}}},
			ev: dialog.Event{Kind: dialog.EventButton, Data: "a:1:q:x", Lang: "en-GB", UpdateID: 15},
		},
		{
			name: "button on an inaccessible message", ok: true, chat: 42, private: true, pressed: 2,
			upd: models.Update{ID: 16, CallbackQuery: &models.CallbackQuery{ID: "cb", From: *person, Data: "x",
				Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeInaccessibleMessage, InaccessibleMessage: &models.InaccessibleMessage{Chat: private, MessageID: 2}}}},
			ev: dialog.Event{Kind: dialog.EventButton, Data: "x", Lang: "en-GB", UpdateID: 16},
		},
		{
			name: "button on an inaccessible group message", ok: true, chat: -100, private: false, pressed: 2,
			upd: models.Update{ID: 17, CallbackQuery: &models.CallbackQuery{ID: "cb", From: *person, Data: "x",
				Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeInaccessibleMessage, InaccessibleMessage: &models.InaccessibleMessage{Chat: group, MessageID: 2}}}},
			ev: dialog.Event{Kind: dialog.EventButton, Data: "x", Lang: "en-GB", UpdateID: 17},
		},
		{
			name: "button in a group", ok: true, chat: -100, private: false, pressed: 1,
			upd: models.Update{ID: 18, CallbackQuery: &models.CallbackQuery{ID: "cb", From: *person, Data: "x",
				Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: &models.Message{ID: 1, Chat: group}}}},
			ev: dialog.Event{Kind: dialog.EventButton, Data: "x", Lang: "en-GB", UpdateID: 18},
		},
		{
			name: "button on an inline message", ok: true, chat: 42, private: false,
			upd: models.Update{ID: 19, CallbackQuery: &models.CallbackQuery{ID: "cb", From: *person, Data: "x", InlineMessageID: "i"}},
			ev:  dialog.Event{Kind: dialog.EventButton, Data: "x", Lang: "en-GB", UpdateID: 19},
		},
		{
			name: "edited message is ignored",
			upd:  models.Update{ID: 20, EditedMessage: &models.Message{ID: 1, From: person, Chat: private, Text: "x"}},
		},
		{
			name: "chat member change is ignored",
			upd:  models.Update{ID: 21, MyChatMember: &models.ChatMemberUpdated{Chat: private}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, ok := toRequest(&tc.upd, me)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			if in.Chat != tc.chat || in.Private != tc.private || in.Pressed != tc.pressed {
				t.Fatalf("chat %d private %v pressed %d; want %d %v %d", in.Chat, in.Private, in.Pressed, tc.chat, tc.private, tc.pressed)
			}
			if in.Event != tc.ev {
				t.Fatalf("event = %+v\nwant    %+v", in.Event, tc.ev)
			}
			if tc.upd.CallbackQuery != nil && in.Callback != tc.upd.CallbackQuery.ID || (tc.upd.CallbackQuery != nil) != in.IsPress() {
				t.Fatal("callback query not kept for its answer")
			}
		})
	}
}

// FuzzToRequestActsOnlyAsTheSender: whatever an update claims, a private
// request is always the sender's own (Chat is from.id), and a press or
// message by someone else in a private chat is never turned into one.
func FuzzToRequestActsOnlyAsTheSender(f *testing.F) {
	f.Add(int64(42), int64(42), true, true, false, "hallo")
	f.Add(int64(42), int64(43), true, true, false, "/cases")
	f.Add(int64(42), int64(43), true, true, true, "x:rvy:7")
	f.Add(int64(-100), int64(42), false, true, true, "x")
	f.Add(int64(42), int64(0), true, false, false, "hoi")
	f.Fuzz(func(t *testing.T, chatID, fromID int64, private, hasFrom, press bool, text string) {
		c := models.Chat{ID: chatID, Type: models.ChatTypeGroup}
		if private {
			c.Type = models.ChatTypePrivate
		}
		var upd models.Update
		if press {
			upd.CallbackQuery = &models.CallbackQuery{ID: "cb", From: models.User{ID: fromID}, Data: text,
				Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: &models.Message{ID: 1, Chat: c}}}
		} else {
			upd.Message = &models.Message{ID: 1, Chat: c, Text: text}
			if hasFrom {
				upd.Message.From = &models.User{ID: fromID}
			}
		}
		in, ok := toRequest(&upd, telegramtest.BotUsername)
		if !ok || !in.Private {
			if ok && private {
				t.Fatalf("a private update came out as not private: %+v", in)
			}
			return
		}
		if (!press && !hasFrom) || in.Chat != fromID || chatID != fromID {
			t.Fatalf("private request for chat %d from update chat %d, sender %d (has sender %v)", in.Chat, chatID, fromID, hasFrom || press)
		}
	})
}
