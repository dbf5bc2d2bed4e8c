package telegram

import (
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/telegramtest"
)

// clientTimeout is the Bot API client's timeout in these tests; SpoilSlow
// answers after twice as long.
const clientTimeout = 300 * time.Millisecond

// newDeliveryFixture is newSenderFixture with a client of clientTimeout,
// its HTTP client made by wrap (Traced, or as it is).
func newDeliveryFixture(t *testing.T, wrap func(*http.Client) *http.Client) *senderFixture {
	t.Helper()
	f := &senderFixture{api: telegramtest.New(t), m: &metrics.Metrics{}, logs: &bottest.Log{}}
	client, err := tgbot.New(testToken, tgbot.WithServerURL(f.api.URL()), tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(time.Minute, wrap(&http.Client{Timeout: clientTimeout})))
	if err != nil {
		t.Fatal(err)
	}
	f.s = &Sender{API: client, Log: slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Metrics: f.m, PerChatInterval: time.Millisecond, Backoff: 10 * time.Millisecond}
	return f
}

// spoilEvery spoils every call of method with s.
func spoilEvery(method string, s telegramtest.Spoil) func(string, map[string]string) *telegramtest.Fault {
	return func(m string, _ map[string]string) *telegramtest.Fault {
		if m == method {
			return &telegramtest.Fault{Spoil: s, Delay: 2 * clientTimeout}
		}
		return nil
	}
}

// spoilFirst spoils the first call of method with s.
func spoilFirst(method string, s telegramtest.Spoil) func(string, map[string]string) *telegramtest.Fault {
	var n atomic.Int32
	return func(m string, _ map[string]string) *telegramtest.Fault {
		if m == method && n.Add(1) == 1 {
			return &telegramtest.Fault{Spoil: s, Delay: 2 * clientTimeout}
		}
		return nil
	}
}

var clients = []struct {
	name string
	wrap func(*http.Client) *http.Client
}{
	{"traced", Traced},
	{"plain", func(c *http.Client) *http.Client { return c }},
}

// A message the Bot API delivered is never sent again, whatever became of
// the answer: each of 3 messages arrives exactly once.
func TestSenderNeverDoublesADeliveredMessage(t *testing.T) {
	tests := []struct {
		spoil     telegramtest.Spoil
		ok        bool // what Send reports
		uncertain int64
	}{
		{telegramtest.SpoilOddBody, true, 0},
		{telegramtest.SpoilCut, false, 3},
		{telegramtest.SpoilSlow, false, 3},
	}
	for _, cl := range clients {
		for _, tc := range tests {
			t.Run(cl.name+"/"+spoilName(tc.spoil), func(t *testing.T) {
				f := newDeliveryFixture(t, cl.wrap)
				f.api.SetFault(spoilEvery("sendMessage", tc.spoil))
				const chat = 2100
				texts := []string{"Hoi Sam, vraag één", "vraag twee", "vraag drie"}
				for _, text := range texts {
					if ok := f.s.Send(testContext(t, 10*time.Second), chat, text, nil); ok != tc.ok {
						t.Errorf("Send(%q) = %v, want %v", text, ok, tc.ok)
					}
				}
				if got := f.texts(chat); strings.Join(got, "|") != strings.Join(texts, "|") {
					t.Fatalf("the person sees %q, want each message once", got)
				}
				if n := len(f.sends(chat)); n != len(texts) {
					t.Errorf("%d sendMessage calls for %d messages", n, len(texts))
				}
				if n := f.m.SendsUncertain.Load(); n != tc.uncertain {
					t.Errorf("SendsUncertain = %d, want %d", n, tc.uncertain)
				}
				if n := f.m.Retries.Load(); n != 0 {
					t.Errorf("Retries = %d", n)
				}
				logs := f.logs.String()
				if strings.Contains(logs, "Sam") || strings.Contains(logs, "vraag") {
					t.Errorf("a person's text in the logs:\n%s", logs)
				}
				if tc.spoil == telegramtest.SpoilOddBody {
					if n := strings.Count(logs, "answer could not be read"); n != 1 {
						t.Errorf("the odd answer logged %d times, want once per method:\n%s", n, logs)
					}
					if f.m.Sent.Load() != 3 || f.m.SendFailures.Load() != 0 || f.m.UndecodedAnswers.Load() != 3 {
						t.Errorf("Sent %d, SendFailures %d, UndecodedAnswers %d", f.m.Sent.Load(), f.m.SendFailures.Load(), f.m.UndecodedAnswers.Load())
					}
				}
			})
		}
	}
}

// The ID of a message whose answer has an odd shape is still known, so an
// alert message can be edited later.
func TestSenderKeepsTheIDOfAnOddAnswer(t *testing.T) {
	f := newDeliveryFixture(t, Traced)
	f.api.SetFault(spoilEvery("sendMessage", telegramtest.SpoilOddBody))
	if id := f.s.sendForID(testContext(t, 5*time.Second), 2200, "alarm", nil); id != 1 {
		t.Fatalf("sendForID = %d, want 1", id)
	}
}

// Calls that are safe to repeat (an edit, answering a press) are tried
// again after an answer that got lost; the person sees the edit once.
func TestSenderRepeatsWhatIsSafeToRepeat(t *testing.T) {
	for _, spoil := range []telegramtest.Spoil{telegramtest.SpoilCut, telegramtest.SpoilSlow} {
		t.Run(spoilName(spoil), func(t *testing.T) {
			f := newDeliveryFixture(t, Traced)
			ctx := testContext(t, 10*time.Second)
			const chat = 2300
			if !f.s.Send(ctx, chat, "Vraag", nil) {
				t.Fatal("Send failed")
			}
			f.api.SetFault(spoilFirst("editMessageText", spoil))
			if !f.s.Edit(ctx, chat, 1, "Vraag beantwoord", nil) {
				t.Fatalf("Edit failed; logs:\n%s", f.logs)
			}
			if m := f.api.LastBotMessage(chat); m.Text != "Vraag beantwoord" || m.Edits != 1 {
				t.Fatalf("message: %+v", m)
			}
			if n := len(f.api.CallsTo("editMessageText")); n != 2 {
				t.Errorf("%d edit calls, want 2", n)
			}
			if f.m.SendsUncertain.Load() != 0 {
				t.Errorf("SendsUncertain = %d", f.m.SendsUncertain.Load())
			}
		})
	}
}

// A 5xx whose body is not Telegram's JSON (a proxy's error page) was not
// handled: with the traced client the send is tried again.
func TestSenderRetriesAProxyErrorPage(t *testing.T) {
	f := newDeliveryFixture(t, Traced)
	var n atomic.Int32
	front := newFrontProxy(t, f.api.URL(), func(w http.ResponseWriter) bool {
		if n.Add(1) == 1 {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
			return true
		}
		return false
	})
	client, err := tgbot.New(testToken, tgbot.WithServerURL(front), tgbot.WithSkipGetMe(),
		tgbot.WithHTTPClient(time.Minute, Traced(&http.Client{Timeout: clientTimeout})))
	if err != nil {
		t.Fatal(err)
	}
	f.s.API = client
	if !f.s.Send(testContext(t, 5*time.Second), 2400, "hallo", nil) {
		t.Fatalf("Send failed; logs:\n%s", f.logs)
	}
	if got := f.texts(2400); len(got) != 1 {
		t.Fatalf("the person sees %q", got)
	}
	if f.m.Retries.Load() != 1 {
		t.Errorf("Retries = %d", f.m.Retries.Load())
	}
}

func spoilName(s telegramtest.Spoil) string {
	return [...]string{"none", "odd body", "cut", "slow"}[s]
}

// When the caller's context ends while the answer is awaited, the message
// may have arrived: it is counted as uncertain, and not sent again.
func TestSenderCountsASendCutByItsContext(t *testing.T) {
	f := newDeliveryFixture(t, Traced)
	f.api.SetFault(spoilEvery("sendMessage", telegramtest.SpoilSlow))
	if f.s.Send(testContext(t, 100*time.Millisecond), 2500, "hallo", nil) {
		t.Fatal("Send reported success")
	}
	if got := f.texts(2500); len(got) != 1 {
		t.Fatalf("the person sees %q", got)
	}
	if f.m.SendsUncertain.Load() != 1 || f.m.SendFailures.Load() != 1 || f.m.Retries.Load() != 0 {
		t.Errorf("SendsUncertain %d, SendFailures %d, Retries %d", f.m.SendsUncertain.Load(), f.m.SendFailures.Load(), f.m.Retries.Load())
	}
}
