package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
)

var linkPattern = regexp.MustCompile(`https://t\.me/intake_test_bot\?start=([A-Za-z0-9_-]+)`)

// linkIn returns the /start token of the link in the last bot message.
func linkIn(t *testing.T, p *person) string {
	t.Helper()
	m := linkPattern.FindStringSubmatch(p.last().Text)
	if m == nil {
		t.Fatalf("no link in:\n%s", p.last().Text)
	}
	return m[1]
}

// The whole chain with the real program, the real client and a real
// Redis: an admin makes a director, the director invites, the young person
// consents, completes and confirms, the director receives the summary and
// the document and acknowledges, and the young person hears it.
func TestRolesEndToEndWithRedis(t *testing.T) {
	api := telegramtest.New(t)
	rds := redistest.Start(t)
	env := testEnv(api, rds)
	delete(env, "INTAKEBOT_OPEN_INTAKE_DIRECTOR")
	env["INTAKEBOT_ADMINS"] = "1111"
	b := startBot(t, api, env)
	defer b.stop(t)
	admin := &person{t: t, api: api, bot: b, chat: 1111, lang: "nl"}
	director := &person{t: t, api: api, bot: b, chat: 2222, lang: "en"}
	yp := &person{t: t, api: api, bot: b, chat: 3333, lang: "nl"}
	stranger := &person{t: t, api: api, bot: b, chat: 4444, lang: "nl"}

	// Without an invite a young person is told how to get one.
	stranger.say("/start")
	stranger.expect("link")
	stranger.say("/invite")
	stranger.expect("juiste rol")

	admin.say("/staff")
	admin.press("Procesregisseur")
	staffToken := linkIn(t, admin)
	director.say("/start " + staffToken)
	director.say("Sanne")
	director.expect("Sanne")
	director.say("/invite Sam")
	invite := linkIn(t, director)

	yp.say("/start " + invite)
	yp.expect("Voordat we beginnen", "je procesregisseur Sanne")
	yp.press("Ik doe mee")
	yp.press("18")
	yp.press("Beginnen")
	tricky := `<b>x</b> & <script>alert(1)</script>`
	yp.say(tricky)
	long := strings.Repeat("Ik wil graag een eigen plek, dicht bij mijn werk. ", 40)[:1990]
	yp.say(long)
	for range 60 {
		if _, ok := yp.last().Button("Versturen"); ok {
			break
		}
		yp.press("Overslaan")
	}
	yp.press("Versturen")
	yp.expect("verstuurd")

	// The handoff runs in the background: wait for its last message.
	api.WaitMessage(t, director.chat, 10*time.Second, func(m telegramtest.Msg) bool {
		_, ok := m.Button("contact")
		return m.FromBot && ok
	})

	// The invite works once.
	stranger.say("/start " + invite)
	stranger.expect("werkt niet")

	// The director got the answers verbatim, the document and the button.
	var got strings.Builder
	for _, m := range api.Chat(director.chat) {
		if m.FromBot {
			got.WriteString(m.Text)
		}
	}
	compact := func(s string) string { return strings.Join(strings.Fields(s), "") }
	if !strings.Contains(got.String(), tricky) || !strings.Contains(compact(got.String()), compact(long)) {
		t.Fatalf("the director's messages lack an answer:\n%s", got.String())
	}
	docs := api.CallsTo("sendDocument")
	if len(docs) != 1 || !strings.Contains(string(docs[0].Files["document"].Data), "&lt;script&gt;") {
		t.Fatalf("document: %d calls", len(docs))
	}
	if u := api.Unanswered(); len(u) > 0 {
		t.Fatalf("%d presses unanswered", len(u))
	}

	// Others can't acknowledge or open it; the director can.
	codec := testCodec(t)
	people := storage.NewPeople(rds.Client(t), codec, "", time.Now)
	ackData := ""
	for _, m := range api.Chat(director.chat) {
		if btn, ok := m.Button("contact"); ok {
			ackData = btn.CallbackData
		}
	}
	if ackData == "" {
		t.Fatal("no acknowledge button")
	}
	waitCase(t, people, "3333", "delivered", func(c domain.Case) bool { return !c.Delivered.IsZero() })
	stranger.handled(api.PressButton(stranger.chat, stranger.chat, stranger.last().ID, ackData))
	if c, _, _ := people.Cases.Case(context.Background(), "3333"); !c.Acknowledged.IsZero() {
		t.Fatal("a stranger acknowledged the intake")
	}
	director.press("contact")
	c, found, err := people.Cases.Case(context.Background(), "3333")
	if err != nil || !found || c.Acknowledged.IsZero() || c.AckBy != director.chat {
		t.Fatalf("acknowledgement not recorded: %+v", c)
	}
	yp.expect("Sanne")
	log, _ := people.Audit.AuditLog(context.Background(), 50)
	var actions []string
	for _, e := range log {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"staff.added", "invite.created", "case.linked", "summary.delivered", "summary.acknowledged"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit trail lacks %s: %v", want, actions)
		}
	}
	s, err := storage.NewSessions(rds.Client(t), codec, storage.SessionsOptions{}).Load(context.Background(), "3333")
	if err != nil || s.State != dialog.StateSubmitted || s.Answers["dreams"].Text != tricky {
		t.Fatalf("session: %v %s", err, s.State)
	}
	logs := b.logs.String()
	for _, secret := range []string{"Sanne", "Sam", "alert(1)", invite, staffToken} {
		if strings.Contains(logs, secret) {
			t.Fatalf("logs contain %q", secret)
		}
	}
}
