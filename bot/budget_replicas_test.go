package bot_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/bot/telegram/pace"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/sendbudget"
)

// budgetRate is the bot's budget in these tests: Telegram's 30 a second
// scaled down to 10, so that the tests take seconds, not minutes.
const budgetRate = 10

// pacedReplica is a replica of the bot with the sender's production pace
// (budgetRate a second, one a second per chat after a burst of 4), its own
// Bot API client and, when budget is not nil, the shared send budget.
func (h *harness) pacedReplica(budget pace.Budget) (*bot.Bot, *telegram.Sender) {
	h.t.Helper()
	api, err := tgbot.New("123456:TEST-token", tgbot.WithServerURL(h.api.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		h.t.Fatalf("Bot API client: %v", err)
	}
	s := &telegram.Sender{PerSecond: budgetRate, Budget: budget, LiveReserve: 2}
	o := bot.Options{
		Engine: h.engine, Store: h.store, Renderer: h.r, API: api, Log: h.log,
		Username: telegramtest.BotUsername, PseudonymKey: []byte("test key"), DefaultLang: "nl",
		HandleTimeout: 30 * time.Second, Metrics: h.metrics, Sender: s,
		OpenIntakeDirector: openDirectorID, Spool: h.spool,
	}
	h.people.into(&o)
	return h.newBot(o), s
}

// bulkAndLive has replica A send bulk messages (as its reminders job does:
// the bulk lane, 20 at a time) to 80 young people while replica B answers
// 20 others live, against a fake Bot API that enforces budgetRate a second
// for the bot the way Telegram does. It returns the 429s the fake gave.
func bulkAndLive(t *testing.T, shared bool) int64 {
	h := prepare(t, nil)
	h.api = telegramtest.New(t, telegramtest.WithLimits(telegramtest.Limits{PerSecond: budgetRate}))
	var budgetA, budgetB pace.Budget
	if shared {
		srv := redistest.Start(t)
		for _, b := range []*pace.Budget{&budgetA, &budgetB} { // a Redis client each, as two processes have
			bb, err := sendbudget.New(srv.Client(t), "t:", budgetRate, budgetRate/2)
			if err != nil {
				t.Fatal(err)
			}
			*b = bb
		}
	}
	_, bulk := h.pacedReplica(budgetA)
	h.b, _ = h.pacedReplica(budgetB)
	h.start()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var arrived atomic.Int64
	var wg sync.WaitGroup
	chats := make(chan int64)
	for range 20 {
		wg.Go(func() {
			for chat := range chats {
				if bulk.SendBulk(ctx, chat, "🔔 Herinnering", nil) {
					arrived.Add(1)
				}
			}
		})
	}
	go func() {
		defer close(chats)
		for i := range 80 {
			chats <- int64(960001 + i)
		}
	}()
	for round := range 2 {
		var last int64
		for i := range 20 {
			last = h.api.SendText(int64(950001+i), int64(950001+i), "/start", "nl")
		}
		h.handledWithin(last, 60*time.Second)
		if round == 0 {
			time.Sleep(time.Second) // the young people read
		}
	}
	wg.Wait()
	if n := arrived.Load(); n != 80 {
		t.Errorf("%d of 80 bulk messages arrived", n)
	}
	for i := range 20 {
		if len(h.api.Chat(int64(950001+i))) < 4 {
			t.Errorf("chat %d got no answer to both /starts: %v", 950001+i, h.api.Chat(int64(950001+i)))
		}
	}
	return h.api.Stats().TooMany
}

// handledWithin is handled with a longer wait, for paced replies.
func (h *harness) handledWithin(id int64, d time.Duration) {
	h.t.Helper()
	deadline := time.Now().Add(d)
	for h.api.ConfirmedOffset() <= id {
		if time.Now().After(deadline) {
			h.t.Fatalf("update %d not handled within %v", id, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Bulk messages on one replica and live replies on another draw on one
// budget in Redis: together they stay within the bot's limit, so Telegram
// never answers 429.
func TestTwoReplicasShareTelegramsBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("sends at Telegram's pace for about 10 s")
	}
	if n := bulkAndLive(t, true); n != 0 {
		t.Errorf("the fake Bot API answered 429 %d times; want 0 with a shared budget", n)
	}
}

// A Redis outage does not stop live replies: the replica sends on its own
// limits, counted, and goes back to the shared budget once Redis is back.
func TestLiveRepliesGoOnWhileTheBudgetIsDown(t *testing.T) {
	h := prepare(t, nil)
	h.api = telegramtest.New(t, telegramtest.WithLimits(telegramtest.Limits{PerSecond: budgetRate}))
	srv := redistest.Start(t)
	budget, err := sendbudget.New(srv.Client(t), "t:", budgetRate, budgetRate/2)
	if err != nil {
		t.Fatal(err)
	}
	h.b, _ = h.pacedReplica(budget)
	h.start()
	h.handledWithin(h.api.SendText(950101, 950101, "/start", "nl"), 30*time.Second)
	if n := h.metrics.BudgetFallbacks.Load(); n != 0 {
		t.Fatalf("%d fallbacks with Redis up", n)
	}
	srv.Kill(t)
	h.handledWithin(h.api.SendText(950102, 950102, "/start", "nl"), 30*time.Second)
	if len(h.api.Chat(950102)) < 2 {
		t.Errorf("no reply while Redis is down: %v", h.api.Chat(950102))
	}
	if n := h.metrics.BudgetFallbacks.Load(); n == 0 {
		t.Error("no fallback counted while Redis is down")
	}
	srv.StartAgain(t)
	time.Sleep(2500 * time.Millisecond) // the sender asks the budget again after 2 s
	before := h.metrics.BudgetFallbacks.Load()
	h.handledWithin(h.api.SendText(950103, 950103, "/start", "nl"), 30*time.Second)
	if n := h.metrics.BudgetFallbacks.Load() - before; n != 0 {
		t.Errorf("%d fallbacks after Redis came back", n)
	}
}
