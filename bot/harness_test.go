package bot_test

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/locales"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/spool"
)

// The catalog and flow are read-only and safe for concurrent use, so every
// test shares one copy.
var shared = sync.OnceValues(func() (*locales.Catalog, error) { return locales.Load("nl", "") })

func catalog(tb testing.TB) *locales.Catalog {
	tb.Helper()
	cat, err := shared()
	if err != nil {
		tb.Fatalf("locales: %v", err)
	}
	return cat
}

func newEngine(tb testing.TB) *dialog.Engine {
	tb.Helper()
	cat := catalog(tb)
	flow, err := dialog.DefaultFlow(cat.HasEverywhere)
	if err != nil {
		tb.Fatalf("default flow: %v", err)
	}
	return &dialog.Engine{Flow: flow, Languages: cat.Languages(), Match: cat.Match, Country: "nl", Words: cat.CommandWords()}
}

func newRenderer(tb testing.TB) *render.Renderer {
	return &render.Renderer{L: catalog(tb), Loc: time.FixedZone("CET", 3600)}
}

// harness is the Telegram edge as it runs in production: the real Bot API
// client and the project's poller against the fake Bot API, the real
// locales and the default flow, with in-memory stores. Young people start
// without an invite: the open intake's director is its one staff member.
type harness struct {
	t *testing.T
	*edge
}

// edge is the state a harness shares with its subtests' views (see with).
type edge struct {
	api     *telegramtest.Server
	mem     *memStore
	store   bot.Store // mem or a variant around it
	people  *people
	engine  *dialog.Engine
	r       *render.Renderer
	b       *bot.Bot
	metrics *metrics.Metrics
	spool   *spool.Spool // the alerts queued while the store is down
	logs    *bottest.Log
	log     *slog.Logger

	// afterHandle, when set, runs after each update was handled.
	afterHandle atomic.Pointer[func(*models.Update)]

	cancel context.CancelFunc
	done   chan error
	// secrets are texts the young person wrote; none may reach the logs.
	secrets []string
}

// prepare builds the edge without starting the poller, so a test can queue
// updates first and have them arrive in one batch. wrap, when not nil, puts
// a variant around the memory store.
func prepare(t *testing.T, wrap func(*memStore) bot.Store) *harness {
	t.Helper()
	h := &harness{t: t, edge: &edge{api: telegramtest.New(t), mem: newMemStore(), people: newPeople(time.Now), engine: newEngine(t), metrics: &metrics.Metrics{}, logs: &bottest.Log{}}}
	if err := h.people.Staff.AddStaff(context.Background(), domain.StaffMember{UserID: openDirectorID, Role: domain.RoleDirector, Name: "Ilse", Lang: "nl"}); err != nil {
		t.Fatal(err)
	}
	h.spool = openSpool(t)
	h.log = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.r = &render.Renderer{L: catalog(t), Log: h.log, Loc: time.UTC}
	h.store = h.mem
	if wrap != nil {
		h.store = wrap(h.mem)
	}
	h.b = h.replica()
	t.Cleanup(func() {
		h.stop()
		if ids := h.api.Unanswered(); len(ids) > 0 {
			t.Errorf("button presses never answered: %v", ids)
		}
		logs := h.logs.String()
		if strings.Contains(logs, "message missing") {
			t.Errorf("a text was missing from the locales:\n%s", logs)
		}
		for _, s := range append(h.secrets, "123456:TEST-token") {
			if strings.Contains(logs, s) {
				t.Errorf("logs contain %q", s)
			}
		}
	})
	return h
}

// replica makes another Bot on the same store, fake API and metrics, as a
// second instance of the bot would be.
func (h *harness) replica() *bot.Bot {
	h.t.Helper()
	api, err := tgbot.New("123456:TEST-token", tgbot.WithServerURL(h.api.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		h.t.Fatalf("Bot API client: %v", err)
	}
	o := bot.Options{
		Engine: h.engine, Store: h.store, Renderer: h.r, API: api, Log: h.log,
		Username: telegramtest.BotUsername, PseudonymKey: []byte("test key"), DefaultLang: "nl",
		HandleTimeout: 10 * time.Second, Metrics: h.metrics,
		// These tests are not about pacing: Telegram's limits would make
		// them take minutes (the sender's own tests cover the pace).
		Sender:             &telegram.Sender{PerSecond: 1000, PerChatInterval: time.Millisecond},
		OpenIntakeDirector: openDirectorID, Spool: h.spool,
	}
	h.people.into(&o)
	return h.newBot(o)
}

// openSpool opens a spool in a folder of the test, as serve does under
// INTAKEBOT_SPOOL_DIR.
func openSpool(tb testing.TB) *spool.Spool {
	tb.Helper()
	codec, err := storage.NewCodec([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		tb.Fatal(err)
	}
	sp, err := spool.Open(tb.TempDir(), "alerts", codec)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sp.Close() })
	return sp
}

// openDirectorID is the director of the base harness's open intake.
const openDirectorID = 700099

// newBot makes a Bot, closed when the test ends.
func (h *harness) newBot(o bot.Options) *bot.Bot {
	h.t.Helper()
	b, err := bot.New(o)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(b.Close)
	return b
}

// atQuestion stores the session of a chat that is asking question q, as
// if the young person had just got there.
func (h *harness) atQuestion(chat int64, q string) {
	now := time.Now()
	h.mem.put(dialog.Session{
		Key: strconv.FormatInt(chat, 10), FlowID: h.engine.Flow.ID, FlowVersion: h.engine.Flow.Version, Lang: "nl",
		State: dialog.StateAsking, Current: q, Started: now, Updated: now, Version: 1,
	})
}

// newHarness builds the edge and starts the poller.
func newHarness(t *testing.T, wrap func(*memStore) bot.Store) *harness {
	t.Helper()
	h := prepare(t, wrap)
	h.start()
	return h
}

// with is the harness as seen from a subtest: failures go to t.
func (h *harness) with(t *testing.T) *harness { return &harness{t: t, edge: h.edge} }

func (h *harness) start() {
	h.t.Helper()
	if h.cancel != nil {
		h.t.Fatal("poller already running")
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel, h.done = cancel, make(chan error, 1)
	p := &telegram.Poller{
		Client: http.DefaultClient, BaseURL: h.api.URL(), Token: "123456:TEST-token",
		Timeout: time.Second, Log: h.log, Front: h.b.Edge(),
		Handle: func(ctx context.Context, upd *models.Update) error {
			err := h.b.Edge().HandleUpdate(ctx, upd)
			// A handoff to a director runs in the background; the tests
			// take an update as handled once it is done too.
			h.b.WaitHandoffs(ctx)
			if f := h.afterHandle.Load(); f != nil {
				(*f)(upd)
			}
			return err
		},
	}
	go func() { h.done <- p.Run(ctx) }()
}

// stop ends the poller and waits for it; the batch in hand is finished.
func (h *harness) stop() {
	h.t.Helper()
	if h.cancel == nil {
		return
	}
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("poller: %v", err)
		}
	case <-time.After(15 * time.Second):
		h.t.Error("poller did not stop within 15 s")
	}
	h.cancel, h.done = nil, nil
}

// handled waits until the poller confirmed update id to Telegram, which it
// does only after the update was handled and its replies were sent.
func (h *harness) handled(id int64) {
	h.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for h.api.ConfirmedOffset() <= id {
		if time.Now().After(deadline) {
			h.t.Fatalf("update %d not handled within 10 s; calls: %d; logs:\n%s", id, len(h.api.Calls()), h.logs)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// say sends text as the young person of a private chat (user ID = chat
// ID) and waits until the bot handled it.
func (h *harness) say(chat int64, text string) int64 {
	h.t.Helper()
	if !strings.HasPrefix(text, "/") {
		h.secrets = append(h.secrets, text)
	}
	id := h.api.SendText(chat, chat, text, "nl")
	h.handled(id)
	return id
}

// press presses the latest button whose label contains label.
func (h *harness) press(chat int64, label string) int64 {
	h.t.Helper()
	id := h.api.Press(h.t, chat, chat, label)
	h.handled(id)
	return id
}

func (h *harness) last(chat int64) telegramtest.Msg { return h.api.LastBotMessage(chat) }

// visible is a locale text as the person sees it.
func (h *harness) visible(lang, id string, kv ...any) string {
	return strings.TrimSpace(render.PlainText(h.r.Text(lang, dialog.T(id, kv...))))
}

// expectLast fails unless the bot's latest message in chat shows every
// part.
func (h *harness) expectLast(chat int64, parts ...string) telegramtest.Msg {
	h.t.Helper()
	m := h.last(chat)
	for _, p := range parts {
		if !strings.Contains(m.Text, p) {
			h.t.Fatalf("the bot's last message lacks %q; transcript:\n%s", p, telegramtest.FormatTranscript(h.api.Chat(chat)))
		}
	}
	return m
}

// expectSaid fails unless one of the bot's messages after user message
// `after` (a message ID; 0 for all) shows text.
func (h *harness) expectSaid(chat int64, after int64, text string) {
	h.t.Helper()
	for _, m := range h.api.Chat(chat) {
		if m.FromBot && m.ID > after && strings.Contains(m.Text, text) {
			return
		}
	}
	h.t.Fatalf("the bot did not say %q; transcript:\n%s", text, telegramtest.FormatTranscript(h.api.Chat(chat)))
}

// lastID is the ID of the newest message in chat, from either side.
func (h *harness) lastID(chat int64) int64 {
	msgs := h.api.Chat(chat)
	if len(msgs) == 0 {
		return 0
	}
	return msgs[len(msgs)-1].ID
}

// session returns the stored session of a chat.
func (h *harness) session(chat int64) dialog.Session {
	h.t.Helper()
	s, ok := h.mem.get(strconv.FormatInt(chat, 10))
	if !ok {
		h.t.Fatalf("no session stored for chat %d", chat)
	}
	return s
}

// callsTo returns the calls of method addressed to chat, from call seq on.
func (h *harness) callsTo(method string, chat int64, seq int) []telegramtest.Call {
	var out []telegramtest.Call
	for _, c := range h.api.CallsTo(method) {
		if c.Seq >= seq && c.Params["chat_id"] == strconv.FormatInt(chat, 10) {
			out = append(out, c)
		}
	}
	return out
}

// begin starts the intake in chat and returns when the first question is
// shown.
func (h *harness) begin(chat int64) {
	h.t.Helper()
	h.say(chat, "/start")
	h.press(chat, "Beginnen")
	h.expectLast(chat, h.visible("nl", "q.dreams"))
}
