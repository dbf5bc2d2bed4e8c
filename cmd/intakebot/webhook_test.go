package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
)

const webhookSecret = "test-secret-0123456789abcdef"

// hookBot is an instance in webhook mode; the test plays Telegram and
// POSTs the updates itself.
type hookBot struct {
	*instance
	url string
}

func startHookBot(t *testing.T, api *telegramtest.Server, rds *redistest.Server) *hookBot {
	t.Helper()
	env := testEnv(api, rds)
	env["INTAKEBOT_WEBHOOK_URL"] = "https://bot.example.org/telegram/hook"
	env["INTAKEBOT_WEBHOOK_SECRET"] = webhookSecret
	in := startInstance(t, api, env, "setWebhook")
	return &hookBot{instance: in, url: strings.TrimSuffix(in.metrics, "/metrics") + "/telegram/hook"}
}

// post delivers an update as Telegram does and returns the HTTP status.
func (h *hookBot) post(t *testing.T, secret string, upd models.Update) int {
	t.Helper()
	body, _ := json.Marshal(upd)
	req, _ := http.NewRequest(http.MethodPost, h.url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

var nextUpdateID atomic.Int64

func textUpdate(chat int64, text string) models.Update {
	m := &models.Message{ID: int(nextUpdateID.Add(1)), Date: int(time.Now().Unix()), Text: text,
		Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}, From: &models.User{ID: chat, FirstName: "Test", LanguageCode: "nl"}}
	if strings.HasPrefix(text, "/") {
		m.Entities = []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Length: len(strings.Fields(text)[0])}}
	}
	return models.Update{ID: nextUpdateID.Add(1), Message: m}
}

func pressUpdate(api *telegramtest.Server, chat int64, label string) models.Update {
	for _, m := range slicesBackward(api.Chat(chat)) {
		if b, ok := m.Button(label); ok && m.FromBot {
			return models.Update{ID: nextUpdateID.Add(1), CallbackQuery: &models.CallbackQuery{
				ID: fmt.Sprint(nextUpdateID.Add(1)), From: models.User{ID: chat, LanguageCode: "nl"}, Data: b.CallbackData,
				Message: models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage,
					Message: &models.Message{ID: int(m.ID), Date: 1, Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate}}},
			}}
		}
	}
	panic("no button " + label + " in:\n" + telegramtest.FormatTranscript(api.Chat(chat)))
}

func slicesBackward(msgs []telegramtest.Msg) []telegramtest.Msg {
	out := make([]telegramtest.Msg, len(msgs))
	for i, m := range msgs {
		out[len(msgs)-1-i] = m
	}
	return out
}

func TestWebhookRefusesAWrongSecretAndHandlesARightOne(t *testing.T) {
	api := telegramtest.New(t)
	rds := redistest.Start(t)
	h := startHookBot(t, api, rds)
	defer h.stop(t)

	set := api.CallsTo("setWebhook")
	if len(set) != 1 || set[0].Params["secret_token"] != webhookSecret || set[0].Params["url"] != "https://bot.example.org/telegram/hook" {
		t.Fatalf("setWebhook calls: %+v", set)
	}
	const chat = 7001
	for _, secret := range []string{"", "wrong-secret-0123456789abcdef", webhookSecret + "x"} {
		if code := h.post(t, secret, textUpdate(chat, "/start")); code != http.StatusUnauthorized {
			t.Fatalf("secret %q: status %d, want 401", secret, code)
		}
	}
	if n := len(api.CallsTo("sendMessage")); n != 0 {
		t.Fatalf("an update with a wrong secret was handled (%d messages sent)", n)
	}
	if code := h.post(t, webhookSecret, textUpdate(chat, "/start")); code != http.StatusOK {
		t.Fatalf("status %d, want 200", code)
	}
	// 200 comes only after the reply went out.
	if m := api.LastBotMessage(chat); !strings.Contains(m.Text, "Voordat we beginnen") {
		t.Fatalf("no welcome after the 200: %q", m.Text)
	}
	if code := h.post(t, webhookSecret, models.Update{}); code != http.StatusBadRequest {
		t.Fatalf("an empty update: %d, want 400", code)
	}
}

// Two replicas behind one webhook URL on one Redis; Telegram spreads one
// chat's updates over both, even at the same time. No answer is lost or
// applied twice.
func TestTwoWebhookReplicasLoseAndDoubleNothing(t *testing.T) {
	api := telegramtest.New(t)
	rds := redistest.Start(t)
	a := startHookBot(t, api, rds)
	defer a.stop(t)
	b := startHookBot(t, api, rds)
	defer b.stop(t)
	replicas := []*hookBot{a, b}

	const chat = 7002
	mustPost := func(h *hookBot, u models.Update) {
		if code := h.post(t, webhookSecret, u); code != http.StatusOK {
			t.Errorf("status %d", code)
		}
	}
	mustPost(a, textUpdate(chat, "/start"))
	mustPost(b, pressUpdate(api, chat, "Ik doe mee"))
	mustPost(a, pressUpdate(api, chat, "18"))
	mustPost(b, pressUpdate(api, chat, "Beginnen"))
	mustPost(a, pressUpdate(api, chat, "Overslaan")) // dreams
	mustPost(b, pressUpdate(api, chat, "Overslaan")) // dreams_help
	mustPost(a, pressUpdate(api, chat, "Overslaan")) // support_areas
	mustPost(b, pressUpdate(api, chat, "Overslaan")) // support_words
	mustPost(a, pressUpdate(api, chat, "Overslaan")) // support_level
	mustPost(b, pressUpdate(api, chat, "Overslaan")) // support_often
	mustPost(a, pressUpdate(api, chat, "Overslaan")) // worked
	mustPost(b, pressUpdate(api, chat, "Overslaan")) // not_worked
	mustPost(a, pressUpdate(api, chat, "Ja"))        // keep_practitioners
	if !strings.Contains(api.LastBotMessage(chat).Text, "apart bericht") {
		t.Fatalf("not at the practitioners list: %s", api.LastBotMessage(chat).Text)
	}

	// Ten entries (the list's maximum), each delivered to one replica, many at once, some twice
	// (Telegram retries a delivery it thinks failed).
	const entries = 10
	var wg sync.WaitGroup
	sent := make([]models.Update, entries)
	for i := range entries {
		sent[i] = textUpdate(chat, fmt.Sprintf("Hulpverlener %02d", i))
	}
	for i, u := range sent {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mustPost(replicas[i%2], u)
			if i%3 == 0 {
				mustPost(replicas[(i+1)%2], u) // redelivered to the other one
			}
		}()
		if i%2 == 1 {
			wg.Wait() // pairs at once, like max_connections > 1
		}
	}
	wg.Wait()

	codec := testCodec(t)
	s, err := storage.NewSessions(rds.Client(t), codec, storage.SessionsOptions{}).Load(context.Background(), fmt.Sprint(chat))
	if err != nil {
		t.Fatal(err)
	}
	items := s.Draft
	if a, ok := s.Answers["practitioners"]; ok {
		items = a.Items // a full list is stored as the answer
	}
	if len(items) != entries {
		t.Fatalf("%d entries stored, want %d: %v", len(items), entries, items)
	}
	seen := map[string]bool{}
	for _, it := range items {
		if seen[it] {
			t.Fatalf("entry %q applied twice", it)
		}
		seen[it] = true
	}
}
