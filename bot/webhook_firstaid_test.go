package bot_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/bot/telegramtest"
)

// In webhook mode, a message with crisis words gets the crisis lines at
// once, even while the chat's earlier update still holds its lane.
func TestWebhookFirstAidDoesNotWaitForTheChatsLane(t *testing.T) {
	h := prepare(t, nil)
	withCrisisWords(t, h.engine)
	h.start()
	const chat = 4611
	h.begin(chat)
	lines := h.visible("nl", "help.crisis.nl")

	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	var hold int64
	handle := func(ctx context.Context, upd *models.Update) error {
		if upd.ID == hold {
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return h.b.Edge().HandleUpdate(ctx, upd)
	}
	wh := &telegram.Webhook{Secret: "s3cret", Handle: handle, Lanes: &telegram.Lanes{}, Front: h.b.Edge(), Log: h.log}
	srv := httptest.NewServer(wh)
	t.Cleanup(srv.Close)

	h.stop() // updates come by webhook from here on
	h.secrets = append(h.secrets, "ik wil dood")
	mark := h.lastID(chat)
	hold = h.api.SendText(chat, chat, "hallo", "nl")
	h.api.SendText(chat, chat, "ik wil dood", "nl")
	raw := h.api.TakeUpdates()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, body := range raw {
		wg.Go(func() {
			if err := deliver(ctx, []string{srv.URL}, 0, body); err != nil {
				t.Error(err)
			}
		})
		time.Sleep(50 * time.Millisecond) // in Telegram's order
	}
	h.api.WaitMessage(t, chat, 5*time.Second, func(m telegramtest.Msg) bool {
		return m.ID > mark && strings.Contains(m.Text, lines)
	})
	once.Do(func() { close(release) })
	wg.Wait()
}
