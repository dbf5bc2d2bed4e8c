package bot_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
)

// savedButFailsStore saves a session and then, once, reports an error, as
// a Redis whose replica is too slow to confirm WAIT does, or a process that
// died after the save: the update comes again, already applied.
type savedButFailsStore struct {
	*memStore
	fail atomic.Bool
}

func (o *savedButFailsStore) LoadFresh(ctx context.Context, key string) (dialog.Session, bool, error) {
	return o.Load(ctx, key)
}

func (o *savedButFailsStore) Save(ctx context.Context, s dialog.Session) (dialog.Session, error) {
	saved, err := o.memStore.Save(ctx, s)
	if err == nil && o.fail.CompareAndSwap(true, false) {
		return saved, errOutage
	}
	return saved, err
}

// An update whose save succeeded but whose reply was lost comes again: it
// is not applied twice, and the young person sees the question they are at
// now. (On main the redelivery is a duplicate that gets no reply at all.)
func TestAnAppliedUpdateWhoseReplyWasLostShowsTheQuestionAgain(t *testing.T) {
	var store *savedButFailsStore
	h := prepare(t, func(m *memStore) bot.Store {
		store = &savedButFailsStore{memStore: m}
		return store
	})
	const chat = 4601
	h.atQuestion(chat, "dreams")
	h.api.SendText(chat, chat, "hallo", "nl") // the chat exists in the fake
	h.secrets = append(h.secrets, "Een eigen huis met een tuin")
	upd := &models.Update{ID: 990101, Message: &models.Message{
		ID: 101, Text: "Een eigen huis met een tuin", Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate},
		From: &models.User{ID: chat, LanguageCode: "nl"},
	}}
	store.fail.Store(true)
	if err := h.b.Edge().HandleUpdate(t.Context(), upd); err == nil {
		t.Fatal("a failed save was not reported: the update would not come again")
	}
	if got := h.session(chat).Answers["dreams"].Text; got != "Een eigen huis met een tuin" {
		t.Fatalf("the save did not happen: %+v", h.session(chat).Answers)
	}
	mark := h.lastID(chat)
	if err := h.b.Edge().HandleUpdate(t.Context(), upd); err != nil {
		t.Fatal(err)
	}
	next := h.visible("nl", "q.dreams_help")
	shown := 0
	for _, m := range h.api.Chat(chat) {
		if m.FromBot && m.ID > mark && strings.Contains(m.Text, next) {
			shown++
		}
	}
	if shown != 1 {
		t.Fatalf("the next question was shown %d times after the redelivery, want once; transcript:\n%s",
			shown, telegramtest.FormatTranscript(h.api.Chat(chat)))
	}
	if s := h.session(chat); s.Current != "dreams_help" || len(s.History) != 1 {
		t.Fatalf("applied twice or not at all: current %q, history %q", s.Current, s.History)
	}
	// A third delivery of the same update, the reply now sent, still
	// changes nothing.
	if err := h.b.Edge().HandleUpdate(t.Context(), upd); err != nil {
		t.Fatal(err)
	}
	if s := h.session(chat); s.Current != "dreams_help" || len(s.History) != 1 {
		t.Fatalf("a third delivery changed the session: %q %q", s.Current, s.History)
	}
}
