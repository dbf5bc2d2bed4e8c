package telegram_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/bot/telegramtest"
)

const pollToken = "123456:SECRET-poll-token"

// runPoller runs a poller with handle against baseURL until the test ends
// or stop is called; stop returns how long Run took to return.
func runPoller(t *testing.T, baseURL string, timeout time.Duration, handle func(context.Context, *models.Update)) (logs *bottest.Log, stop func() time.Duration) {
	t.Helper()
	logs = &bottest.Log{}
	p := &telegram.Poller{
		Client: http.DefaultClient, BaseURL: baseURL, Token: pollToken, Timeout: timeout,
		Handle: func(ctx context.Context, u *models.Update) error { handle(ctx, u); return nil },
		Log:    slog.New(slog.NewTextHandler(logs, nil)),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	stopped := false
	stop = func() time.Duration {
		t.Helper()
		if stopped {
			return 0
		}
		stopped = true
		start := time.Now()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
		return time.Since(start)
	}
	t.Cleanup(func() { stop() })
	return logs, stop
}

func TestPollerConfirmsOnlyAfterTheUpdateWasHandled(t *testing.T) {
	api := telegramtest.New(t)
	entered, release := make(chan int64, 1), make(chan struct{})
	var handled atomic.Int64
	runPoller(t, api.URL(), time.Second, func(_ context.Context, u *models.Update) {
		entered <- u.ID
		<-release
		handled.Store(u.ID)
	})
	id := api.SendText(1, 1, "Een antwoord dat niet verloren mag gaan", "nl")
	if got := <-entered; got != id {
		t.Fatalf("handler got update %d, want %d", got, id)
	}
	// While the handler works, Telegram must keep the update: a crash now
	// would otherwise lose it.
	for range 50 {
		if off := api.ConfirmedOffset(); off > id {
			t.Fatalf("update %d confirmed (offset %d) before its handler returned", id, off)
		}
		time.Sleep(4 * time.Millisecond)
	}
	close(release)
	bottest.WaitFor(t, "the confirmation", func() bool { return api.ConfirmedOffset() > id })
	if handled.Load() != id {
		t.Fatalf("confirmed before the handler finished")
	}
}

func TestPollerSurvivesAWebhookConflict(t *testing.T) {
	api := telegramtest.New(t)
	api.SetWebhookActive(true)
	var handled atomic.Int64
	logs, stop := runPoller(t, api.URL(), time.Second, func(_ context.Context, u *models.Update) { handled.Store(u.ID) })
	bottest.WaitFor(t, "a log line about the webhook", func() bool {
		s := logs.String()
		return strings.Contains(s, "webhook") && strings.Contains(s, "INTAKEBOT_WEBHOOK_URL")
	})
	api.SetWebhookActive(false)
	id := api.SendText(1, 1, "hallo", "nl")
	start := time.Now()
	bottest.WaitFor(t, "the update after the webhook was removed", func() bool { return api.ConfirmedOffset() > id })
	if handled.Load() != id {
		t.Fatalf("handled %d, want %d", handled.Load(), id)
	}
	t.Logf("recovered %v after the webhook was removed", time.Since(start).Round(time.Millisecond))
	stop()
	if strings.Contains(logs.String(), pollToken) {
		t.Fatal("the token is in the logs")
	}
}

func TestPollerRetriesAfterAnError(t *testing.T) {
	api := telegramtest.New(t)
	var failed atomic.Bool
	api.SetFault(func(method string, _ map[string]string) *telegramtest.Fault {
		if method == "getUpdates" && failed.CompareAndSwap(false, true) {
			return &telegramtest.Fault{Status: 502, Description: "Bad Gateway"}
		}
		return nil
	})
	id := api.SendText(1, 1, "hallo", "nl")
	logs, _ := runPoller(t, api.URL(), time.Second, func(context.Context, *models.Update) {})
	bottest.WaitFor(t, "the update after a failed poll", func() bool { return api.ConfirmedOffset() > id })
	if !strings.Contains(logs.String(), "getUpdates failed") {
		t.Fatalf("the failure was not logged:\n%s", logs)
	}
}

func TestPollerNeverLogsTheToken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: every poll fails
	logs, stop := runPoller(t, "http://"+addr, time.Second, func(context.Context, *models.Update) {})
	bottest.WaitFor(t, "a failed poll", func() bool { return strings.Contains(logs.String(), "getUpdates failed") })
	stop()
	if strings.Contains(logs.String(), pollToken) || strings.Contains(logs.String(), "SECRET") {
		t.Fatalf("the token is in the logs:\n%s", logs)
	}
}

func TestPollerWithAShortTimeoutDoesNotSpin(t *testing.T) {
	api := telegramtest.New(t)
	_, stop := runPoller(t, api.URL(), 100*time.Millisecond, func(context.Context, *models.Update) {})
	time.Sleep(time.Second)
	stop()
	// A long poll waits about a second at least; a poll without a wait
	// would be asked hundreds of times.
	if n := len(api.CallsTo("getUpdates")); n > 4 {
		t.Fatalf("%d polls in one second", n)
	}
}

func TestPollerStopsPromptly(t *testing.T) {
	t.Run("while long polling", func(t *testing.T) {
		api := telegramtest.New(t)
		_, stop := runPoller(t, api.URL(), 25*time.Second, func(context.Context, *models.Update) {})
		api.WaitCall(t, 5*time.Second, func(c telegramtest.Call) bool { return c.Method == "getUpdates" && c.Status == 0 })
		if took := stop(); took > time.Second {
			t.Fatalf("Run took %v to return", took)
		}
	})
	t.Run("while backing off", func(t *testing.T) {
		api := telegramtest.New(t)
		api.SetWebhookActive(true)
		_, stop := runPoller(t, api.URL(), time.Second, func(context.Context, *models.Update) {})
		bottest.WaitFor(t, "two refused polls", func() bool { return len(api.CallsTo("getUpdates")) >= 2 })
		if took := stop(); took > time.Second {
			t.Fatalf("Run took %v to return", took)
		}
	})
	t.Run("while handling: the update in hand is finished", func(t *testing.T) {
		api := telegramtest.New(t)
		entered, release := make(chan struct{}), make(chan struct{})
		var finished atomic.Bool
		_, stop := runPoller(t, api.URL(), time.Second, func(ctx context.Context, _ *models.Update) {
			close(entered)
			<-release
			if ctx.Err() == nil {
				finished.Store(true)
			}
		})
		api.SendText(1, 1, "hallo", "nl")
		<-entered
		go func() {
			time.Sleep(100 * time.Millisecond)
			close(release)
		}()
		if took := stop(); took > 5*time.Second {
			t.Fatalf("Run took %v to return", took)
		}
		if !finished.Load() {
			t.Fatal("the update in hand was cut off by the shutdown")
		}
	})
}
