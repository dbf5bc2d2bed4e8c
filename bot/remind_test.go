package bot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/reminders"
	"github.com/intakebot/intakebot/bot/telegramtest"
)

// newReminding is the cast with Sam, a young person of Kees (counsellor)
// and Omar (director), in Amsterdam with quiet hours 22:00-08:00. The
// clock starts on Monday 2 March 2026, 10:00 in Amsterdam.
func newReminding(t *testing.T) *roles {
	t.Helper()
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	r := newRoles(t, func(o *bot.Options) {
		o.Loc, o.Quiet = ams, reminders.Quiet{From: 22 * time.Hour, To: 8 * time.Hour}
	})
	r.cast()
	if err := r.people.Cases.SaveCase(context.Background(), domain.Case{
		Key: strconv.Itoa(youngID), Director: director2ID, Counsellor: counsellorID, FirstName: "Sam", Linked: r.clock.Now(),
	}); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *roles) remindersOnce() { r.b.RemindersOnce(context.Background()) }

func (r *roles) reminder(t *testing.T) domain.Reminder {
	t.Helper()
	rs, err := r.people.Reminders.RemindersFor(context.Background(), strconv.Itoa(youngID))
	if err != nil || len(rs) != 1 {
		t.Fatalf("reminders of the young person: %v, %v; want one", rs, err)
	}
	return rs[0]
}

// A counsellor makes a reminder by buttons, typing only its text; it
// arrives at its time with a first line that says nothing, and the young
// person's "stop" is respected at once and shown to the counsellor.
func TestRemindByButtonsDeliveredAndStopped(t *testing.T) {
	r := newReminding(t)
	r.send(counsellorID, "/remind", "nl")
	r.expectLast(counsellorID, "Je herinneringen", "nog geen herinneringen")
	r.press(counsellorID, "Nieuwe herinnering")
	r.expectLast(counsellorID, "Voor wie")
	r.press(counsellorID, "Sam")
	r.press(counsellorID, "Eigen tekst")
	r.expectLast(counsellorID, "Typ je tekst", "Neem je ID-kaart mee")
	r.send(counsellorID, "/remind Neem je <b>ID</b> mee", "nl")
	r.expectLast(counsellorID, "Wanneer?")
	r.press(counsellorID, "Morgen 09:00")
	r.expectLast(counsellorID, "dinsdag 3 maart om 09:00", "Hoe vaak?")
	r.press(counsellorID, "Elke week")
	confirm := r.expectLast(counsellorID, "Klopt dit?", "Sam", "Neem je <b>ID</b> mee", "dinsdag 3 maart om 09:00", "elke week")
	if strings.Contains(confirm.Source, "<b>ID</b>") {
		t.Errorf("the typed text is not escaped: %q", confirm.Source)
	}
	r.press(counsellorID, "Opslaan")
	r.expectLast(counsellorID, "Opgeslagen")

	// Not yet.
	r.clock.Advance(22 * time.Hour) // Tuesday 08:00 in Amsterdam
	r.remindersOnce()
	if got := r.api.Chat(youngID); len(got) != 0 {
		t.Fatalf("the young person got something before the time: %v", got)
	}
	r.clock.Advance(time.Hour) // 09:00
	r.remindersOnce()
	msg := r.expectLast(youngID, "Neem je <b>ID</b> mee")
	if first, _, _ := strings.Cut(msg.Text, "\n"); first != "🔔 Herinnering" {
		t.Errorf("the first line, shown on a lock screen, is %q", first)
	}
	if strings.Contains(msg.Text, "Sam") || strings.Contains(msg.Text, "Kees") {
		t.Errorf("the reminder names a person: %q", msg.Text)
	}
	rem := r.reminder(t)
	if rem.Status != domain.ReminderSent || rem.Due.In(time.UTC) != time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC) {
		t.Errorf("after sending: %s, next %v; want sent, next Tuesday 10 March 09:00", rem.Status, rem.Due)
	}
	// Sent once: another pass sends nothing more.
	n := len(r.api.Chat(youngID))
	r.remindersOnce()
	if len(r.api.Chat(youngID)) != n {
		t.Error("a second pass sent it again")
	}

	r.press(youngID, "Stop deze herinneringen")
	r.expectLast(youngID, "niet meer")
	r.expectLast(counsellorID, "Sam", "wil geen herinneringen meer")
	if rem := r.reminder(t); rem.Status != domain.ReminderStopped || !rem.Due.IsZero() {
		t.Errorf("after stop: %s, due %v", rem.Status, rem.Due)
	}
	r.clock.Advance(8 * 24 * time.Hour)
	n = len(r.api.Chat(youngID))
	r.remindersOnce()
	if len(r.api.Chat(youngID)) != n {
		t.Error("a stopped reminder came again")
	}
	r.send(counsellorID, "/remind", "nl")
	r.expectLast(counsellorID, "Sam", "gestopt door de jongere")
	r.expectAudit(t, "reminder.created", "reminder.stopped")
}

func (r *roles) expectAudit(t *testing.T, actions ...string) {
	t.Helper()
	log, err := r.people.Audit.AuditLog(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range actions {
		found := false
		for _, e := range log {
			found = found || e.Action == a
		}
		if !found {
			t.Errorf("no %s in the audit trail", a)
		}
	}
}

// save stores a reminder for Sam straight in the store.
func (r *roles) save(t *testing.T, rem domain.Reminder) {
	t.Helper()
	rem.Key, rem.Staff, rem.Created = strconv.Itoa(youngID), counsellorID, r.clock.Now()
	if rem.ID == "" {
		rem.ID = "r1"
	}
	if rem.Status == "" {
		rem.Status = domain.ReminderScheduled
	}
	if rem.First.IsZero() {
		rem.First = rem.Due
	}
	if _, err := r.people.Reminders.SaveReminder(context.Background(), rem); err != nil {
		t.Fatal(err)
	}
}

// A reminder that falls in the quiet hours waits for their end.
func TestReminderWaitsForTheEndOfQuietHours(t *testing.T) {
	r := newReminding(t)
	// Monday 23:00 in Amsterdam.
	r.save(t, domain.Reminder{Template: domain.TemplateRegister, Due: time.Date(2026, 3, 2, 22, 0, 0, 0, time.UTC)})
	r.clock.Advance(13 * time.Hour)
	r.remindersOnce()
	if got := r.api.Chat(youngID); len(got) != 0 {
		t.Fatalf("sent in the quiet hours: %v", got)
	}
	if rem := r.reminder(t); !rem.Due.Equal(time.Date(2026, 3, 3, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("postponed to %v, want Tuesday 08:00 in Amsterdam", rem.Due)
	}
	r.clock.Advance(9 * time.Hour) // Tuesday 08:00
	r.remindersOnce()
	r.expectLast(youngID, "woningzoekende", "EUR 8")
}

// A young person who blocked the bot: the counsellor is told, the series
// stops.
func TestReminderToABlockedYoungPersonStopsAndTellsTheCounsellor(t *testing.T) {
	r := newReminding(t)
	r.save(t, domain.Reminder{Template: domain.TemplateOwn, Text: "hoi", Repeat: "weekly", Due: r.clock.Now()})
	r.api.SetFault(func(method string, params map[string]string) *telegramtest.Fault {
		if method == "sendMessage" && params["chat_id"] == strconv.Itoa(youngID) {
			return &telegramtest.Fault{Status: 403}
		}
		return nil
	})
	r.remindersOnce()
	r.expectLast(counsellorID, "Sam", "geblokkeerd")
	rem := r.reminder(t)
	if rem.Status != domain.ReminderFailed || rem.Reason != domain.ReasonBlocked || !rem.Due.IsZero() {
		t.Errorf("after a 403: %s (%s), due %v", rem.Status, rem.Reason, rem.Due)
	}
	r.api.SetFault(nil)
	r.clock.Advance(8 * 24 * time.Hour)
	r.remindersOnce()
	if got := r.api.Chat(youngID); len(got) != 0 {
		t.Errorf("the series went on after a 403: %v", got)
	}
	r.send(counsellorID, "/remind", "nl")
	r.expectLast(counsellorID, "niet aangekomen", "geblokkeerd")
	r.send(counsellorID, "/cases", "nl")
	r.expectLast(counsellorID, "Sam", "Herinnering: Eigen tekst, niet aangekomen")
}

// The counsellor cancels a reminder from /remind; it never comes.
func TestCancelledReminderNeverComes(t *testing.T) {
	r := newReminding(t)
	r.save(t, domain.Reminder{Template: domain.TemplateOwn, Text: "hoi", Due: r.clock.Now().Add(time.Hour)})
	r.send(counsellorID, "/remind", "nl")
	r.expectLast(counsellorID, "Sam", "gepland")
	r.press(counsellorID, "1: stoppen")
	if rem := r.reminder(t); rem.Status != domain.ReminderCancelled {
		t.Fatalf("after cancel: %s", rem.Status)
	}
	r.clock.Advance(2 * time.Hour)
	r.remindersOnce()
	if got := r.api.Chat(youngID); len(got) != 0 {
		t.Errorf("a cancelled reminder came: %v", got)
	}
	r.expectAudit(t, "reminder.cancelled")
}

// Continue-your-intake cancels itself once the summary was sent; snooze
// brings a reminder back a day later.
func TestIntakeReminderCancelsItselfAndSnooze(t *testing.T) {
	r := newReminding(t)
	r.save(t, domain.Reminder{ID: "a", Template: domain.TemplateIntake, Due: r.clock.Now()})
	r.remindersOnce()
	r.expectLast(youngID, "nog niet klaar")
	r.press(youngID, "Morgen nog een keer")
	r.expectLast(youngID, "nog een keer")
	if _, err := r.people.Cases.ChangeCase(context.Background(), strconv.Itoa(youngID), func(c *domain.Case) bool {
		c.Delivered = r.clock.Now()
		return true
	}); err != nil {
		t.Fatal(err)
	}
	n := len(r.api.Chat(youngID))
	r.clock.Advance(25 * time.Hour)
	r.remindersOnce()
	if len(r.api.Chat(youngID)) != n {
		t.Error("continue-your-intake came after the intake was sent")
	}
	if rem := r.reminder(t); rem.Status != domain.ReminderCancelled || rem.Reason != reminders.ReasonIntakeSent {
		t.Errorf("after the intake was sent: %s (%s)", rem.Status, rem.Reason)
	}
}

// Typed times in /remind, and a wrong one explained.
func TestRemindTypedTime(t *testing.T) {
	r := newReminding(t)
	r.send(counsellorID, "/remind sa", "nl")
	r.press(counsellorID, "Sam")
	r.press(counsellorID, "Woningzoekende")
	r.press(counsellorID, "Zelf typen")
	r.send(counsellorID, "/remind gisteren", "nl")
	r.expectLast(counsellorID, "snap ik niet")
	r.send(counsellorID, "/remind vrijdag 16u", "nl")
	r.expectLast(counsellorID, "vrijdag 6 maart om 16:00")
	r.press(counsellorID, "Elk jaar")
	r.press(counsellorID, "Opslaan")
	if rem := r.reminder(t); rem.Status != domain.ReminderScheduled || rem.Repeat != "yearly" ||
		!rem.Due.Equal(time.Date(2026, 3, 6, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("typed: %+v", rem)
	}
	// Someone else's young person is not offered.
	r.send(counsellor2ID, "/remind sa", "nl")
	r.expectLast(counsellor2ID, "Geen jongere")
}

// /delete erases every reminder to the young person.
func TestDeleteErasesTheReminders(t *testing.T) {
	r := newReminding(t)
	r.save(t, domain.Reminder{ID: "a", Template: domain.TemplateOwn, Text: "hoi", Due: r.clock.Now().Add(time.Hour)})
	r.save(t, domain.Reminder{ID: "b", Template: domain.TemplateRegister, Repeat: "yearly", Due: r.clock.Now().Add(time.Hour)})
	r.send(youngID, "/delete", "nl")
	r.pressData(youngID, r.last(youngID).ID, "x:ey:")
	if rs, err := r.people.Reminders.RemindersFor(context.Background(), strconv.Itoa(youngID)); err != nil || len(rs) != 0 {
		t.Errorf("after /delete: %v, %v; want no reminders", rs, err)
	}
	r.clock.Advance(2 * time.Hour)
	n := len(r.api.Chat(youngID))
	r.remindersOnce()
	if len(r.api.Chat(youngID)) != n {
		t.Error("a reminder came after /delete")
	}
}

// The counsellor changes a reminder's time from /remind, by typing it.
func TestRemindChangeTheTime(t *testing.T) {
	r := newReminding(t)
	r.save(t, domain.Reminder{Template: domain.TemplateOwn, Text: "hoi", Repeat: "monthly", Due: r.clock.Now().Add(time.Hour)})
	r.send(counsellorID, "/remind", "nl")
	r.press(counsellorID, "1: andere tijd")
	r.expectLast(counsellorID, "Wanneer moet hij komen?")
	r.press(counsellorID, "Zelf typen")
	r.send(counsellorID, "/remind 3 december 10:00", "nl")
	r.expectLast(counsellorID, "Tijd veranderd", "donderdag 3 december om 10:00", "elke maand")
	rem := r.reminder(t)
	if want := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC); rem.Status != domain.ReminderScheduled || !rem.Due.Equal(want) || rem.Repeat != "monthly" {
		t.Errorf("moved: %s at %v (%s), want scheduled at %v monthly", rem.Status, rem.Due, rem.Repeat, want)
	}
	r.expectAudit(t, "reminder.moved")
	// The next /remind with text is a name search again, not a time.
	r.send(counsellorID, "/remind Sa", "nl")
	r.expectLast(counsellorID, "Voor wie")
}

// A draft left waiting for its text does not swallow a later /remind Sam.
func TestAnAbandonedDraftStopsWaiting(t *testing.T) {
	r := newReminding(t)
	r.send(counsellorID, "/remind Sam", "nl")
	r.press(counsellorID, "Sam")
	r.press(counsellorID, "Eigen tekst")
	r.clock.Advance(time.Hour)
	r.send(counsellorID, "/remind Sam", "nl")
	r.expectLast(counsellorID, "Voor wie")
}

// A reminder Telegram keeps refusing (not a 403) is tried again later, a
// few times, then ends as failed and the counsellor is told.
func TestReminderRefusedAgainAndAgainEndsAsFailed(t *testing.T) {
	r := newReminding(t)
	r.save(t, domain.Reminder{Template: domain.TemplateOwn, Text: "hoi", Due: r.clock.Now()})
	r.api.SetFault(func(method string, params map[string]string) *telegramtest.Fault {
		if method == "sendMessage" && params["chat_id"] == strconv.Itoa(youngID) {
			return &telegramtest.Fault{Status: 400, Description: "Bad Request: chat not found"}
		}
		return nil
	})
	for i := 1; i < reminders.MaxAttempts; i++ {
		r.remindersOnce()
		rem := r.reminder(t)
		if rem.Status != domain.ReminderScheduled || rem.Attempts != i || !rem.Due.After(r.clock.Now()) {
			t.Fatalf("after refusal %d: %s, attempts %d, due %v", i, rem.Status, rem.Attempts, rem.Due)
		}
		r.clock.Advance(time.Hour)
	}
	r.remindersOnce()
	if rem := r.reminder(t); rem.Status != domain.ReminderFailed || rem.Reason != domain.ReasonError {
		t.Errorf("after %d refusals: %s (%s)", reminders.MaxAttempts, rem.Status, rem.Reason)
	}
	r.expectLast(counsellorID, "Sam", "niet worden verstuurd")
}

// A draft dropped at the summary is not listed as a reminder.
func TestADroppedDraftIsNotListed(t *testing.T) {
	r := newReminding(t)
	r.send(counsellorID, "/remind Sam", "nl")
	r.press(counsellorID, "Sam")
	r.press(counsellorID, "Ga verder")
	r.press(counsellorID, "Morgen 09:00")
	r.press(counsellorID, "Eén keer")
	r.press(counsellorID, "Niet doen")
	r.expectLast(counsellorID, "geen herinnering")
	r.send(counsellorID, "/remind", "nl")
	r.expectLast(counsellorID, "nog geen herinneringen")
}
