package telegramtest

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// chat is one chat with everything said in it.
type chat struct {
	id     int64
	typ    models.ChatType
	nextID int64
	msgs   []*message
	byID   map[int64]*message
}

// message is one message of a chat, in its current version.
type message struct {
	id        int64
	fromBot   bool
	from      models.User
	date      int64
	editDate  int64
	kind      string // "text" or the media field, e.g. "document", "photo"
	text      string // text or caption as displayed
	entities  []models.MessageEntity
	source    string // text or caption as sent, before parsing
	parseMode string
	markup    markup
	preview   json.RawMessage // link_preview_options as sent
	media     json.RawMessage // the value of the media field
	document  *File           // an uploaded document
	deleted   bool
	edits     int
}

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

// chatLocked returns the chat, creating it with type typ if it is new. An
// empty typ means private for positive ids and group for negative ones.
func (s *Server) chatLocked(id int64, typ models.ChatType) *chat {
	if c, ok := s.chats[id]; ok {
		return c
	}
	if typ == "" {
		typ = models.ChatTypePrivate
		if id < 0 {
			typ = models.ChatTypeGroup
		}
	}
	c := &chat{id: id, typ: typ, nextID: 1, byID: map[int64]*message{}}
	s.chats[id] = c
	return c
}

// model is the chat as it appears in a Message.
func (c *chat) model() models.Chat {
	mc := models.Chat{ID: c.id, Type: c.typ}
	if c.typ == models.ChatTypePrivate {
		mc.FirstName = testFirstName
	} else {
		mc.Title = "Test group"
	}
	return mc
}

// addLocked gives m the chat's next message id and appends it.
func (s *Server) addLocked(c *chat, m *message) {
	m.id = c.nextID
	c.nextID++
	if m.date == 0 {
		m.date = time.Now().Unix()
	}
	c.msgs = append(c.msgs, m)
	c.byID[m.id] = m
	s.trimLocked(c)
	s.touchLocked()
}

// wire is the message as Telegram's JSON Message object.
func (c *chat) wire(m *message) map[string]any {
	from := m.from
	w := map[string]any{"message_id": m.id, "from": &from, "chat": c.model(), "date": m.date}
	if m.editDate != 0 {
		w["edit_date"] = m.editDate
	}
	if m.kind == "text" {
		w["text"] = m.text
		if len(m.entities) > 0 {
			w["entities"] = m.entities
		}
		if m.preview != nil {
			w["link_preview_options"] = m.preview
		}
	} else {
		w[m.kind] = m.media
		if m.text != "" {
			w["caption"] = m.text
			if len(m.entities) > 0 {
				w["caption_entities"] = m.entities
			}
		}
	}
	if m.markup.inline != nil {
		w["reply_markup"] = m.markup.inline
	}
	return w
}

func botUser() models.User {
	return models.User{ID: BotID, IsBot: true, FirstName: BotFirstName, Username: BotUsername}
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

func (s *Server) transcript(chatID int64, withDeleted bool) []Msg {
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

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
