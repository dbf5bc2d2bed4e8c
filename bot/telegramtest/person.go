package telegramtest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/telegramtest/tghtml"
)

// SendText simulates the user writing text in a private chat and returns
// the update_id. The message gets the chat's next message id, so the user's
// and the bot's messages share one sequence, and appears in Chat. A text
// starting with "/" carries a bot_command entity over the command (up to the
// first whitespace). An empty languageCode keeps the user's previous one.
func (s *Server) SendText(chatID, userID int64, text, languageCode string) int64 {
	return s.sendUserText(chatID, userID, text, languageCode, models.ChatTypePrivate)
}

// SendGroupText simulates the user writing text in a group chat (type
// "group"; Telegram group ids are negative) and returns the update_id.
func (s *Server) SendGroupText(chatID, userID int64, text string) int64 {
	return s.sendUserText(chatID, userID, text, "", models.ChatTypeGroup)
}

func (s *Server) sendUserText(chatID, userID int64, text, lang string, typ models.ChatType) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(chatID, typ)
	m := &message{
		from: s.userLocked(userID, lang), kind: "text", text: text, source: text,
		entities: commandEntity(text),
	}
	s.addLocked(c, m)
	return s.pushFieldLocked("message", c.wire(m))
}

// commandEntity marks a leading "/command" (or "/command@bot") like
// Telegram clients do.
func commandEntity(text string) []models.MessageEntity {
	if len(text) < 2 || text[0] != '/' || unicode.IsSpace(rune(text[1])) {
		return nil
	}
	end := strings.IndexFunc(text, unicode.IsSpace)
	if end < 0 {
		end = len(text)
	}
	return []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: 0, Length: tghtml.UTF16Len(text[:end])}}
}

// MediaKinds are the kinds SendMedia accepts.
var MediaKinds = []string{"photo", "sticker", "voice", "location", "document", "video", "audio", "video_note", "contact"}

// mediaJSON builds the media field of a user message of the given kind.
func mediaJSON(kind, fileID string, userID int64) (any, bool) {
	file := func(extra map[string]any) map[string]any {
		m := map[string]any{"file_id": fileID, "file_unique_id": "u" + fileID}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	switch kind {
	case "photo":
		return []any{
			file(map[string]any{"file_id": fileID + "-s", "file_unique_id": "u" + fileID + "-s", "width": 90, "height": 68, "file_size": 1200}),
			file(map[string]any{"width": 1280, "height": 960, "file_size": 98000}),
		}, true
	case "sticker":
		return file(map[string]any{"type": "regular", "width": 512, "height": 512, "is_animated": false, "is_video": false, "emoji": "👍"}), true
	case "voice":
		return file(map[string]any{"duration": 3, "mime_type": "audio/ogg", "file_size": 5400}), true
	case "audio":
		return file(map[string]any{"duration": 30, "mime_type": "audio/mpeg", "file_size": 480000}), true
	case "video":
		return file(map[string]any{"width": 640, "height": 480, "duration": 5, "mime_type": "video/mp4", "file_size": 250000}), true
	case "video_note":
		return file(map[string]any{"length": 240, "duration": 4, "file_size": 90000}), true
	case "document":
		return file(map[string]any{"file_name": "file.pdf", "mime_type": "application/pdf", "file_size": 12345}), true
	case "location":
		return map[string]any{"latitude": 52.3676, "longitude": 4.9041}, true
	case "contact":
		return map[string]any{"phone_number": "+31600000000", "first_name": testFirstName, "user_id": userID}, true
	}
	return nil, false
}

// SendMedia simulates the user sending a message without text in a private
// chat, carrying the field kind (one of MediaKinds: "photo", "sticker",
// "voice", "location", "document", "video", "audio", "video_note",
// "contact") with plausible content, and returns the update_id. An unknown
// kind is a bug in the test and panics.
func (s *Server) SendMedia(chatID, userID int64, kind string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(chatID, models.ChatTypePrivate)
	media, ok := mediaJSON(kind, fmt.Sprintf("%s-%d-%d", kind, chatID, c.nextID), userID)
	if !ok {
		panic(fmt.Sprintf("telegramtest: SendMedia: unknown kind %q (want one of %v)", kind, MediaKinds))
	}
	raw, _ := json.Marshal(media)
	m := &message{from: s.userLocked(userID, ""), kind: kind, media: raw}
	s.addLocked(c, m)
	return s.pushFieldLocked("message", c.wire(m))
}

// PressButton simulates the user pressing an inline button with callback
// data on message messageID and returns the update_id. The callback_query
// gets a unique id (see Unanswered), the user, the data, and the message in
// its current version, reply_markup included. For a message that does not
// exist or is deleted, the query carries an inaccessible message (date 0),
// as Telegram sends for messages it no longer shows. PressButton does not
// check that the message has a button with this data; see Press.
func (s *Server) PressButton(chatID, userID, messageID int64, data string) int64 {
	id, _ := s.PressButtonQuery(chatID, userID, messageID, data)
	return id
}

// PressButtonQuery is PressButton that also returns the id of the callback
// query, the callback_query_id the bot's answerCallbackQuery names.
func (s *Server) PressButtonQuery(chatID, userID, messageID int64, data string) (updateID int64, queryID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chatLocked(chatID, "")
	var msg any = map[string]any{"chat": c.model(), "message_id": messageID, "date": 0}
	if m := c.byID[messageID]; m != nil && !m.deleted {
		msg = c.wire(m)
	}
	s.nextCallback++
	queryID = fmt.Sprintf("cb-%d", s.nextCallback)
	s.callbacks[queryID] = &callbackQuery{seq: s.nextCallback}
	updateID = s.pushFieldLocked("callback_query", map[string]any{
		"id": queryID, "from": s.userLocked(userID, ""), "message": msg,
		"chat_instance": itoa(chatID), "data": data,
	})
	return updateID, queryID
}

// Press presses, like a person would, the callback button whose text
// contains textSubstring on the latest bot message in the chat that shows
// such a button, and returns the update_id. It fails the test with the
// transcript when no message shows one.
func (s *Server) Press(tb testing.TB, chatID, userID int64, textSubstring string) int64 {
	tb.Helper()
	msgs := s.Chat(chatID)
	for i := len(msgs) - 1; i >= 0; i-- {
		if !msgs[i].FromBot {
			continue
		}
		for _, b := range msgs[i].Buttons() {
			if b.CallbackData != "" && strings.Contains(b.Text, textSubstring) {
				return s.PressButton(chatID, userID, msgs[i].ID, b.CallbackData)
			}
		}
	}
	tb.Fatalf("telegramtest: no button containing %q in chat %d; transcript:\n%s", textSubstring, chatID, FormatTranscript(msgs))
	return 0
}
