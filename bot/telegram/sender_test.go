package telegram

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/metrics"

	tgbot "github.com/go-telegram/bot"

	"github.com/intakebot/intakebot/bot/telegramtest"
)

const testToken = "123456:TEST-token"

// senderFixture is a Sender with the real Bot API client against the fake
// Bot API.
type senderFixture struct {
	api  *telegramtest.Server
	s    *Sender
	m    *metrics.Metrics
	logs *bottest.Log
}

// newSenderFixture makes a Sender with a fast pace per chat (10 ms) and a
// short backoff (10 ms); configure, when not nil, changes it before use.
func newSenderFixture(t *testing.T, configure func(*Sender)) *senderFixture {
	t.Helper()
	f := &senderFixture{api: telegramtest.New(t), m: &metrics.Metrics{}, logs: &bottest.Log{}}
	client, err := tgbot.New(testToken, tgbot.WithServerURL(f.api.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatalf("Bot API client: %v", err)
	}
	f.s = &Sender{API: client, Log: slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Metrics: f.m, PerChatInterval: 10 * time.Millisecond, Backoff: 10 * time.Millisecond}
	if configure != nil {
		configure(f.s)
	}
	t.Cleanup(func() {
		if strings.Contains(f.logs.String(), testToken) {
			t.Errorf("the logs contain the token:\n%s", f.logs)
		}
	})
	return f
}

// sends returns the sendMessage calls to chat, in order of arrival.
func (f *senderFixture) sends(chat int64) []telegramtest.Call {
	id := strconv.FormatInt(chat, 10)
	return slices.DeleteFunc(f.api.CallsTo("sendMessage"), func(c telegramtest.Call) bool { return c.Params["chat_id"] != id })
}

// texts returns the texts the person in chat sees from the bot.
func (f *senderFixture) texts(chat int64) []string {
	var out []string
	for _, m := range f.api.Chat(chat) {
		if m.FromBot {
			out = append(out, m.Text)
		}
	}
	return out
}

func numbered(format string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, i)
	}
	return out
}

func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// waitUntil polls cond until it holds or 5 s pass.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSenderWaitsOutA429InThatChatOnly(t *testing.T) {
	f := newSenderFixture(t, nil)
	const blocked = 501
	others := []int64{601, 602, 603, 604}
	start := time.Now()
	f.api.SetFault(func(method string, p map[string]string) *telegramtest.Fault {
		if method == "sendMessage" && p["chat_id"] == strconv.Itoa(blocked) && time.Since(start) < 5*time.Second {
			return &telegramtest.Fault{RetryAfter: 2}
		}
		return nil
	})
	ctx := testContext(t, 30*time.Second)
	var failed atomic.Int32
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, text := range numbered("blocked %d", 10) {
			if !f.s.Send(ctx, blocked, text, nil) {
				failed.Add(1)
			}
		}
	})
	for _, chat := range others {
		wg.Go(func() {
			for _, text := range numbered(fmt.Sprintf("chat %d message %%d", chat), 5) {
				if !f.s.Send(ctx, chat, text, nil) {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()

	if n := failed.Load(); n > 0 {
		t.Fatalf("%d sends failed; logs:\n%s", n, f.logs)
	}
	if got, want := f.texts(blocked), numbered("blocked %d", 10); !slices.Equal(got, want) {
		t.Fatalf("the limited chat got %q, want %q", got, want)
	}
	calls := f.sends(blocked)
	var limited []telegramtest.Call
	for _, c := range calls {
		if c.Status == 429 {
			limited = append(limited, c)
		}
	}
	if len(limited) < 2 {
		t.Fatalf("%d answers 429 in 5 s of them, want at least 2 (one every 2 s)", len(limited))
	}
	for _, l := range limited {
		for _, c := range calls {
			if c.Seq != l.Seq && !c.Time.Before(l.Time) && c.Time.Sub(l.Time) < 2*time.Second {
				t.Errorf("sendMessage %v after a 429 with retry_after 2", c.Time.Sub(l.Time))
			}
		}
	}
	if n := f.m.RateLimited.Load(); n != int64(len(limited)) {
		t.Errorf("RateLimited = %d, want %d", n, len(limited))
	}
	for _, chat := range others {
		if got, want := f.texts(chat), numbered(fmt.Sprintf("chat %d message %%d", chat), 5); !slices.Equal(got, want) {
			t.Fatalf("chat %d got %q, want %q", chat, got, want)
		}
		sent := f.sends(chat)
		if last := sent[len(sent)-1].Time; last.Sub(limited[0].Time) >= 2*time.Second {
			t.Errorf("chat %d was held up by the other chat's 429: done %v after it", chat, last.Sub(limited[0].Time))
		}
	}
	if d := f.m.QueueDepth(); d != 0 {
		t.Errorf("queue depth %d after all sends", d)
	}
}

func TestSenderKeepsTheBotWithin30PerSecond(t *testing.T) {
	f := newSenderFixture(t, nil) // PerSecond: the production 30
	const n = 45
	ctx := testContext(t, 30*time.Second)
	var failed atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if !f.s.Send(ctx, int64(1000+i), "hallo", nil) {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if k := failed.Load(); k > 0 {
		t.Fatalf("%d sends failed; logs:\n%s", k, f.logs)
	}
	calls := f.api.CallsTo("sendMessage")
	if len(calls) != n {
		t.Fatalf("%d calls, want %d", len(calls), n)
	}
	if burst := calls[29].Time.Sub(calls[0].Time); burst >= time.Second {
		t.Errorf("the first 30 took %v, want them at once", burst)
	}
	// Any 31 calls span a second (less a margin for the way to the server).
	for i := 30; i < n; i++ {
		if d := calls[i].Time.Sub(calls[i-30].Time); d < 900*time.Millisecond {
			t.Fatalf("calls %d to %d within %v: over 30 per second", i-30, i, d)
		}
	}
	if f.m.Throttled.Load() < n-30 {
		t.Errorf("Throttled = %d, want at least %d", f.m.Throttled.Load(), n-30)
	}
}

func TestSenderPacesOneChatAfterABurst(t *testing.T) {
	const every = 100 * time.Millisecond
	f := newSenderFixture(t, func(s *Sender) { s.PerChatInterval = every })
	const chat = 1100
	ctx := testContext(t, 30*time.Second)
	want := numbered("bericht %d", 10)
	for _, text := range want {
		if !f.s.Send(ctx, chat, text, nil) {
			t.Fatalf("send failed; logs:\n%s", f.logs)
		}
	}
	if got := f.texts(chat); !slices.Equal(got, want) {
		t.Fatalf("chat got %q, want %q", got, want)
	}
	calls := f.sends(chat)
	// A burst of 4, then one every 100 ms: the last at 600 ms.
	if burst := calls[3].Time.Sub(calls[0].Time); burst >= 3*every {
		t.Errorf("the burst of 4 took %v", burst)
	}
	if paced := calls[9].Time.Sub(calls[3].Time); paced < 5*every+every/2 {
		t.Errorf("sends 4 to 10 took %v, want at least %v", paced, 5*every+every/2)
	}
	for i := 5; i < len(calls); i++ {
		if d := calls[i].Time.Sub(calls[i-2].Time); d < 2*every-every/2 {
			t.Errorf("sends %d and %d %v apart after the burst", i-1, i+1, d)
		}
	}
}

func TestSenderServesALiveReplyBeforeBulk(t *testing.T) {
	f := newSenderFixture(t, func(s *Sender) { s.PerSecond = 1 })
	f.s.init()
	f.s.lim.SetWindow(2 * time.Second) // time to queue the bulk sends, even on a loaded machine
	ctx := testContext(t, 30*time.Second)
	if !f.s.Send(ctx, 700, "first", nil) { // the budget is spent for 2 s
		t.Fatalf("send failed; logs:\n%s", f.logs)
	}
	bulkCtx, stopBulk := context.WithCancel(ctx)
	defer stopBulk()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { f.s.SendBulk(bulkCtx, int64(800+i), "herinnering", nil) })
	}
	waitUntil(t, "20 bulk sends waiting", func() bool { return f.m.QueueBulk.Load() == 20 })
	if n := len(f.api.CallsTo("sendMessage")); n != 1 {
		t.Fatalf("%d messages sent while the budget was spent", n)
	}
	wg.Go(func() { f.s.Send(ctx, 701, "live", nil) })
	live := f.api.WaitCall(t, 10*time.Second, func(c telegramtest.Call) bool { return c.Params["chat_id"] == "701" })
	for _, c := range f.api.CallsTo("sendMessage") {
		if c.Seq < live.Seq && c.Params["chat_id"] != "700" {
			t.Fatalf("bulk message to %s sent before the live reply", c.Params["chat_id"])
		}
	}
	if d := live.Time.Sub(f.sends(700)[0].Time); d < 1900*time.Millisecond {
		t.Errorf("live reply %v after the first send, within the budget's window", d)
	}
	stopBulk()
	wg.Wait()
	if d := f.m.QueueDepth(); d != 0 {
		t.Errorf("queue depth %d after the bulk sends were cancelled", d)
	}
}

// failFirst answers the first n calls of method with fault.
func failFirst(method string, n int, fault telegramtest.Fault) func(string, map[string]string) *telegramtest.Fault {
	var count atomic.Int32
	return func(m string, _ map[string]string) *telegramtest.Fault {
		if m == method && count.Add(1) <= int32(n) {
			return &fault
		}
		return nil
	}
}
