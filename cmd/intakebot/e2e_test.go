package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
)

// testKey is the data key of the end-to-end tests (32 bytes).
var testKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

// instance is one running `intakebot serve`, talking to the fake Bot API
// and the test's own redis-server.
type instance struct {
	cancel  context.CancelFunc
	done    chan int
	logs    *bottest.Log
	metrics string // URL of its /metrics
	pushed  int64  // updates sent to this instance by the test
}

// handledCount reads intakebot_updates_handled_total from /metrics: the
// updates this instance handled to the end, replies sent.
func (in *instance) handledCount(t *testing.T) int64 {
	resp, err := http.Get(in.metrics)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "intakebot_updates_handled_total "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	t.Fatalf("no intakebot_updates_handled_total in /metrics:\n%s", body)
	return 0
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// openDirector is the director the conversation tests' young people are
// routed to without an invite (INTAKEBOT_OPEN_INTAKE_DIRECTOR).
const openDirector = 4242

// testEnv is the environment of an instance; it also makes openDirector a
// director in the test's Redis.
func testEnv(api *telegramtest.Server, rds *redistest.Server) map[string]string {
	people := storage.NewPeople(rds.Client(nopTB{}), testCodec(nil), "", time.Now)
	if err := people.Staff.AddStaff(context.Background(), domain.StaffMember{UserID: openDirector, Role: domain.RoleDirector, Name: "Sanne", Lang: "nl", Added: time.Now()}); err != nil {
		panic(err)
	}
	e := map[string]string{
		"TELEGRAM_BOT_TOKEN":   "123456:TEST-token",
		"TELEGRAM_API_URL":     api.URL(),
		"REDIS_URL":            rds.URL(),
		"INTAKEBOT_DATA_KEY":   testKey,
		"INTAKEBOT_LOG_FORMAT": "json",
		// These tests are about the conversation: anyone may start it,
		// routed to this director (the roles tests use invites).
		"INTAKEBOT_OPEN_INTAKE_DIRECTOR": strconv.Itoa(openDirector),
	}
	fastSending(e)
	return e
}

func startBot(t *testing.T, api *telegramtest.Server, env map[string]string) *instance {
	t.Helper()
	return startInstance(t, api, env, "getUpdates")
}

// startInstance runs `intakebot serve` and waits until it made a call to
// readyCall (getUpdates in polling mode, setWebhook in webhook mode).
func startInstance(t *testing.T, api *telegramtest.Server, env map[string]string, readyCall string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := freeAddr(t)
	in := &instance{cancel: cancel, done: make(chan int, 1), logs: &bottest.Log{}, metrics: "http://" + addr + "/metrics"}
	seen := len(api.Calls())
	go func() {
		in.done <- run(ctx, []string{"serve"}, func(k string) string {
			if k == "INTAKEBOT_HTTP_ADDR" {
				return addr
			}
			return env[k]
		}, strings.NewReader(""), in.logs, in.logs)
	}()
	api.WaitCall(t, 10*time.Second, func(c telegramtest.Call) bool { return c.Seq >= seen && c.Method == readyCall })
	// The HTTP server starts right after; wait for it.
	for deadline := time.Now().Add(5 * time.Second); ; {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no /healthz; logs:\n%s", in.logs)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return in
}

func (in *instance) stop(t *testing.T) {
	t.Helper()
	in.cancel()
	select {
	case code := <-in.done:
		if code != 0 {
			t.Fatalf("intakebot exited with %d; logs:\n%s", code, in.logs)
		}
	case <-time.After(shutdownGrace + 5*time.Second):
		t.Fatal("intakebot did not stop within its shutdown deadline")
	}
}

// person is a simulated young person in a private chat.
type person struct {
	t    *testing.T
	api  *telegramtest.Server
	bot  *instance
	chat int64
	lang string
}

// handled waits until the bot handled update id to the end: confirmed to
// Telegram, and counted in /metrics once its replies were sent.
func (p *person) handled(id int64) {
	p.t.Helper()
	p.bot.pushed++
	deadline := time.Now().Add(10 * time.Second)
	for p.api.ConfirmedOffset() <= id || p.bot.handledCount(p.t) < p.bot.pushed {
		if time.Now().After(deadline) {
			p.t.Fatalf("update %d not handled; transcript:\n%s", id, telegramtest.FormatTranscript(p.api.Chat(p.chat)))
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (p *person) say(text string) {
	p.t.Helper()
	p.handled(p.api.SendText(p.chat, p.chat, text, p.lang))
}

func (p *person) press(label string) {
	p.t.Helper()
	p.handled(p.api.Press(p.t, p.chat, p.chat, label))
}

func (p *person) last() telegramtest.Msg { return p.api.LastBotMessage(p.chat) }

// expect fails unless the last bot message contains every part.
func (p *person) expect(parts ...string) {
	p.t.Helper()
	m := p.last()
	for _, s := range parts {
		if !strings.Contains(m.Text, s) {
			p.t.Fatalf("last bot message lacks %q:\n%s", s, m.Text)
		}
	}
}

func (p *person) expectButton(label string) {
	p.t.Helper()
	if _, ok := p.last().Button(label); !ok {
		p.t.Fatalf("last bot message has no button %q:\n%s", label, p.last().Text)
	}
}

func TestEndToEndIntakeSurvivesRestart(t *testing.T) {
	started := time.Now()
	api := telegramtest.New(t)
	rds := redistest.Start(t)
	env := testEnv(api, rds)
	bot1 := startBot(t, api, env)
	yp := &person{t: t, api: api, bot: bot1, chat: 5001, lang: "nl"}

	yp.say("/start")
	yp.expect("Voordat we beginnen", "procesregisseur", "113")
	yp.press("Ik doe mee")
	yp.expect("Hoe oud ben je")
	yp.press("18")
	yp.expect("Hoi")
	yp.press("Beginnen")
	yp.expect("Vraag 1 van", "Waar droom jij van")

	dream := `Een eigen huis <b>x</b> & <script>alert(1)</script>`
	yp.say(dream)
	yp.expect("Vraag 2 van")
	yp.press("Overslaan")
	yp.expect("Waarbij wil je nog hulp")

	// Multi-select: toggles edit the same message, Klaar moves on.
	q3 := yp.last().ID
	yp.press("Geld")
	yp.press("Huishouden")
	if m := yp.last(); m.ID != q3 || m.Edits < 2 {
		t.Fatalf("toggles should edit the question message in place: last=%d q3=%d edits=%d", m.ID, q3, m.Edits)
	}
	if b, ok := yp.last().Button("Geld"); !ok || !strings.HasPrefix(b.Text, "✅") {
		t.Fatalf("a chosen option shows a tick: %+v", b)
	}
	yp.press("Klaar")
	yp.expect("Vraag 4 van")
	yp.say("Hulp met post en geld")
	yp.expect("1 =") // the scale's hint
	yp.press("4")
	yp.expect("Hoe vaak")

	// Back: the scale again, with the answer shown, then a new answer.
	yp.press("Terug")
	yp.expect("Je antwoord nu: 4 van 5")
	yp.say("3")
	yp.expect("Hoe vaak")

	// The bot is stopped mid-intake; a new instance carries on.
	bot1.stop(t)
	bot2 := startBot(t, api, env)
	defer bot2.stop(t)
	yp.bot = bot2
	yp.press("keer per week")
	yp.expect("Vraag 7 van", "Wat werkte")

	// A photo gets a friendly explanation of what the question expects.
	yp.handled(api.SendMedia(yp.chat, yp.chat, "voice"))
	msgs := api.Chat(yp.chat)
	if !strings.Contains(msgs[len(msgs)-2].Text, "spraakbericht") {
		t.Fatalf("voice note not explained:\n%s", msgs[len(msgs)-2].Text)
	}

	long := strings.Repeat("Dit is een lang antwoord met veel woorden. ", 40)[:1500]
	answerRest(t, yp, long)

	// Review: change the first answer, come back to the review, send.
	yp.expectButton("Versturen")
	yp.press("1")
	yp.expect("Je antwoord nu:")
	yp.say("Een eigen plek aan zee")
	yp.expectButton("Versturen")
	review := api.Chat(yp.chat)
	var reviewText string
	for i := len(review) - 1; i >= 0 && review[i].FromBot; i-- {
		reviewText = review[i].Text + "\n" + reviewText
	}
	if !strings.Contains(reviewText, "1. Dromen: Een eigen plek aan zee") || !strings.Contains(reviewText, "Overgeslagen") {
		t.Fatalf("review does not show the changed answer:\n%s", reviewText)
	}
	yp.press("Versturen")
	yp.expect("Dank je wel")

	// Stored as submitted, encrypted, with every answer intact.
	codec := testCodec(t)
	sessions := storage.NewSessions(rds.Client(t), codec, storage.SessionsOptions{})
	s, err := sessions.Load(context.Background(), "5001")
	if err != nil {
		t.Fatal(err)
	}
	if s.State != dialog.StateSubmitted || s.Submitted.IsZero() {
		t.Fatalf("intake not stored as submitted: %s", s.State)
	}
	if got := s.Answers["dreams"].Text; got != "Een eigen plek aan zee" {
		t.Fatalf("changed answer not stored: %q", got)
	}
	if got := s.Answers["support_level"].Scale; got != 3 {
		t.Fatalf("answer given after back not stored: %d", got)
	}
	if got := s.Answers["support_areas"].Choices; strings.Join(got, ",") != "money,household" {
		t.Fatalf("multi-select answer: %v", got)
	}
	if got := s.Answers["worked"].Text; got != strings.TrimSpace(long) {
		t.Fatalf("long answer not stored whole: %d chars", len(got))
	}
	if u := api.Unanswered(); len(u) > 0 {
		t.Fatalf("%d button presses never answered", len(u))
	}
	for _, c := range api.Calls() {
		if !c.OK() && c.Method != "getUpdates" {
			t.Fatalf("Bot API refused %s: %d %s", c.Method, c.Status, c.Description)
		}
	}
	logs := bot2.logs.String() + bot1.logs.String()
	for _, secret := range []string{"eigen plek", "Hulp met post", "123456:TEST-token", "5001"} {
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, secret) {
				t.Fatalf("logs contain %q:\n%s", secret, line)
			}
		}
	}
	t.Logf("end-to-end intake took %v", time.Since(started).Round(time.Millisecond))
}

// answerRest answers every remaining question the way a person would: the
// first option of a button question, some entries and Klaar for a list,
// text otherwise, until the review appears.
func answerRest(t *testing.T, yp *person, text string) {
	t.Helper()
	for i := 0; i < 60; i++ {
		m := yp.last()
		if _, ok := m.Button("Versturen"); ok {
			return
		}
		if _, ok := m.Button("Klaar"); ok && !strings.Contains(m.Text, "Vraag") {
			yp.press("Klaar") // the entries of a list are in
			continue
		}
		var option string
		for _, b := range m.Buttons() {
			if strings.HasPrefix(b.CallbackData, "a:") || strings.HasPrefix(b.CallbackData, "t:") {
				option = b.Text
				break
			}
		}
		switch {
		case option != "" && strings.Contains(m.Text, "kiezen"):
			yp.press(option)
			yp.press("Klaar")
		case option != "":
			yp.press(option)
		case strings.Contains(m.Text, "te lang"):
			yp.say("Korter antwoord")
		case strings.Contains(m.Text, "apart bericht"):
			yp.say(fmt.Sprintf("Punt %d\nNog een punt", i))
		default:
			yp.say(text)
		}
	}
	t.Fatalf("no review after 60 steps; last message:\n%s", yp.last().Text)
}

// testCodec is the codec of an instance started with testEnv: the data key
// testKey, and the pseudonym key derived from it (none is set), which names
// the records.
func testCodec(t *testing.T) *storage.Codec {
	key, err := storage.ParseKey(testKey)
	if err != nil {
		panic(err)
	}
	codec, err := storage.NewCodec(key)
	if err != nil {
		panic(err)
	}
	return codec.WithNameKey(derivePseudonymKey(key))
}

func mustKey(t *testing.T) []byte {
	k, err := storage.ParseKey(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// nopTB lets testEnv take a client without a *testing.T of its own: the
// server's cleanup closes it.
type nopTB struct{ testing.TB }

func (nopTB) Helper()        {}
func (nopTB) Cleanup(func()) {}
