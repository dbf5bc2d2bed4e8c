package telegramtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/telegramtest"
)

const wait = 5 * time.Second

// apiReply is the envelope of a Bot API answer.
type apiReply struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
}

// call posts body (a JSON object, or a form when it is a string) the way the
// project's own HTTP loop does and decodes the answer.
func call(ctx context.Context, url, method string, body any) (int, apiReply, error) {
	var (
		payload     string
		contentType = "application/json"
	)
	if s, ok := body.(string); ok {
		payload, contentType = s, "application/x-www-form-urlencoded"
	} else {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, apiReply{}, err
		}
		payload = string(raw)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/bot123:TEST/"+method, strings.NewReader(payload))
	if err != nil {
		return 0, apiReply{}, err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, apiReply{}, err
	}
	defer resp.Body.Close()
	var reply apiReply
	err = json.NewDecoder(resp.Body).Decode(&reply)
	return resp.StatusCode, reply, err
}

// getUpdates calls getUpdates with a JSON body and decodes the updates.
func getUpdates(t *testing.T, srv *telegramtest.Server, params map[string]any) []models.Update {
	t.Helper()
	status, reply, err := call(context.Background(), srv.URL(), "getUpdates", params)
	if err != nil || status != http.StatusOK || !reply.OK {
		t.Fatalf("getUpdates(%v) = %d %+v, %v", params, status, reply, err)
	}
	var ups []models.Update
	if err := json.Unmarshal(reply.Result, &ups); err != nil {
		t.Fatalf("decode updates: %v in %s", err, reply.Result)
	}
	return ups
}

func TestLibraryPollerReceivesUpdates(t *testing.T) {
	srv := telegramtest.New(t)
	got := make(chan *models.Update, 10)
	b := newClient(t, srv, bot.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
		got <- u
		switch {
		case u.Message != nil:
			_, _ = b.SendMessage(ctx, &bot.SendMessageParams{
				ChatID: u.Message.Chat.ID, Text: "Je zei: " + u.Message.Text,
				ReplyMarkup: keyboard([]models.InlineKeyboardButton{cb("OK", "ok")}),
			})
		case u.CallbackQuery != nil:
			_, _ = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: u.CallbackQuery.ID})
		}
	}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Start(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	next := func() *models.Update {
		t.Helper()
		select {
		case u := <-got:
			return u
		case <-time.After(wait):
			t.Fatal("no update reached the handler")
			return nil
		}
	}

	if id := srv.SendText(chatID, userID, "/start nu", "nl"); id != 1 {
		t.Errorf("first update id = %d", id)
	}
	u := next()
	if u.ID != 1 || u.Message == nil || u.Message.Text != "/start nu" || u.Message.From.LanguageCode != "nl" || u.Message.Chat.Type != models.ChatTypePrivate {
		t.Fatalf("update = %+v", u)
	}
	if e := u.Message.Entities; len(e) != 1 || e[0].Type != models.MessageEntityTypeBotCommand || e[0].Offset != 0 || e[0].Length != 6 {
		t.Errorf("entities = %+v", e)
	}
	reply := srv.WaitMessage(t, chatID, wait, func(m telegramtest.Msg) bool { return m.Text == "Je zei: /start nu" })
	if reply.ID != 2 {
		t.Errorf("reply id = %d, want 2", reply.ID)
	}

	srv.Press(t, chatID, userID, "OK")
	u = next()
	cq := u.CallbackQuery
	if cq == nil || cq.Data != "ok" || cq.From.ID != userID || cq.From.LanguageCode != "nl" || cq.Message.Message == nil {
		t.Fatalf("callback update = %+v", u)
	}
	if m := cq.Message.Message; m.ID != 2 || m.ReplyMarkup == nil || m.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "ok" {
		t.Errorf("callback message = %+v", m)
	}
	srv.WaitCall(t, wait, func(c telegramtest.Call) bool { return c.Method == "answerCallbackQuery" && c.OK() })
	if ids := srv.Unanswered(); len(ids) != 0 {
		t.Errorf("Unanswered = %v", ids)
	}
	// The poller confirms update 2 with its next request.
	srv.WaitCall(t, wait, func(c telegramtest.Call) bool { return c.Method == "getUpdates" && c.Params["offset"] == "3" })
	if off := srv.ConfirmedOffset(); off != 3 {
		t.Errorf("ConfirmedOffset = %d, want 3", off)
	}
}

func TestOwnGetUpdatesConfirmsWithOffset(t *testing.T) {
	srv := telegramtest.New(t)
	ids := []int64{
		srv.SendText(chatID, userID, "een", "en"),
		srv.PushUpdate(models.Update{Message: &models.Message{ID: 77, Date: 1, Chat: models.Chat{ID: 7, Type: "private"}, Text: "twee"}}),
		srv.PushUpdate(json.RawMessage(`{"message":{"message_id":1,"date":1,"chat":{"id":8,"type":"private"},"text":"drie"}}`)),
	}
	if ids[0] != 1 || ids[1] != 2 || ids[2] != 3 {
		t.Fatalf("ids = %v", ids)
	}
	if ups := getUpdates(t, srv, map[string]any{"offset": 0, "timeout": 0}); len(ups) != 3 || ups[1].Message.Text != "twee" {
		t.Fatalf("first poll = %+v", ups)
	}
	if srv.ConfirmedOffset() != 0 || srv.Pending() != 3 {
		t.Errorf("offset 0 confirmed something: %d, %d pending", srv.ConfirmedOffset(), srv.Pending())
	}
	ups := getUpdates(t, srv, map[string]any{"offset": 3, "timeout": 0})
	if len(ups) != 1 || ups[0].ID != 3 || ups[0].Message.Text != "drie" {
		t.Fatalf("poll with offset 3 = %+v", ups)
	}
	if srv.ConfirmedOffset() != 3 || srv.Pending() != 1 {
		t.Errorf("ConfirmedOffset = %d, Pending = %d; want 3, 1", srv.ConfirmedOffset(), srv.Pending())
	}
	srv.WaitConfirmed(t, 2, time.Second)
	// A form-encoded poll, as some loops send, confirming the rest.
	status, reply, err := call(context.Background(), srv.URL(), "getUpdates", "offset=4&timeout=0")
	if err != nil || status != http.StatusOK || string(reply.Result) != "[]" {
		t.Errorf("form poll = %d %s, %v", status, reply.Result, err)
	}
	if id := srv.SendText(chatID, userID, "vier", ""); id != 4 {
		t.Errorf("next id = %d, want 4", id)
	}
	if ups := getUpdates(t, srv, map[string]any{"offset": 4, "limit": 1}); len(ups) != 1 || ups[0].Message.From.LanguageCode != "en" {
		t.Errorf("language code not remembered: %+v", ups)
	}
}

func TestLongPoll(t *testing.T) {
	srv := telegramtest.New(t)

	start := time.Now()
	go func() {
		time.Sleep(100 * time.Millisecond)
		srv.SendText(chatID, userID, "wakker?", "")
	}()
	ups := getUpdates(t, srv, map[string]any{"offset": 1, "timeout": 10})
	if len(ups) != 1 || time.Since(start) > 3*time.Second {
		t.Fatalf("woke with %d updates after %v", len(ups), time.Since(start))
	}

	start = time.Now()
	if ups := getUpdates(t, srv, map[string]any{"offset": 2, "timeout": 1}); len(ups) != 0 || time.Since(start) < 900*time.Millisecond {
		t.Errorf("timeout poll: %d updates after %v", len(ups), time.Since(start))
	}

	// A poll ends when its request does.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, _, err := call(ctx, srv.URL(), "getUpdates", map[string]any{"offset": 2, "timeout": 30}); err == nil {
		t.Error("cancelled poll returned no error")
	}
	n := len(srv.CallsTo("getUpdates"))
	srv.WaitCall(t, wait, func(c telegramtest.Call) bool { return c.Method == "getUpdates" && c.Seq == n-1 && c.Status != 0 })
}

func TestGetUpdatesConflicts(t *testing.T) {
	srv := telegramtest.New(t)

	// A second poller terminates the first, as Telegram does.
	type result struct {
		status int
		reply  apiReply
	}
	first := make(chan result, 1)
	go func() {
		status, reply, _ := call(context.Background(), srv.URL(), "getUpdates", map[string]any{"timeout": 10})
		first <- result{status, reply}
	}()
	srv.WaitCall(t, wait, func(c telegramtest.Call) bool { return c.Method == "getUpdates" })
	getUpdates(t, srv, map[string]any{"timeout": 0})
	select {
	case r := <-first:
		if r.status != http.StatusConflict || r.reply.Description != "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running" {
			t.Errorf("first poll = %+v", r)
		}
	case <-time.After(wait):
		t.Fatal("first poll was not terminated")
	}

	// An active webhook blocks getUpdates until deleteWebhook.
	srv.SetWebhookActive(true)
	status, reply, _ := call(context.Background(), srv.URL(), "getUpdates", map[string]any{})
	if status != http.StatusConflict || reply.ErrorCode != 409 || reply.Description != "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" {
		t.Errorf("getUpdates with webhook = %d %+v", status, reply)
	}
	b := newClient(t, srv)
	if info, err := b.GetWebhookInfo(context.Background()); err != nil || info.URL == "" {
		t.Errorf("GetWebhookInfo = %+v, %v", info, err)
	}
	if ok, err := b.DeleteWebhook(context.Background(), &bot.DeleteWebhookParams{DropPendingUpdates: true}); err != nil || !ok {
		t.Fatalf("DeleteWebhook: %v", err)
	}
	getUpdates(t, srv, map[string]any{})
	if _, err := b.SetWebhook(context.Background(), &bot.SetWebhookParams{URL: "http://insecure.example"}); err == nil {
		t.Error("http webhook accepted")
	}
}

func TestUserHelpers(t *testing.T) {
	srv := telegramtest.New(t)
	for _, kind := range telegramtest.MediaKinds {
		srv.SendMedia(chatID, userID, kind)
	}
	srv.SendGroupText(-100, userID, "/help@intake_test_bot")
	srv.PressButton(chatID, userID, 999, "stale")

	ups := getUpdates(t, srv, map[string]any{})
	if len(ups) != len(telegramtest.MediaKinds)+2 {
		t.Fatalf("%d updates", len(ups))
	}
	for i, kind := range telegramtest.MediaKinds {
		m := ups[i].Message
		has := map[string]bool{
			"photo": len(m.Photo) > 0, "sticker": m.Sticker != nil, "voice": m.Voice != nil,
			"location": m.Location != nil, "document": m.Document != nil, "video": m.Video != nil,
			"audio": m.Audio != nil, "video_note": m.VideoNote != nil, "contact": m.Contact != nil,
		}
		if !has[kind] || m.Text != "" || m.ID != int(i+1) {
			t.Errorf("%s: message = %+v", kind, m)
		}
	}
	group := ups[len(ups)-2].Message
	if group.Chat.Type != models.ChatTypeGroup || group.Chat.ID != -100 || len(group.Entities) != 1 || group.Entities[0].Length != len("/help@intake_test_bot") {
		t.Errorf("group message = %+v", group)
	}
	stale := ups[len(ups)-1].CallbackQuery
	if stale == nil || stale.Message.Type != models.MaybeInaccessibleMessageTypeInaccessibleMessage || stale.Message.InaccessibleMessage.MessageID != 999 {
		t.Errorf("callback on a missing message = %+v", stale)
	}
	if msgs := srv.Chat(chatID); len(msgs) != len(telegramtest.MediaKinds) || msgs[0].Kind != "photo" || msgs[0].FromBot {
		t.Errorf("transcript:\n%s", telegramtest.FormatTranscript(msgs))
	}
}
