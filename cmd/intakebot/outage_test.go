package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
)

// Redis stops for 10 seconds in the middle of a conversation: the bot
// stays up, /readyz turns 503, the young person hears once that their
// message is not lost, and when Redis is back the message is applied and
// the conversation goes on, with every earlier answer intact.
func TestRedisDownForTenSecondsLosesNothing(t *testing.T) {
	api := telegramtest.New(t)
	rds := redistest.Start(t)
	b := startBot(t, api, testEnv(api, rds))
	defer b.stop(t)
	yp := &person{t: t, api: api, bot: b, chat: 6001, lang: "nl"}
	yp.say("/start")
	yp.press("Ik doe mee")
	yp.press("18")
	yp.press("Beginnen")
	yp.say("Een eigen huis")
	yp.expect("Vraag 2 van")
	ready := strings.Replace(b.metrics, "/metrics", "/readyz", 1)

	rds.Stop(t)
	stopped := time.Now()
	id := api.SendText(yp.chat, yp.chat, "Hulp bij geld", "nl")
	api.WaitMessage(t, yp.chat, 10*time.Second, func(m telegramtest.Msg) bool {
		return m.FromBot && strings.Contains(m.Text, "Je bericht is niet kwijt")
	})
	if code := status(t, ready); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz = %d with Redis down, want 503", code)
	}
	time.Sleep(10*time.Second - time.Since(stopped))
	if code := status(t, strings.Replace(b.metrics, "/metrics", "/healthz", 1)); code != http.StatusOK {
		t.Fatalf("/healthz = %d: the bot did not stay up", code)
	}
	told := 0
	for _, m := range api.Chat(yp.chat) {
		if m.FromBot && strings.Contains(m.Text, "Je bericht is niet kwijt") {
			told++
		}
	}
	if told != 1 {
		t.Fatalf("told %d times in 10 s that Redis is down, want once", told)
	}

	rds.StartAgain(t)
	api.WaitMessage(t, yp.chat, 45*time.Second, func(m telegramtest.Msg) bool {
		return m.FromBot && strings.Contains(m.Text, "Vraag 3 van")
	})
	if code := status(t, ready); code != http.StatusOK {
		t.Fatalf("/readyz = %d after Redis came back", code)
	}
	yp.bot.pushed++ // the message sent during the outage was handled too
	yp.press("Overslaan")
	yp.expect("Vraag 4 van")

	codec := testCodec(t)
	s, err := storage.NewSessions(rds.Client(t), codec, storage.SessionsOptions{}).Load(context.Background(), "6001")
	if err != nil {
		t.Fatal(err)
	}
	if s.Answers["dreams"].Text != "Een eigen huis" || s.Answers["dreams_help"].Text != "Hulp bij geld" {
		t.Fatalf("answers after the outage: %+v", s.Answers)
	}
	if !s.Answers["support_areas"].Skipped {
		t.Fatal("the conversation did not go on after the outage")
	}
	if !s.Seen(id) {
		t.Fatal("the update sent during the outage is not recorded as applied")
	}
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
