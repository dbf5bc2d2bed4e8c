package telegramtest

import (
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// state is what the test's side (Server) and the bot's side (botAPI) share:
// the chats, the update queue, the call log and the settings. opts, done
// and closeOnce are fixed at the start or safe on their own; mu guards the
// rest.
type state struct {
	opts      serverOptions
	done      chan struct{} // closed when the server shuts down
	closeOnce sync.Once

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change (calls, chats, updates)
	arrived chan struct{} // closed and replaced when getUpdates may have news

	token   string // required token; "" accepts any
	fault   func(method string, params map[string]string) *Fault
	onCall  func(Call)
	webhook string // URL of the "set" webhook; see SetWebhookActive
	hooked  bool

	calls []Call // empty WithoutHistory
	seq   int    // calls recorded, with or without history
	stats map[string]*MethodStats
	// tooMany counts 429 answers.
	tooMany int64

	updates    []queuedUpdate // not yet confirmed, sorted by id
	nextUpdate int64
	confirmed  int64
	poll       chan struct{} // closed to terminate the running getUpdates

	chats        map[int64]*chat
	langs        map[int64]string          // language_code per user id
	callbacks    map[string]*callbackQuery // unanswered presses
	nextCallback int64
	commands     map[string][]models.BotCommand // by commandKey
}

func newState(o serverOptions) *state {
	return &state{
		opts:       o,
		done:       make(chan struct{}),
		changed:    make(chan struct{}),
		arrived:    make(chan struct{}),
		stats:      map[string]*MethodStats{},
		nextUpdate: 1,
		chats:      map[int64]*chat{},
		langs:      map[int64]string{},
		callbacks:  map[string]*callbackQuery{},
		commands:   map[string][]models.BotCommand{},
	}
}

// touchLocked wakes everyone waiting for a change.
func (s *state) touchLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// wakeLocked wakes a waiting getUpdates: an update arrived or the webhook
// changed. Other changes (messages, calls) do not concern it.
func (s *state) wakeLocked() {
	close(s.arrived)
	s.arrived = make(chan struct{})
}

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

// chatLocked returns the chat, creating it with type typ if it is new. An
// empty typ means private for positive ids and group for negative ones.
func (s *state) chatLocked(id int64, typ models.ChatType) *chat {
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

// addLocked gives m the chat's next message id and appends it.
func (s *state) addLocked(c *chat, m *message) {
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

// trimLocked forgets the oldest messages of a chat beyond KeptMessages when
// the server keeps no history.
func (s *state) trimLocked(c *chat) {
	if !s.opts.noHistory || len(c.msgs) <= KeptMessages {
		return
	}
	drop := len(c.msgs) - KeptMessages
	for _, m := range c.msgs[:drop] {
		delete(c.byID, m.id)
	}
	c.msgs = slices.Delete(c.msgs, 0, drop)
}

// testFirstName is the first name of every simulated user.
const testFirstName = "Test"

// userLocked returns the simulated user; a non-empty languageCode is
// remembered for the user's later messages and button presses.
func (s *state) userLocked(userID int64, languageCode string) models.User {
	if languageCode != "" {
		s.langs[userID] = languageCode
	}
	return models.User{ID: userID, FirstName: testFirstName, LanguageCode: s.langs[userID]}
}

func botUser() models.User {
	return models.User{ID: BotID, IsBot: true, FirstName: BotFirstName, Username: BotUsername}
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

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
