package telegramtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/telegramtest"
)

// rawPost sends body with contentType and returns the status and body.
func rawPost(t *testing.T, url, contentType, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}

func TestRouting(t *testing.T) {
	srv := telegramtest.New(t)
	form := "application/x-www-form-urlencoded"

	tests := []struct {
		name, path, contentType, body string
		wantStatus                    int
		wantBody                      string // exact when set
	}{
		{"unknown method", "/bot123:TEST/sendPigeon", form, "", 404, `{"ok":false,"error_code":404,"description":"Not Found"}`},
		{"no method", "/bot123:TEST/", form, "", 404, `{"ok":false,"error_code":404,"description":"Not Found"}`},
		{"not an API path", "/favicon.ico", form, "", 404, ""},
		{"method case", "/bot123:TEST/SENDMESSAGE", form, "chat_id=5&text=hoi", 200, ""},
		{"test environment path", "/bot123:TEST/test/getMe", form, "", 200, ""},
		{"bad JSON", "/bot123:TEST/sendMessage", "application/json", "{", 400, ""},
		{"missing chat", "/bot123:TEST/sendMessage", form, "text=x", 400, `{"ok":false,"error_code":400,"description":"Bad Request: chat_id is empty"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := rawPost(t, srv.URL()+tt.path, tt.contentType, tt.body)
			if status != tt.wantStatus || (tt.wantBody != "" && body != tt.wantBody) {
				t.Errorf("%s = %d %s, want %d %s", tt.path, status, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
	if c := srv.CallsTo("sendmessage")[0]; c.Method != "sendMessage" || c.Params["text"] != "hoi" || c.Token != "123:TEST" {
		t.Errorf("recorded call = %+v", c)
	}
}

func TestToken(t *testing.T) {
	srv := telegramtest.New(t)
	srv.SetToken("123:GOOD")
	status, body := rawPost(t, srv.URL()+"/bot123:BAD/getMe", "", "")
	if status != 401 || body != `{"ok":false,"error_code":401,"description":"Unauthorized"}` {
		t.Errorf("wrong token = %d %s", status, body)
	}
	if status, _ := rawPost(t, srv.URL()+"/bot123:GOOD/getMe", "", ""); status != 200 {
		t.Errorf("right token = %d", status)
	}
	calls := srv.Calls()
	if len(calls) != 2 || calls[0].Token != "123:BAD" || calls[0].Status != 401 || calls[1].Token != "123:GOOD" {
		t.Errorf("calls = %+v", calls)
	}
}

func TestJSONBody(t *testing.T) {
	srv := telegramtest.New(t)
	body := `{"chat_id":5,"text":"Kies","parse_mode":"HTML","disable_notification":true,
		"reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]},
		"link_preview_options":{"is_disabled":true}}`
	status, resp := rawPost(t, srv.URL()+"/bot1:x/sendMessage", "application/json", body)
	if status != 200 {
		t.Fatalf("sendMessage = %d %s", status, resp)
	}
	var reply struct {
		Result map[string]json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal([]byte(resp), &reply); err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]string{
		"message_id":           `1`,
		"chat":                 `{"id":5,"type":"private","first_name":"Test"}`,
		"from":                 `{"id":1000,"is_bot":true,"first_name":"Intake","username":"intake_test_bot"}`,
		"text":                 `"Kies"`,
		"reply_markup":         `{"inline_keyboard":[[{"callback_data":"a","text":"A"}]]}`,
		"link_preview_options": `{"is_disabled":true}`,
	} {
		if got := string(reply.Result[field]); got != want {
			t.Errorf("result.%s = %s, want %s", field, got, want)
		}
	}
	c := srv.CallsTo("sendMessage")[0]
	if c.Params["chat_id"] != "5" || c.Params["disable_notification"] != "true" || c.Params["reply_markup"] != `{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}` {
		t.Errorf("params = %+v", c.Params)
	}
	if m := srv.LastBotMessage(5); len(m.Keyboard) != 1 || m.Keyboard[0][0] != (telegramtest.Button{Text: "A", CallbackData: "a"}) {
		t.Errorf("keyboard = %+v", m.Keyboard)
	}
}

// fakeTB records a failure instead of stopping the test.
type fakeTB struct {
	testing.TB
	failed string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) { f.failed = format }

func TestWaitFailures(t *testing.T) {
	srv := telegramtest.New(t)
	b := newClient(t, srv)
	if _, err := b.GetMe(context.Background()); err != nil {
		t.Fatal(err)
	}
	tb := &fakeTB{TB: t}
	srv.WaitCall(tb, 50*time.Millisecond, func(c telegramtest.Call) bool { return c.Method == "sendMessage" })
	if !strings.Contains(tb.failed, "no matching call") {
		t.Errorf("WaitCall failure = %q", tb.failed)
	}
	tb.failed = ""
	srv.WaitMessage(tb, chatID, 50*time.Millisecond, nil)
	if !strings.Contains(tb.failed, "no matching bot message") {
		t.Errorf("WaitMessage failure = %q", tb.failed)
	}
	tb.failed = ""
	srv.WaitConfirmed(tb, 1, 50*time.Millisecond)
	if !strings.Contains(tb.failed, "not confirmed") {
		t.Errorf("WaitConfirmed failure = %q", tb.failed)
	}
	tb.failed = ""
	srv.Press(tb, chatID, userID, "Start")
	if !strings.Contains(tb.failed, "no button") {
		t.Errorf("Press failure = %q", tb.failed)
	}
}

func TestTrimmingMovesEntities(t *testing.T) {
	srv := telegramtest.New(t)
	b := newClient(t, srv)
	msg, err := b.SendMessage(context.Background(), &bot.SendMessageParams{ChatID: chatID, Text: "\n <b> x </b><i> </i>\n", ParseMode: models.ParseModeHTML})
	if err != nil {
		t.Fatal(err)
	}
	if msg.Text != "x" || len(msg.Entities) != 1 || msg.Entities[0] != (models.MessageEntity{Type: "bold", Offset: 0, Length: 1}) {
		t.Errorf("text %q entities %+v", msg.Text, msg.Entities)
	}
	if got := telegramtest.FormatTranscript(srv.Chat(chatID)); !strings.Contains(got, "#1 bot: x") {
		t.Errorf("FormatTranscript = %q", got)
	}
}

func TestNegativeOffsetKeepsLastUpdates(t *testing.T) {
	srv := telegramtest.New(t)
	for _, text := range []string{"a", "b", "c"} {
		srv.SendText(chatID, userID, text, "")
	}
	if ups := getUpdates(t, srv, map[string]any{"offset": -1}); len(ups) != 1 || ups[0].ID != 3 {
		t.Fatalf("offset -1 = %+v", ups)
	}
	if srv.ConfirmedOffset() != 3 || srv.Pending() != 1 {
		t.Errorf("ConfirmedOffset = %d, Pending = %d", srv.ConfirmedOffset(), srv.Pending())
	}
}
