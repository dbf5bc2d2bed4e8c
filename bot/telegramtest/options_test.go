package telegramtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/telegramtest"
)

func TestNewServerWithAddrAndClose(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	srv, err := telegramtest.NewServer(telegramtest.WithAddr(addr))
	if err != nil {
		t.Fatal(err)
	}
	if srv.URL() != "http://"+addr {
		t.Errorf("URL = %s, want http://%s", srv.URL(), addr)
	}
	if _, err := telegramtest.NewServer(telegramtest.WithAddr(addr)); err == nil {
		t.Error("a second server on the same address started")
	}

	// A waiting long poll ends with an empty result when the server closes.
	polled := make(chan []models.Update, 1)
	go func() {
		status, reply, err := call(context.Background(), srv.URL(), "getUpdates", map[string]any{"timeout": 30})
		var ups []models.Update
		if err != nil || status != 200 || json.Unmarshal(reply.Result, &ups) != nil {
			ups = nil
		}
		polled <- ups
	}()
	time.Sleep(100 * time.Millisecond)
	srv.Close()
	srv.Close() // twice is fine
	select {
	case ups := <-polled:
		if ups == nil || len(ups) != 0 {
			t.Errorf("poll at close = %v", ups)
		}
	case <-time.After(wait):
		t.Fatal("long poll still waiting after Close")
	}
}

func TestOnCallAndStats(t *testing.T) {
	srv := telegramtest.New(t)
	var (
		mu   sync.Mutex
		seen []telegramtest.Call
	)
	srv.OnCall(func(c telegramtest.Call) {
		// The effect is visible when the hook runs, and the hook may call
		// the server.
		if c.Method == "sendMessage" && c.OK() && srv.LastBotMessage(chatID).Text != c.Params["text"] {
			t.Errorf("hook ran before the message was visible")
		}
		mu.Lock()
		seen = append(seen, c)
		mu.Unlock()
	})
	b := newClient(t, srv)
	ctx := context.Background()
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chatID, Text: "hoi"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chatID, Text: "<b>", ParseMode: models.ParseModeHTML}); err == nil {
		t.Fatal("bad HTML accepted")
	}
	srv.SendText(chatID, userID, "a", "")
	getUpdates(t, srv, map[string]any{"offset": 0})

	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 || seen[0].Method != "sendMessage" || seen[0].Status != 200 || seen[0].Params["text"] != "hoi" ||
		seen[1].Status != 400 || seen[1].Description == "" || seen[2].Method != "getUpdates" || seen[2].Seq != 2 {
		t.Errorf("hook saw %+v", seen)
	}
	st := srv.Stats()
	sm := st.Methods["sendMessage"]
	if sm.Calls != 2 || sm.Failed != 1 || len(sm.Errors) != 1 || st.Methods["getUpdates"].Calls != 1 {
		t.Errorf("stats = %+v", st)
	}
	if st.Updates != 1 || st.Pending != 1 || st.Chats != 1 || st.Confirmed != 0 {
		t.Errorf("stats = %+v", st)
	}
	srv.OnCall(nil)
	if _, err := b.GetMe(ctx); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 3 {
		t.Errorf("removed hook still called")
	}
}

func TestWithoutHistoryKeepsLittle(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithoutHistory())
	b := newClient(t, srv)
	ctx := context.Background()
	var first int
	for i := range 40 {
		srv.SendText(chatID, userID, "vraag "+strconv.Itoa(i), "nl")
		m, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chatID, Text: "antwoord " + strconv.Itoa(i),
			ReplyMarkup: keyboard([]models.InlineKeyboardButton{cb("OK", fmt.Sprintf("ok%d", i))})})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = m.ID
		}
	}
	msgs := srv.Chat(chatID)
	if len(msgs) != telegramtest.KeptMessages || msgs[len(msgs)-1].Text != "antwoord 39" || msgs[0].ID != 80-telegramtest.KeptMessages+1 {
		t.Fatalf("kept:\n%s", telegramtest.FormatTranscript(msgs))
	}
	if m := srv.LastBotMessage(chatID); m.Text != "antwoord 39" {
		t.Errorf("LastBotMessage = %+v", m)
	}
	if len(srv.Calls()) != 0 || len(srv.CallsTo("sendMessage")) != 0 {
		t.Errorf("calls kept without history")
	}
	if st := srv.Stats(); st.Methods["sendMessage"].Calls != 40 || st.Updates != 40 {
		t.Errorf("stats = %+v", st)
	}
	// A forgotten message is gone; a kept one can still be edited.
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chatID, MessageID: first, Text: "x"}); err == nil {
		t.Error("edit of a forgotten message accepted")
	}
	last := srv.LastBotMessage(chatID)
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: chatID, MessageID: int(last.ID), Text: "klaar"}); err != nil {
		t.Errorf("edit of a kept message: %v", err)
	}
	if m := srv.LastBotMessage(chatID); m.Text != "klaar" || m.Edits != 1 || m.Keyboard != nil {
		t.Errorf("edited message = %+v", m)
	}
}

func TestUnansweredInOrder(t *testing.T) {
	srv := telegramtest.New(t)
	b := newClient(t, srv)
	ctx := context.Background()
	for i := range 12 {
		srv.PressButton(chatID, userID, 1, "x"+strconv.Itoa(i))
	}
	ids := srv.Unanswered()
	for i, id := range ids {
		if id != "cb-"+strconv.Itoa(i+1) {
			t.Fatalf("Unanswered = %v", ids)
		}
	}
	if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: "cb-3"}); err != nil {
		t.Fatal(err)
	}
	if ids := srv.Unanswered(); len(ids) != 11 || ids[1] != "cb-2" || ids[2] != "cb-4" {
		t.Errorf("Unanswered = %v", ids)
	}
	if st := srv.Stats(); st.Unanswered != 11 {
		t.Errorf("Stats.Unanswered = %d", st.Unanswered)
	}
}

// Many pending updates come out 100 at a time, in order, byte for byte as
// queued.
func TestGetUpdatesManyPending(t *testing.T) {
	srv := telegramtest.New(t, telegramtest.WithoutHistory())
	const n = 2500
	for i := range n {
		srv.SendText(int64(1+i%500), int64(1+i%500), "<b>&"+strconv.Itoa(i), "nl")
	}
	srv.PressButton(3, 3, 1, "a:1:q:x")
	offset := int64(0)
	got := 0
	for {
		ups := getUpdates(t, srv, map[string]any{"offset": offset, "timeout": 0})
		if len(ups) == 0 {
			break
		}
		if len(ups) > 100 {
			t.Fatalf("%d updates in one answer", len(ups))
		}
		for _, u := range ups {
			got++
			if u.ID != int64(got) {
				t.Fatalf("update %d where %d was due", u.ID, got)
			}
			if got <= n && u.Message.Text != "<b>&"+strconv.Itoa(got-1) || got == n+1 && u.CallbackQuery == nil {
				t.Fatalf("update %d = %+v", u.ID, u)
			}
			offset = u.ID + 1
		}
	}
	if got != n+1 || srv.Pending() != 0 {
		t.Errorf("got %d updates, %d pending", got, srv.Pending())
	}
}
