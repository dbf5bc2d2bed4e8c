package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
)

// The young person's privacy with the real program and a real Redis: a
// counsellor invites them, they do the whole intake, the director
// acknowledges, they ask for someone on call, take out their data, and
// erase everything. Afterwards no key or value in Redis holds their chat
// ID, an answer or the first name of their invite; the audit entries that
// remain say who did what and when, without content.
func TestDeleteLeavesNothingInRedis(t *testing.T) {
	api := telegramtest.New(t)
	rds := redistest.Start(t)
	env := testEnv(api, rds)
	delete(env, "INTAKEBOT_OPEN_INTAKE_DIRECTOR")
	env["INTAKEBOT_ADMINS"] = "1111"
	rdb := rds.Client(t)
	codec := testCodec(t)
	people := storage.NewPeople(rdb, codec, "", time.Now)
	ctx := context.Background()
	const (
		directorID   = 2220001
		counsellorID = 2220002
		chat         = 5550123
		firstName    = "Jesmina"
		note         = "Woont-nu-bij-tante-Fleur"
	)
	for _, m := range []domain.StaffMember{
		{UserID: directorID, Role: domain.RoleDirector, Name: "Marloes", Lang: "en", Added: time.Now()},
		{UserID: counsellorID, Role: domain.RoleCounsellor, Name: "Kees", Lang: "nl", Added: time.Now()},
	} {
		if err := people.Staff.AddStaff(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	b := startBot(t, api, env)
	defer b.stop(t)
	director := &person{t: t, api: api, bot: b, chat: directorID, lang: "en"}
	counsellor := &person{t: t, api: api, bot: b, chat: counsellorID, lang: "nl"}
	yp := &person{t: t, api: api, bot: b, chat: chat, lang: "nl"}

	counsellor.say("/invite " + firstName + " " + note)
	counsellor.press("Marloes")
	yp.say("/start " + linkIn(t, counsellor))
	typed := fullIntake(yp)

	// The director gets the intake and acknowledges it.
	api.WaitMessage(t, directorID, 10*time.Second, func(m telegramtest.Msg) bool {
		_, ok := m.Button("contact")
		return m.FromBot && ok
	})
	waitCase(t, people, strconv.Itoa(chat), "delivered", func(c domain.Case) bool { return !c.Delivered.IsZero() })
	director.press("contact")
	waitCase(t, people, strconv.Itoa(chat), "acknowledged", func(c domain.Case) bool { return !c.Acknowledged.IsZero() })
	yp.say("/urgent")
	alertKeys := rdb.Keys(ctx, "*alert*").Val()
	t.Logf("after /urgent: %v", alertKeys)

	// Their data, as a file with the answers.
	yp.say("/mydata")
	docs := api.CallsTo("sendDocument")
	last := docs[len(docs)-1]
	if last.Params["chat_id"] != strconv.Itoa(chat) {
		t.Fatal("no file for the young person")
	}
	data := string(last.Files["document"].Data)
	for _, s := range append(typed, firstName, "Marloes") {
		if !strings.Contains(data, s) {
			t.Fatalf("the export lacks %q:\n%s", s, data)
		}
	}
	if strings.Contains(data, note) {
		t.Fatal("the export holds the staff's note on the invite") // the staff's own
	}

	dump := redisDump(t, rdb)
	// Redis names the young person's records by a keyed hash of the chat
	// ID, never by the ID.
	name := codec.Name(strconv.Itoa(chat))
	if hits := plaintextIn(dump, []string{name}); len(hits) == 0 {
		t.Fatal("the chat's name is nowhere in Redis before /delete: the test proves nothing")
	}
	dirMark := api.LastBotMessage(directorID).ID
	yp.say("/delete")
	yp.press("Ja, wis alles")
	yp.expect("Ik heb alles over jou gewist")

	dump = redisDump(t, rdb)
	if hits := plaintextIn(dump, append(typed, strconv.Itoa(chat), name, firstName, note)); len(hits) > 0 {
		t.Fatalf("after /delete Redis still holds:\n%s", strings.Join(hits, "\n"))
	}
	if n := len(rdb.Keys(ctx, "*alert:*").Val()); n != 0 {
		t.Errorf("%d alerts survived", n)
	}
	// The director heard of it by first name, without content.
	var told []string
	for _, m := range api.Chat(directorID) {
		if m.FromBot && m.ID > dirMark {
			told = append(told, m.Text)
		}
	}
	if len(told) == 0 || !strings.Contains(strings.Join(told, "\n"), firstName+" was withdrawn") {
		t.Fatalf("the director was told: %q", told)
	}
	for _, s := range typed {
		if strings.Contains(strings.Join(told, "\n"), s) {
			t.Fatalf("the director's notice holds an answer")
		}
	}
	// What stays is the audit trail: who, what, when, a pseudonym.
	entries, err := people.Audit.AuditLog(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]bool{}
	for _, e := range entries {
		actions[e.Action] = true
		if e.Actor == chat || strings.Contains(e.Case, strconv.Itoa(chat)) {
			t.Errorf("audit entry names the young person: %+v", e)
		}
	}
	for _, want := range []string{"data.exported", "intake.withdrawn", "summary.acknowledged"} {
		if !actions[want] {
			t.Errorf("audit trail lacks %s: %v", want, actions)
		}
	}

	// A new /start needs a new invite.
	yp.say("/start")
	yp.expect("persoonlijke link")
	// The /exit trail is written in batches every 50 ms: look for a while
	// longer than that, and at every moment.
	for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if hits := plaintextIn(redisDump(t, rdb), []string{strconv.Itoa(chat)}); len(hits) > 0 {
			t.Fatalf("a /start after the erasure stored:\n%s", strings.Join(hits, "\n"))
		}
	}
	logs := b.logs.String()
	for _, s := range append(typed, firstName, note, strconv.Itoa(chat)) {
		if strings.Contains(logs, s) {
			t.Fatalf("logs contain %q", s)
		}
	}
}

// waitCase waits until the case under key is there and cond holds, at most
// 10 seconds: a handoff runs in the background.
func waitCase(t *testing.T, people *storage.People, key, what string, cond func(domain.Case) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, found, err := people.Cases.Case(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		if found && cond(c) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the case was not %s within 10 s (found %v, delivered %v, acknowledged %v)", what, found, c.Delivered, c.Acknowledged)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
