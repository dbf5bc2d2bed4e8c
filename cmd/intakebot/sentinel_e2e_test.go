package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
)

// sentinelEnv is testEnv for a Sentinel setup: REDIS_URL names the
// sentinels and the master, as an operator would write it.
func sentinelEnv(t *testing.T, api *telegramtest.Server, sen *redistest.Sentinel) map[string]string {
	t.Helper()
	people := storage.NewPeople(sen.Client(t), testCodec(nil), "", time.Now)
	if err := people.Staff.AddStaff(context.Background(), domain.StaffMember{UserID: openDirector, Role: domain.RoleDirector, Name: "Sanne", Lang: "nl", Added: time.Now()}); err != nil {
		t.Fatal(err)
	}
	e := map[string]string{
		"TELEGRAM_BOT_TOKEN":             "123456:TEST-token",
		"TELEGRAM_API_URL":               api.URL(),
		"REDIS_URL":                      sen.URL(),
		"INTAKEBOT_DATA_KEY":             testKey,
		"INTAKEBOT_LOG_FORMAT":           "json",
		"INTAKEBOT_OPEN_INTAKE_DIRECTOR": strconv.Itoa(openDirector),
		"INTAKEBOT_REDIS_WAIT_TIMEOUT":   "1s",
	}
	fastSending(e)
	return e
}

// waitBot waits until the bot's last message in the chat contains want;
// it is for updates that meet a failover, whose handling takes a while.
func waitBot(t *testing.T, api *telegramtest.Server, chat int64, want string, within time.Duration) {
	t.Helper()
	api.WaitMessage(t, chat, within, func(m telegramtest.Msg) bool {
		return m.FromBot && strings.Contains(m.Text, want)
	})
}

// On Redis Sentinel: an intake with a planned failover and a crash of the
// primary in the middle, its handoff to the director, and the director's
// reminder. Every answer the bot acknowledged (by asking the next
// question) is in the handed-off intake; an answer that met the crash is
// applied once the setup has a replica again, after the person heard that
// it is not lost.
func TestSentinelIntakeSurvivesFailoversAndHandsOff(t *testing.T) {
	started := time.Now()
	api := telegramtest.New(t)
	sen := redistest.StartSentinel(t)
	env := withEnv(sentinelEnv(t, api, sen), "INTAKEBOT_ACK_AFTER", "2s",
		"INTAKEBOT_QUIET_HOURS", "00:00-00:00") // the reminder must not wait: the test may run at night
	b := startBot(t, api, env)
	yp := &person{t: t, api: api, bot: b, chat: 7101, lang: "nl"}
	yp.say("/start")
	yp.press("Ik doe mee")
	yp.press("18")
	yp.press("Beginnen")
	yp.expect("Vraag 1 van")
	yp.say("Droom-voor-de-failover")
	yp.expect("Vraag 2 van")

	// A planned failover while the answer to question 2 is on its way.
	api.SendText(yp.chat, yp.chat, "Hulp-tijdens-de-failover", "nl")
	sen.Failover(t)
	waitBot(t, api, yp.chat, "Vraag 3 van", 45*time.Second)
	yp.bot.pushed++
	yp.press("Overslaan")
	yp.expect("Vraag 4 van")
	t.Logf("planned failover done after %v", time.Since(started).Round(time.Millisecond))

	// The primary crashes. Its replica takes over but has no replica of
	// its own, so it takes no write: the answer to question 4 waits, the
	// person hears once that it is not lost, and it is applied when the
	// crashed node is back as the new primary's replica.
	_, killed := sen.KillPrimary(t)
	crashed := time.Now()
	refused := strings.Count(b.logs.String(), "NOREPLICAS")
	api.SendText(yp.chat, yp.chat, "Antwoord-tijdens-de-crash", "nl")
	for strings.Count(b.logs.String(), "NOREPLICAS") == refused {
		if time.Since(crashed) > 30*time.Second {
			t.Fatalf("the new primary without a replica did not refuse the answer; logs:\n%s", b.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitBot(t, api, yp.chat, "Je bericht is niet kwijt", 30*time.Second)
	killed.StartAgain(t)
	sen.WaitReplicating(t)
	waitBot(t, api, yp.chat, "1 =", 60*time.Second) // question 5, a scale
	t.Logf("the answer sent after the crash was applied %v after it", time.Since(crashed).Round(time.Millisecond))
	yp.bot.pushed++
	yp.press("4")

	answerRest(t, yp, "Antwoord-na-de-crash")
	yp.press("Versturen")
	yp.expect("Dank je wel")
	waitDirectorSummary(t, api, "Droom-voor-de-failover")
	handedOff := time.Now()

	// Every acknowledged answer is in the stored intake, on the primary
	// of now.
	s, err := storage.NewSessions(sen.Client(t), testCodec(nil), storage.SessionsOptions{}).Load(context.Background(), strconv.FormatInt(yp.chat, 10))
	if err != nil {
		t.Fatal(err)
	}
	if s.State != dialog.StateSubmitted {
		t.Fatalf("intake is %s, want submitted", s.State)
	}
	want := map[string]string{"dreams": "Droom-voor-de-failover", "dreams_help": "Hulp-tijdens-de-failover", "support_words": "Antwoord-tijdens-de-crash"}
	for q, text := range want {
		if got := s.Answers[q].Text; got != text {
			t.Errorf("answer %s = %q, want %q (answers: %v)", q, got, text, s.Answers)
		}
	}
	if !s.Answers["support_areas"].Skipped || s.Answers["support_level"].Scale != 4 {
		t.Errorf("answers after the failovers: %+v", s.Answers)
	}
	told := 0
	for _, m := range api.Chat(yp.chat) {
		if m.FromBot && strings.Contains(m.Text, "Je bericht is niet kwijt") {
			told++
		}
	}
	if told != 1 {
		t.Errorf("told %d times that a message is not lost, want once", told)
	}

	// The director does not react: after INTAKEBOT_ACK_AFTER the due job
	// reminds them. It runs when an instance starts and then every minute;
	// a restart of the bot makes it run now.
	time.Sleep(2500*time.Millisecond - time.Since(handedOff))
	b.stop(t)
	b2 := startBot(t, api, env)
	defer b2.stop(t)
	waitBot(t, api, openDirector, "Herinnering", 30*time.Second)
	t.Logf("intake, two failovers, handoff and reminder on Sentinel took %v", time.Since(started).Round(time.Millisecond))
}
