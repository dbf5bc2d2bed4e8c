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

// On a three-primary Redis Cluster, reached through REDIS_URL alone (the
// nodes as addr=): an intake, its handoff to the director and the
// director's reminder.
func TestClusterIntakeHandsOffAndReminds(t *testing.T) {
	started := time.Now()
	api := telegramtest.New(t)
	cl := redistest.StartCluster(t)
	people := storage.NewPeople(cl.Client(t), testCodec(nil), "", time.Now)
	if err := people.Staff.AddStaff(context.Background(), domain.StaffMember{UserID: openDirector, Role: domain.RoleDirector, Name: "Sanne", Lang: "nl", Added: time.Now()}); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"TELEGRAM_BOT_TOKEN":             "123456:TEST-token",
		"TELEGRAM_API_URL":               api.URL(),
		"REDIS_URL":                      cl.URL(),
		"INTAKEBOT_DATA_KEY":             testKey,
		"INTAKEBOT_LOG_FORMAT":           "json",
		"INTAKEBOT_OPEN_INTAKE_DIRECTOR": strconv.Itoa(openDirector),
		"INTAKEBOT_ACK_AFTER":            "2s",
		// The director's reminder must not wait for the morning: the
		// test may run at night.
		"INTAKEBOT_QUIET_HOURS": "00:00-00:00",
	}
	fastSending(env)
	b := startBot(t, api, env)
	yp := &person{t: t, api: api, bot: b, chat: 7201, lang: "nl"}
	yp.say("/start")
	yp.press("Ik doe mee")
	yp.press("18")
	yp.press("Beginnen")
	yp.say("Droom-op-het-cluster")
	yp.expect("Vraag 2 van")
	answerRest(t, yp, "Antwoord-op-het-cluster")
	yp.press("Versturen")
	yp.expect("Dank je wel")
	waitDirectorSummary(t, api, "Droom-op-het-cluster")
	handedOff := time.Now()

	s, err := storage.NewSessions(cl.Client(t), testCodec(nil), storage.SessionsOptions{}).Load(context.Background(), strconv.FormatInt(yp.chat, 10))
	if err != nil {
		t.Fatal(err)
	}
	if s.State != dialog.StateSubmitted || s.Answers["dreams"].Text != "Droom-op-het-cluster" {
		t.Fatalf("stored intake: %s, dreams %q", s.State, s.Answers["dreams"].Text)
	}

	// The due job runs when an instance starts: a restart after
	// INTAKEBOT_ACK_AFTER makes the reminder go now.
	time.Sleep(2500*time.Millisecond - time.Since(handedOff))
	b.stop(t)
	b2 := startBot(t, api, env)
	defer b2.stop(t)
	waitBot(t, api, openDirector, "Herinnering", 30*time.Second)
	for _, logs := range []string{b.logs.String(), b2.logs.String()} {
		for _, line := range strings.Split(logs, "\n") {
			if strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, "CROSSSLOT") || strings.Contains(line, "MOVED") {
				t.Errorf("the bot logged on the cluster: %s", line)
			}
		}
	}
	t.Logf("intake, handoff and reminder on Redis Cluster took %v", time.Since(started).Round(time.Millisecond))
}
