package main

import (
	"context"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/remindstore"
)

// A counsellor makes a reminder with /remind in the real binary; the bot
// is killed with SIGKILL before it falls due and started again; the young
// person gets it once, at its time.
func TestReminderSurvivesSIGKILLAndArrivesOnce(t *testing.T) {
	bin := buildBinary(t)
	api := telegramtest.New(t)
	rds := redistest.Start(t)
	env := testEnv(api, rds)
	env["INTAKEBOT_HTTP_ADDR"] = freeAddr(t)
	env["INTAKEBOT_QUIET_HOURS"] = "00:00-00:00" // none: the test may run at night
	const counsellor, young = 6001, 7001
	codec := testCodec(t) // names records as the binary does
	client := rds.Client(t)
	people := storage.NewPeople(client, codec, "", time.Now)
	ctx := context.Background()
	if err := people.Staff.AddStaff(ctx, domain.StaffMember{UserID: counsellor, Role: domain.RoleCounsellor, Name: "Kees", Lang: "nl", Added: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := people.Cases.SaveCase(ctx, domain.Case{Key: strconv.Itoa(young), Director: openDirector, Counsellor: counsellor, FirstName: "Sam", Linked: time.Now()}); err != nil {
		t.Fatal(err)
	}

	proc := startProcess(t, bin, env)
	waitFor := func(chat int64, part string) telegramtest.Msg {
		t.Helper()
		return api.WaitMessage(t, chat, 15*time.Second, func(m telegramtest.Msg) bool { return m.FromBot && strings.Contains(m.Text, part) })
	}
	press := func(label string) {
		t.Helper()
		m := api.LastBotMessage(counsellor)
		api.PressButton(counsellor, counsellor, m.ID, mustButton(t, m, label))
	}
	api.SendText(counsellor, counsellor, "/remind", "nl")
	waitFor(counsellor, "Je herinneringen")
	press("Nieuwe herinnering")
	waitFor(counsellor, "Voor wie")
	press("Sam")
	waitFor(counsellor, "Wat wil je")
	press("Eigen tekst")
	waitFor(counsellor, "Neem je ID-kaart mee")
	api.SendText(counsellor, counsellor, "/remind Vergeet je afspraak niet", "nl")
	waitFor(counsellor, "Wanneer?")
	press("Over een uur")
	waitFor(counsellor, "Hoe vaak?")
	press("Eén keer")
	waitFor(counsellor, "Klopt dit?")
	press("Opslaan")
	waitFor(counsellor, "Opgeslagen")

	// The short due time: the reminder made above, moved to in 3 seconds.
	store := remindstore.New(client, codec, "")
	rs, err := store.RemindersFor(ctx, strconv.Itoa(young))
	if err != nil || len(rs) != 1 || rs[0].Status != domain.ReminderScheduled {
		t.Fatalf("stored reminders: %+v, %v", rs, err)
	}
	r := rs[0]
	r.Due = time.Now().Add(3 * time.Second)
	if _, err := store.SaveReminder(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	proc.Wait()
	if got := api.Chat(young); len(got) != 0 {
		t.Fatalf("sent before its time: %v", got)
	}
	startProcess(t, bin, env)
	m := waitFor(young, "Vergeet je afspraak niet")
	if first, _, _ := strings.Cut(m.Text, "\n"); first != "🔔 Herinnering" {
		t.Errorf("first line %q", first)
	}
	sentAt := time.Now()
	if sentAt.Before(r.Due) {
		t.Errorf("sent at %v, before its time %v", sentAt, r.Due)
	}
	time.Sleep(7 * time.Second) // more than a tick of the job
	n := 0
	for _, m := range api.Chat(young) {
		if m.FromBot {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the young person got %d messages, want the reminder once", n)
	}
	got, _, err := store.Reminder(ctx, r.ID)
	if err != nil || got.Status != domain.ReminderSent || got.Sent.IsZero() {
		t.Errorf("after sending: %+v, %v", got, err)
	}
}
