package main

import (
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/storage/redistest"
)

// With Redis stopped, the real bot still answers /urgent and crisis words
// with the crisis lines at once, from memory, in two chats; the alerts go
// to a spool file in INTAKEBOT_SPOOL_DIR and reach the director once
// Redis is back, and the lines are not shown a second time then.
func TestRedisDownStillGivesTheCrisisLines(t *testing.T) {
	api := telegramtest.New(t)
	rds := redistest.Start(t)
	env := testEnv(api, rds)
	env["INTAKEBOT_SPOOL_DIR"] = t.TempDir()
	b := startBot(t, api, env)
	defer b.stop(t)
	yp := &person{t: t, api: api, bot: b, chat: 6101, lang: "nl"}
	yp.say("/start")
	yp.press("Ik doe mee")
	yp.press("18")
	yp.press("Beginnen")
	yp.say("Een eigen huis")
	other := &person{t: t, api: api, bot: b, chat: 6102, lang: "nl"}
	other.say("/start")
	other.press("Ik doe mee")

	rds.Stop(t)
	for _, tc := range []struct {
		chat       int64
		text, want string
	}{
		{yp.chat, "/urgent", "Ik probeer nu iemand van ons team te bereiken"},
		{other.chat, "ik wil dood", "Dank je dat je dit vertelt"},
		{yp.chat, "ik wil er niet meer zijn", "Dank je dat je dit vertelt"},
	} {
		sent := len(api.Chat(tc.chat))
		api.SendText(tc.chat, tc.chat, tc.text, "nl")
		api.WaitMessage(t, tc.chat, 5*time.Second, func(m telegramtest.Msg) bool {
			return m.ID > api.Chat(tc.chat)[sent-1].ID && strings.Contains(m.Text, tc.want) && strings.Contains(m.Text, "113")
		})
	}

	rds.StartAgain(t)
	api.WaitMessage(t, openDirector, 45*time.Second, func(m telegramtest.Msg) bool {
		return strings.Contains(m.Text, "Dringend: een jongere heeft nu hulp nodig")
	})
	api.WaitMessage(t, yp.chat, 45*time.Second, func(m telegramtest.Msg) bool {
		return strings.Contains(m.Text, "Vraag 3 van")
	})
	lines := 0
	for _, m := range api.Chat(yp.chat) {
		if m.FromBot && strings.Contains(m.Text, "0800-0113") {
			lines++
		}
	}
	if lines != 2 {
		t.Fatalf("the crisis lines were shown %d times in the first chat, want twice (once per message)", lines)
	}
}
