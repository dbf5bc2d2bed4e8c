package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
)

// With the store down, /urgent, crisis words and /help still get the
// crisis lines at once, from memory: every line, since the age is in the
// store. Each update is retried until the store is back and is then
// applied; the lines are not shown a second time then.
func TestStoreDownStillShowsTheCrisisLines(t *testing.T) {
	var store *outageStore
	h := prepare(t, func(m *memStore) bot.Store {
		store = &outageStore{memStore: m}
		return store
	})
	withCrisisWords(t, h.engine)
	h.start()
	const chat = 4501
	h.begin(chat)
	lines := h.visible("nl", "help.crisis.nl")

	store.down.Store(true)
	var last int64
	for _, tc := range []struct{ text, first string }{
		{"/urgent", "help.crisis.urgent"}, {"ik wil dood", "help.crisis.signal"}, {"/help", "Wat doet deze bot?"},
	} {
		if !strings.HasPrefix(tc.text, "/") {
			h.secrets = append(h.secrets, tc.text)
		}
		mark := h.lastID(chat)
		first := tc.first
		if strings.HasPrefix(first, "help.") {
			first = h.visible("nl", first)
		}
		last = h.api.SendText(chat, chat, tc.text, "nl")
		h.api.WaitMessage(t, chat, 5*time.Second, func(m telegramtest.Msg) bool {
			return m.ID > mark && strings.Contains(m.Text, first) && strings.Contains(m.Text, lines)
		})
	}
	if h.api.ConfirmedOffset() > last {
		t.Fatal("updates were confirmed while the store was down")
	}
	shownBefore := countSaid(h, chat, lines)

	store.down.Store(false)
	h.api.WaitConfirmed(t, last, 30*time.Second)
	if n := countSaid(h, chat, lines); n != shownBefore {
		t.Errorf("the crisis lines were shown %d more times once the store was back", n-shownBefore)
	}
	s := h.session(chat)
	if len(s.Signals) != 2 || s.Signals[0].Source != dialog.SignalUrgent || s.Signals[1].Source != "dreams" {
		t.Errorf("signals %+v, want /urgent and the crisis words, recorded once the store was back", s.Signals)
	}
	assertDirectorAlerted(t, h, 1)
}

// countSaid is how many of the bot's messages in chat show text.
func countSaid(h *harness, chat int64, text string) int {
	n := 0
	for _, m := range h.api.Chat(chat) {
		if m.FromBot && strings.Contains(m.Text, text) {
			n++
		}
	}
	return n
}

// assertDirectorAlerted waits until the open intake's director has want
// alert messages (and no more).
func assertDirectorAlerted(t *testing.T, h *harness, want int) {
	t.Helper()
	title := h.visible("nl", "alert.staff.title")
	deadline := time.Now().Add(10 * time.Second)
	for countSaid(h, openDirectorID, title) < want && time.Now().Before(deadline) {
		h.b.DrainAlertsOnce(t.Context())
		time.Sleep(20 * time.Millisecond)
	}
	h.b.WaitHandoffs(t.Context())
	if n := countSaid(h, openDirectorID, title); n != want {
		t.Fatalf("the director got %d alerts, want %d; transcript:\n%s", n, want, telegramtest.FormatTranscript(h.api.Chat(openDirectorID)))
	}
}

// A second, different disclosure a minute after the first gets its own
// caring reply with the crisis lines; the director's open alert is updated
// with it rather than sent again. The same signal again within the quiet
// period still gets the reply, and spares the director.
func TestEveryDisclosureIsAnswered(t *testing.T) {
	h := prepare(t, nil)
	withCrisisWords(t, h.engine)
	h.start()
	const chat = 4502
	h.begin(chat)
	signal, lines := h.visible("nl", "help.crisis.signal"), h.visible("nl", "help.crisis.nl")

	h.say(chat, "ik wil er niet meer zijn")
	assertDirectorAlerted(t, h, 1)
	// The answers to two questions, then twice a message at a question
	// with buttons (not an answer: the same signal).
	for i, text := range []string{"ik wil dood", "ik wil dood", "ik wil dood"} {
		mark := h.lastID(chat)
		h.say(chat, text)
		h.expectSaid(chat, mark, signal)
		h.expectSaid(chat, mark, lines)
		if i == 0 {
			// A new signal (another question): the open alert says so.
			h.api.WaitMessage(t, openDirectorID, 5*time.Second, func(m telegramtest.Msg) bool {
				return strings.Contains(m.Text, h.visible("nl", "alert.staff.title")) && strings.Contains(m.Text, h.visible("nl", "alert.staff.again", "Count", 2))
			})
		}
	}
	assertDirectorAlerted(t, h, 1)
	s := h.session(chat)
	if len(s.Signals) != 4 || s.Signals[0].Quiet || s.Signals[1].Quiet || s.Signals[2].Quiet || !s.Signals[3].Quiet {
		t.Fatalf("signals %+v: want four, the last one quiet", s.Signals)
	}
}

// An update handed to the edge directly (as the webhook does) gets its
// first aid before the store is asked; tried again while the store is
// down, it is not shown again, and its alert is spooled once.
func TestFirstAidOnceAcrossRetries(t *testing.T) {
	var store *outageStore
	h := prepare(t, func(m *memStore) bot.Store {
		store = &outageStore{memStore: m}
		return store
	})
	const chat = 4503
	h.atQuestion(chat, "dreams")
	if err := h.people.Cases.SaveCase(t.Context(), domain.Case{Key: "4503", Director: openDirectorID, Linked: time.Now()}); err != nil {
		t.Fatal(err)
	}
	h.api.SendText(chat, chat, "hallo", "nl") // the chat exists in the fake
	store.down.Store(true)
	upd := &models.Update{ID: 990001, Message: &models.Message{
		ID: 99, Text: "/urgent", Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate},
		From: &models.User{ID: chat, LanguageCode: "nl"},
	}}
	for range 3 {
		if err := h.b.Edge().HandleUpdate(t.Context(), upd); err == nil {
			t.Fatal("handled with the store down")
		}
	}
	urgent := h.visible("nl", "help.crisis.urgent")
	if n := countSaid(h, chat, urgent); n != 1 {
		t.Fatalf("first aid shown %d times over three tries, want once", n)
	}
	if n := h.metrics.Edge.AlertsQueued.Load(); n != 1 {
		t.Fatalf("%d alerts spooled, want 1", n)
	}
	if h.spool.Len() != 1 {
		t.Fatalf("spool holds %d alerts", h.spool.Len())
	}
	store.down.Store(false)
	if err := h.b.Edge().HandleUpdate(t.Context(), upd); err != nil {
		t.Fatal(err)
	}
	if n := countSaid(h, chat, urgent); n != 1 {
		t.Fatalf("shown %d times once applied", n)
	}
	assertDirectorAlerted(t, h, 1)
	if h.spool.Len() != 0 {
		t.Fatalf("spool still holds %d alerts", h.spool.Len())
	}
	if s := h.session(chat); len(s.Signals) != 1 || s.Signals[0].Source != dialog.SignalUrgent {
		t.Fatalf("signals %+v", s.Signals)
	}
}
