package telegram

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/metrics"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/telegramtest"
)

func TestSenderRetriesOnlyWhatMaySucceed(t *testing.T) {
	tests := []struct {
		name    string
		fault   telegramtest.Fault
		times   int
		ok      bool
		calls   int
		retries int64
	}{
		{"502 twice, then ok", telegramtest.Fault{Status: 502}, 2, true, 3, 2},
		{"503 every time", telegramtest.Fault{Status: 503}, 100, false, 4, 3},
		{"500 once", telegramtest.Fault{Status: 500}, 1, true, 2, 1},
		{"400", telegramtest.Fault{Status: 400, Description: "Bad Request: chat not found"}, 100, false, 1, 0},
		{"401", telegramtest.Fault{Status: 401, Description: "Unauthorized"}, 100, false, 1, 0},
		{"403", telegramtest.Fault{Status: 403}, 100, false, 1, 0},
		{"404", telegramtest.Fault{Status: 404, Description: "Not Found"}, 100, false, 1, 0},
		{"409", telegramtest.Fault{Status: 409, Description: "Conflict"}, 100, false, 1, 0},
		{"413", telegramtest.Fault{Status: 413, Description: "Request Entity Too Large"}, 100, false, 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newSenderFixture(t, nil)
			f.api.SetFault(failFirst("sendMessage", tc.times, tc.fault))
			if ok := f.s.Send(testContext(t, 10*time.Second), 1200, "hallo", nil); ok != tc.ok {
				t.Fatalf("Send = %v, want %v; logs:\n%s", ok, tc.ok, f.logs)
			}
			if n := len(f.api.CallsTo("sendMessage")); n != tc.calls {
				t.Errorf("%d calls, want %d", n, tc.calls)
			}
			if n := f.m.Retries.Load(); n != tc.retries {
				t.Errorf("Retries = %d, want %d", n, tc.retries)
			}
			if n, want := f.m.SendFailures.Load(), int64(0); !tc.ok && n != 1 || tc.ok && n != want {
				t.Errorf("SendFailures = %d", n)
			}
		})
	}
}

// countingAPI counts the sendMessage requests it passes on.
type countingAPI struct {
	TelegramAPI
	sends atomic.Int32
}

func (c *countingAPI) SendMessage(ctx context.Context, p *tgbot.SendMessageParams) (*models.Message, error) {
	c.sends.Add(1)
	return c.TelegramAPI.SendMessage(ctx, p)
}

func TestSenderGivesUpOnANetworkFailureAfterItsAttempts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused
	client, err := tgbot.New(testToken, tgbot.WithServerURL("http://"+addr), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	api := &countingAPI{TelegramAPI: client}
	logs, m := &bottest.Log{}, &metrics.Metrics{}
	s := &Sender{API: api, Log: slog.New(slog.NewTextHandler(logs, nil)), Metrics: m, Backoff: 10 * time.Millisecond}
	start := time.Now()
	if s.Send(testContext(t, 10*time.Second), 1300, "hallo", nil) {
		t.Fatal("Send reported success without a server")
	}
	if n := api.sends.Load(); n != DefaultAttempts {
		t.Errorf("%d attempts, want %d", n, DefaultAttempts)
	}
	if n := m.Retries.Load(); n != DefaultAttempts-1 {
		t.Errorf("Retries = %d", n)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v", d)
	}
	if !strings.Contains(logs.String(), "can't send message") || strings.Contains(logs.String(), testToken) {
		t.Errorf("logs:\n%s", logs)
	}
}

func TestSenderRetriesAnUploadWithTheWholeFile(t *testing.T) {
	f := newSenderFixture(t, nil)
	f.api.SetFault(failFirst("sendDocument", 1, telegramtest.Fault{Status: 502}))
	payload := bytes.Repeat([]byte("Samenvatting van de intake.\n"), 4000) // over 100 kB
	if !f.s.SendDocument(testContext(t, 10*time.Second), 1400, "samenvatting.txt", payload, "<b>Samenvatting</b>") {
		t.Fatalf("SendDocument failed; logs:\n%s", f.logs)
	}
	calls := f.api.CallsTo("sendDocument")
	if len(calls) != 2 || !calls[0].Faulted || !calls[1].OK() {
		t.Fatalf("sendDocument calls: %d", len(calls))
	}
	for i, c := range calls {
		if doc, ok := c.Files["document"]; !ok || !bytes.Equal(doc.Data, payload) || doc.Filename != "samenvatting.txt" {
			t.Errorf("attempt %d uploaded %d of %d bytes", i+1, len(doc.Data), len(payload))
		}
	}
	msgs := f.api.Chat(1400)
	if len(msgs) != 1 || msgs[0].Document == nil || !bytes.Equal(msgs[0].Document.Data, payload) || msgs[0].Text != "Samenvatting" {
		t.Fatalf("chat shows %+v", msgs)
	}
}

// refuseMarkupOnce answers the first call of method with parse_mode HTML
// with Telegram's "can't parse entities".
func refuseMarkupOnce(method string) func(string, map[string]string) *telegramtest.Fault {
	var done atomic.Bool
	return func(m string, p map[string]string) *telegramtest.Fault {
		if m == method && strings.EqualFold(p["parse_mode"], "HTML") && done.CompareAndSwap(false, true) {
			return &telegramtest.Fault{Status: 400, Description: `Bad Request: can't parse entities: Unsupported start tag "x" at byte offset 3`}
		}
		return nil
	}
}

func TestSenderFallsBackToPlainText(t *testing.T) {
	ctx := testContext(t, 10*time.Second)
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Verder", CallbackData: "go"}}}}
	t.Run("sendMessage", func(t *testing.T) {
		f := newSenderFixture(t, nil)
		f.api.SetFault(refuseMarkupOnce("sendMessage"))
		if !f.s.Send(ctx, 1500, "<b>Hoi</b> &amp; welkom", kb) {
			t.Fatalf("Send failed; logs:\n%s", f.logs)
		}
		msgs := f.api.Chat(1500)
		if len(msgs) != 1 || msgs[0].ParseMode != "" || msgs[0].Source != "Hoi & welkom" {
			t.Fatalf("chat shows %+v", msgs)
		}
		if _, ok := msgs[0].Button("Verder"); !ok {
			t.Error("the plain message lost its keyboard")
		}
		if n := f.m.Retries.Load(); n != 0 {
			t.Errorf("Retries = %d", n)
		}
	})
	t.Run("editMessageText", func(t *testing.T) {
		f := newSenderFixture(t, nil)
		if !f.s.Send(ctx, 1501, "Vraag", nil) {
			t.Fatal("Send failed")
		}
		f.api.SetFault(refuseMarkupOnce("editMessageText"))
		if !f.s.Edit(ctx, 1501, 1, "<i>Vraag</i> beantwoord", nil) {
			t.Fatalf("Edit failed; logs:\n%s", f.logs)
		}
		if m := f.api.LastBotMessage(1501); m.ParseMode != "" || m.Text != "Vraag beantwoord" || m.Edits != 1 {
			t.Fatalf("message is %+v", m)
		}
		// The same text again: "message is not modified" is a success.
		if !f.s.Edit(ctx, 1501, 1, "Vraag beantwoord", nil) {
			t.Fatal("an edit to the same text reported failure")
		}
		if f.s.Edit(ctx, 1501, 99, "weg", nil) {
			t.Fatal("an edit of a missing message reported success")
		}
	})
	t.Run("sendDocument caption", func(t *testing.T) {
		f := newSenderFixture(t, nil)
		f.api.SetFault(refuseMarkupOnce("sendDocument"))
		if !f.s.SendDocument(ctx, 1502, "a.txt", []byte("inhoud"), "<b>Bijlage</b>") {
			t.Fatalf("SendDocument failed; logs:\n%s", f.logs)
		}
		if m := f.api.LastBotMessage(1502); m.ParseMode != "" || m.Source != "Bijlage" || m.Document == nil {
			t.Fatalf("message is %+v", m)
		}
	})
}

func TestSenderGivesUpOnALongRetryAfterAndKeepsHonouringIt(t *testing.T) {
	f := newSenderFixture(t, func(s *Sender) { s.MaxRetryAfter = time.Second })
	const chat = 1600
	f.api.SetFault(func(m string, p map[string]string) *telegramtest.Fault {
		if m == "sendMessage" && p["chat_id"] == strconv.Itoa(chat) {
			return &telegramtest.Fault{RetryAfter: 30}
		}
		return nil
	})
	start := time.Now()
	if f.s.Send(testContext(t, 10*time.Second), chat, "hallo", nil) {
		t.Fatal("Send reported success")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("gave up after %v", d)
	}
	if f.m.RetryAfterTooLong.Load() != 1 || f.m.SendFailures.Load() != 1 || f.m.Retries.Load() != 0 {
		t.Errorf("RetryAfterTooLong %d, SendFailures %d, Retries %d", f.m.RetryAfterTooLong.Load(), f.m.SendFailures.Load(), f.m.Retries.Load())
	}
	if !strings.Contains(f.logs.String(), "level=ERROR") {
		t.Errorf("no error logged:\n%s", f.logs)
	}
	// The chat stays blocked for the next send, which ends with its context.
	start = time.Now()
	if f.s.Send(testContext(t, 300*time.Millisecond), chat, "nog eens", nil) {
		t.Fatal("Send reported success")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the waiting send ended %v after, its context after 300 ms", d)
	}
	if n := len(f.sends(chat)); n != 1 {
		t.Errorf("%d calls to a chat Telegram asked to wait 30 s", n)
	}
	// Another chat is not held.
	if !f.s.Send(testContext(t, 2*time.Second), chat+1, "hallo", nil) {
		t.Error("another chat was held")
	}
	if d := f.m.QueueDepth(); d != 0 {
		t.Errorf("queue depth %d", d)
	}
}

func TestSenderAnswersButtonsOutsideTheBudget(t *testing.T) {
	f := newSenderFixture(t, func(s *Sender) { s.PerSecond = 1 })
	const chat = 1700
	ctx := testContext(t, 10*time.Second)
	if !f.s.Send(ctx, chat, "Vraag", nil) { // the budget is spent for a second
		t.Fatal("Send failed")
	}
	f.api.PressButton(chat, chat, 1, "a")
	start := time.Now()
	f.s.AnswerCallback(ctx, f.api.Unanswered()[0], "")
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("answering the press took %v: it waited for the message budget", d)
	}

	// A chat that Telegram holds back (429) gets no answer either until then.
	until := time.Now().Add(400 * time.Millisecond)
	f.s.lim.Block(chat, until)
	f.api.PressButton(chat, chat, 1, "b")
	f.s.AnswerCallbackIn(ctx, chat, f.api.Unanswered()[0], "")
	answers := f.api.CallsTo("answerCallbackQuery")
	if len(answers) != 2 || !answers[1].OK() || answers[1].Time.Before(until) {
		t.Fatalf("answers: %d; the second %v before the block ended", len(answers), until.Sub(answers[1].Time))
	}
	if ids := f.api.Unanswered(); len(ids) > 0 {
		t.Fatalf("unanswered: %v", ids)
	}
}

func TestSenderPausesEverythingOnAFloodWithoutChat(t *testing.T) {
	f := newSenderFixture(t, nil)
	f.api.SetFault(failFirst("answerCallbackQuery", 1, telegramtest.Fault{RetryAfter: 1}))
	ctx := testContext(t, 10*time.Second)
	f.api.PressButton(1800, 1800, 1, "a")
	id := f.api.Unanswered()[0]
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.s.AnswerCallback(ctx, id, "")
	}()
	flood := f.api.WaitCall(t, 5*time.Second, func(c telegramtest.Call) bool { return c.Faulted })
	waitUntil(t, "the pause", func() bool { // the 429 reached the sender
		return f.s.lim.Paused()
	})
	if !f.s.Send(ctx, 1801, "hallo", nil) {
		t.Fatal("Send failed")
	}
	<-done
	sent := f.sends(1801)
	if d := sent[0].Time.Sub(flood.Time); d < time.Second {
		t.Errorf("message sent %v after a flood 429 with retry_after 1", d)
	}
	if ids := f.api.Unanswered(); len(ids) > 0 {
		t.Errorf("the press was not answered after the pause")
	}
}

func TestSenderZeroValueWorks(t *testing.T) {
	api := telegramtest.New(t)
	client, err := tgbot.New(testToken, tgbot.WithServerURL(api.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	s := &Sender{API: client} // no logger, no metrics
	if !s.Send(testContext(t, 5*time.Second), 1900, "hallo", nil) {
		t.Fatal("Send failed")
	}
	s.init()
	if perWindow, window, chatBurst := s.lim.Limits(); perWindow != DefaultPerSecond || chatBurst != DefaultPerChatBurst || window != time.Second {
		t.Errorf("defaults: %d per %v, burst %v", perWindow, window, chatBurst)
	}
	if DefaultPerChatInterval != time.Second || DefaultMaxRetryAfter != time.Minute || DefaultAttempts != 4 {
		t.Error("the production defaults changed")
	}
}

func TestMetricsShowTheSender(t *testing.T) {
	m := &metrics.Metrics{}
	m.QueueLive.Store(2)
	m.QueueBulk.Store(7)
	m.Throttled.Store(3)
	m.RetryAfterTooLong.Store(1)
	m.SendFailures.Store(4)
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"intakebot_send_queue_depth{lane=\"live\"} 2\n",
		"intakebot_send_queue_depth{lane=\"bulk\"} 7\n",
		"# TYPE intakebot_send_queue_depth gauge\n",
		"intakebot_send_throttled_total 3\n",
		"intakebot_retry_after_too_long_total 1\n",
		"intakebot_send_failures_total 4\n",
		"intakebot_rate_limited_total 0\n",
		"intakebot_send_retries_total 0\n",
	} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("metrics lack %q", line)
		}
	}
	if m.QueueDepth() != 9 {
		t.Errorf("QueueDepth = %d", m.QueueDepth())
	}
}
