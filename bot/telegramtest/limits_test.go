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
// retry_after; the refused call has no effect. (Refills: floodlimit's
// tests, on a fake clock.)
func TestLimitsPerChat(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithLimits(telegramtest.Limits{ChatEvery: 5 * time.Second}))
	for i := range 5 {
		if status, body := send(t, srv, 7); status != 200 {
			t.Fatalf("send %d in the burst = %d %s", i+1, status, body)
		}
	}
	status, body := send(t, srv, 7)
	want := `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}`
	if status != 429 || body != want {
		t.Fatalf("send past the burst = %d %s, want 429 %s", status, body, want)
	}
	if status, _ := send(t, srv, 8); status != 200 {
		t.Errorf("another chat = %d, want 200", status)
	}
	if n := len(srv.Chat(7)); n != 5 {
		t.Errorf("chat 7 has %d messages, want 5 (the refused one has no effect)", n)
	}
	if st := srv.Stats(); st.TooMany != 1 || st.Methods["sendMessage"].Errors["Too Many Requests: retry after 5"] != 1 {
		t.Errorf("stats = %+v, want one 429", st)
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
