package telegramtest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"

	"github.com/intakebot/intakebot/bot/telegramtest"
)

const form = "application/x-www-form-urlencoded"

func send(t *testing.T, srv *telegramtest.Server, chat int64) (int, string) {
	t.Helper()
	return rawPost(t, srv.URL()+"/bot1:T/sendMessage", form, fmt.Sprintf("chat_id=%d&text=hoi", chat))
}

// A chat gets a short burst, then 429 with Telegram's envelope and
// retry_after; the refused call has no effect, and the chat may send again
// once its token is back.
func TestLimitsPerChat(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithLimits(telegramtest.Limits{ChatEvery: 200 * time.Millisecond}))
	for i := range 5 {
		if status, body := send(t, srv, 7); status != 200 {
			t.Fatalf("send %d in the burst = %d %s", i+1, status, body)
		}
	}
	status, body := send(t, srv, 7)
	want := `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`
	if status != 429 || body != want {
		t.Fatalf("send past the burst = %d %s, want 429 %s", status, body, want)
	}
	if status, _ := send(t, srv, 8); status != 200 {
		t.Errorf("another chat = %d, want 200", status)
	}
	if n := len(srv.Chat(7)); n != 5 {
		t.Errorf("chat 7 has %d messages, want 5 (the refused one has no effect)", n)
	}
	time.Sleep(250 * time.Millisecond) // one token back
	if status, body := send(t, srv, 7); status != 200 {
		t.Errorf("after the pace = %d %s", status, body)
	}
	if st := srv.Stats(); st.TooMany != 1 || st.Methods["sendMessage"].Errors["Too Many Requests: retry after 1"] != 1 {
		t.Errorf("stats = %+v, want one 429", st)
	}
}

// The bot's budget covers all chats: 30 at once, the 31st (to a fresh
// chat) is refused; other methods (getMe, answers to presses) don't count.
func TestLimitsPerBot(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithLimits(telegramtest.TelegramLimits))
	for i := range 30 {
		if status, body := send(t, srv, int64(100+i)); status != 200 {
			t.Fatalf("send %d = %d %s", i+1, status, body)
		}
	}
	if status, _ := rawPost(t, srv.URL()+"/bot1:T/getMe", form, ""); status != 200 {
		t.Errorf("getMe past the budget = %d, want 200", status)
	}
	if status, body := send(t, srv, 999); status != 429 || !strings.Contains(body, `"retry_after":1`) {
		t.Errorf("31st send = %d %s, want 429 retry after 1", status, body)
	}
	if st := srv.Stats(); st.TooMany != 1 {
		t.Errorf("TooMany = %d, want 1", st.TooMany)
	}
}

// A group gets 20 a minute on top of its chat limit: retry_after counts the
// seconds until its next token (60/20 = 3).
func TestLimitsPerGroup(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithLimits(telegramtest.Limits{ChatBurst: 100, ChatEvery: time.Millisecond, PerSecond: 1000}))
	for i := range 20 {
		if status, body := send(t, srv, -100123); status != 200 {
			t.Fatalf("group send %d = %d %s", i+1, status, body)
		}
	}
	if status, body := send(t, srv, -100123); status != 429 || !strings.Contains(body, `"retry_after":3`) {
		t.Errorf("21st group send = %d %s, want 429 retry after 3", status, body)
	}
	for i := range 30 {
		if status, body := send(t, srv, 77); status != 200 {
			t.Fatalf("private send %d = %d %s", i+1, status, body)
		}
	}
}

// Without WithLimits the server never limits; with it the real client sees
// a TooManyRequestsError carrying retry_after.
func TestLimitsOffByDefaultAndSeenByTheClient(t *testing.T) {
	free := telegramtest.New(t)
	for i := range 50 {
		if status, _ := send(t, free, 7); status != 200 {
			t.Fatalf("send %d without limits = %d", i+1, status)
		}
	}
	srv := telegramtest.New(t, telegramtest.WithLimits(telegramtest.Limits{ChatBurst: 1, ChatEvery: 5 * time.Second}))
	b, err := bot.New("1:T", bot.WithServerURL(srv.URL()), bot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 7, Text: "een"}); err != nil {
		t.Fatal(err)
	}
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 7, Text: "twee"})
	var tooMany *bot.TooManyRequestsError
	if !errors.As(err, &tooMany) || tooMany.RetryAfter != 5 {
		t.Errorf("second send: %v, want a 429 with retry_after 5", err)
	}
}
