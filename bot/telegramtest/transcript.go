package telegramtest

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// Msg is one message of a chat transcript as the person in the chat sees
// it: the current version after edits.
type Msg struct {
	ID      int64
	FromBot bool
	// Kind is "text" or the media field of the message: "document",
	// "photo", "sticker", "voice", "location", "video", ...
	Kind string
	// Text is the text or caption as displayed: HTML tags removed, entities
	// unescaped, surrounding whitespace trimmed.
	Text string
	// Source is the text or caption as the bot sent it (before parsing).
	// For user messages it equals Text.
	Source    string
	ParseMode string
	Entities  []models.MessageEntity
	// Keyboard is the current inline keyboard, row by row; nil if none.
	Keyboard [][]Button
	// ReplyKeyboard holds the button texts of a reply keyboard the message
	// was sent with; RemoveKeyboard is set when it was sent with
	// remove_keyboard.
	ReplyKeyboard  [][]string
	RemoveKeyboard bool
	// Document is the file of a sendDocument upload.
	Document *File
	// Edits counts successful edits of text or keyboard.
	Edits int
	// Deleted is set for deleted messages; only History returns those.
	Deleted bool
}

// Buttons returns the inline keyboard's buttons, row after row.
func (m Msg) Buttons() []Button {
	var out []Button
	for _, row := range m.Keyboard {
		out = append(out, row...)
	}
	return out
}

// Button finds the first inline button whose visible text contains sub.
func (m Msg) Button(sub string) (Button, bool) {
	for _, b := range m.Buttons() {
		if strings.Contains(b.Text, sub) {
			return b, true
		}
	}
	return Button{}, false
}

func (m *message) msg() Msg {
	out := Msg{
		ID: m.id, FromBot: m.fromBot, Kind: m.kind, Text: m.text, Source: m.source,
		ParseMode: m.parseMode, Entities: append([]models.MessageEntity(nil), m.entities...),
		ReplyKeyboard: m.markup.reply, RemoveKeyboard: m.markup.remove,
		Document: m.document, Edits: m.edits, Deleted: m.deleted,
	}
	for _, row := range m.markup.rows {
		out.Keyboard = append(out.Keyboard, append([]Button(nil), row...))
	}
	return out
}

// Chat returns the transcript of a chat as the person sees it: the user's
// and the bot's messages in order, each in its current version. Deleted
// messages are left out (see History). Unknown chats give nil. A server
// made WithoutHistory returns only the last KeptMessages messages.
func (s *Server) Chat(chatID int64) []Msg {
	return s.transcript(chatID, false)
}

// History is like Chat but keeps deleted messages, marked Deleted.
func (s *Server) History(chatID int64) []Msg {
	return s.transcript(chatID, true)
}

func (s *state) transcript(chatID int64, withDeleted bool) []Msg {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.chats[chatID]
	if !ok {
		return nil
	}
	var out []Msg
	for _, m := range c.msgs {
		if withDeleted || !m.deleted {
			out = append(out, m.msg())
		}
	}
	return out
}

// LastBotMessage returns the bot's latest message in the chat that is not
// deleted, or the zero Msg (ID 0) if there is none.
func (s *Server) LastBotMessage(chatID int64) Msg {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.chats[chatID]; ok {
		for i := len(c.msgs) - 1; i >= 0; i-- {
			if m := c.msgs[i]; m.fromBot && !m.deleted {
				return m.msg()
			}
		}
	}
	return Msg{}
}

// WaitMessage waits until the chat shows a bot message (in its current
// version, not deleted) that satisfies match (nil matches any) and returns
// the latest such message; messages that are already there count. On
// timeout it fails the test with the transcript, so call it from the test
// goroutine.
func (s *Server) WaitMessage(tb testing.TB, chatID int64, timeout time.Duration, match func(Msg) bool) Msg {
	tb.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		msgs := s.Chat(chatID)
		for i := len(msgs) - 1; i >= 0; i-- {
			if msgs[i].FromBot && (match == nil || match(msgs[i])) {
				return msgs[i]
			}
		}
		select {
		case <-ch:
		case <-timer.C:
			tb.Fatalf("telegramtest: no matching bot message in chat %d within %v; transcript:\n%s", chatID, timeout, FormatTranscript(msgs))
			return Msg{}
		}
	}
}

// FormatTranscript renders messages one per line ("bot: ..." or
// "user: ...", with buttons in brackets), for failure messages.
func FormatTranscript(msgs []Msg) string {
	if len(msgs) == 0 {
		return "  (empty)"
	}
	var b strings.Builder
	for _, m := range msgs {
		who := "user"
		if m.FromBot {
			who = "bot"
		}
		b.WriteString("  #" + strconv.FormatInt(m.ID, 10) + " " + who + ": ")
		if m.Kind != "text" {
			b.WriteString("[" + m.Kind + "] ")
		}
		b.WriteString(strings.ReplaceAll(m.Text, "\n", "\n      "))
		for _, row := range m.Keyboard {
			for _, btn := range row {
				b.WriteString(" [" + btn.Text + "]")
			}
		}
		if m.Deleted {
			b.WriteString(" (deleted)")
		}
		b.WriteByte('\n')
	}
	return b.String()
}
