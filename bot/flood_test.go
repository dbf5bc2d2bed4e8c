package bot_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/inbox"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/spool"
)

// One chat's flood of quick messages (a forwarded batch) holds up no other
// chat: another chat's /help and /urgent are answered while the flood is
// still being worked through at the per-chat send pace Telegram allows.
// The poller runs at production settings but scaled down: the shared
// in-flight cap is 100 instead of 2,000 and the flood 300 messages instead
// of 10,000. The flooding chat hears once that its messages are joined.
func TestOneChatsFloodHoldsUpNoOtherChat(t *testing.T) {
	for _, inboxKind := range []string{"redis", "disk"} {
		t.Run(inboxKind, func(t *testing.T) {
			h := prepare(t, nil)
			withCrisisWords(t, h.engine)
			api, err := tgbot.New("123456:TEST-token", tgbot.WithServerURL(h.api.URL()), tgbot.WithSkipGetMe())
			if err != nil {
				t.Fatal(err)
			}
			o := bot.Options{
				Engine: h.engine, Store: h.store, Renderer: h.r, API: api, Log: h.log,
				Username: telegramtest.BotUsername, PseudonymKey: []byte("test key"), DefaultLang: "nl",
				HandleTimeout: 10 * time.Second, Metrics: h.metrics, OpenIntakeDirector: openDirectorID, Spool: h.spool,
				// Telegram's limits: 30 messages/s, about one a second per chat.
				Sender: &telegram.Sender{},
			}
			h.people.into(&o)
			h.b = h.newBot(o)
			const flood, calm, n = 4601, 4602, 300
			h.atQuestion(flood, "dreams")
			h.atQuestion(calm, "dreams")
			for i := range n {
				h.api.SendText(flood, flood, fmt.Sprintf("regel %d van een doorgestuurd bericht", i), "nl")
			}
			h.api.SendText(calm, calm, "/help", "nl")
			urgent := h.api.SendText(calm, calm, "/urgent", "nl")

			p := &telegram.Poller{
				Client: http.DefaultClient, BaseURL: h.api.URL(), Token: "123456:TEST-token",
				Timeout: time.Second, Log: h.log, MaxInFlight: 100, Front: h.b.Edge(),
				Handle: h.b.Edge().HandleUpdate,
			}
			codec, err := storage.NewCodec([]byte("0123456789abcdef0123456789abcdef"))
			if err != nil {
				t.Fatal(err)
			}
			if inboxKind == "redis" {
				p.Inbox = inbox.New(redistest.Start(t).Client(t), codec, "flood:")
			} else {
				// Redis down, or none: the inbox on local disk.
				in, err := spool.OpenInbox(t.TempDir(), "updates", codec)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { in.Close() })
				p.Fallback = in
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- p.Run(ctx) }()
			t.Cleanup(func() {
				cancel()
				<-done
			})

			for _, want := range []string{h.visible("nl", "help.crisis.nl"), h.visible("nl", "help.crisis.urgent")} {
				h.api.WaitMessage(t, calm, 20*time.Second, func(m telegramtest.Msg) bool { return strings.Contains(m.Text, want) })
			}
			h.api.WaitConfirmed(t, urgent, 20*time.Second)
			if replies := countBot(h, flood); replies >= n/2 {
				t.Fatalf("the flood was through (%d replies) before the other chat was answered: that proves nothing", replies)
			}
			h.api.WaitMessage(t, flood, 20*time.Second, func(m telegramtest.Msg) bool {
				return strings.Contains(m.Text, h.visible("nl", "lane.merged"))
			})
			if h.metrics.Edge.LaneMerged.Load() == 0 {
				t.Error("nothing of the flood was merged")
			}
		})
	}
}

// countBot is how many messages the bot sent in chat.
func countBot(h *harness, chat int64) int {
	n := 0
	for _, m := range h.api.Chat(chat) {
		if m.FromBot {
			n++
		}
	}
	return n
}
