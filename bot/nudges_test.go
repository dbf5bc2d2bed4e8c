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

// After a /remind prompt the counsellor simply types the answer: plain
// text goes to the draft that waits for it (own text, appointment, a
// typed time); "/remind <text>" keeps working. What a young person types
// meanwhile is never taken for it.
func TestRemindPromptTakesPlainTypedText(t *testing.T) {
	r := newReminding(t)
	r.send(counsellorID, "/remind", "nl")
	r.press(counsellorID, "Nieuwe herinnering")
	r.press(counsellorID, "Sam")
	r.press(counsellorID, "Eigen tekst")
	r.expectLast(counsellorID, "Typ je tekst")

	// The young person types while the counsellor's draft waits.
	r.send(youngID, "Neem je fiets mee", "nl")
	if rem := r.reminder(t); rem.Text != "" {
		t.Fatalf("the young person's text went into the counsellor's draft: %q", rem.Text)
	}

	r.send(counsellorID, "Neem je ID-kaart mee", "nl")
	r.expectLast(counsellorID, "Wanneer?")
	r.press(counsellorID, "Zelf typen")
	r.send(counsellorID, "gisteren", "nl")
	r.expectLast(counsellorID, "snap ik niet")
	r.send(counsellorID, "vrijdag 16u", "nl")
	r.expectLast(counsellorID, "vrijdag 6 maart om 16:00")
	r.press(counsellorID, "Eén keer")
	r.press(counsellorID, "Opslaan")
	rem := r.reminder(t)
	if rem.Status != domain.ReminderScheduled || rem.Text != "Neem je ID-kaart mee" ||
		!rem.Due.Equal(time.Date(2026, 3, 6, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("typed without /remind: %+v", rem)
	}

	// Appointment, typed plainly too.
	r.send(counsellorID, "/remind sa", "nl")
	r.press(counsellorID, "Sam")
	r.press(counsellorID, "Afspraak")
	r.send(counsellorID, "3 december 10:00, Stationsplein 1", "nl")
	r.expectLast(counsellorID, "Wanneer?")

	// Nothing waits any more: plain text is not a reminder's.
	r.press(counsellorID, "Morgen 09:00")
	r.press(counsellorID, "Eén keer")
	r.press(counsellorID, "Opslaan")
	before := len(r.api.Chat(counsellorID))
	r.send(counsellorID, "Hallo", "nl")
	if got := r.api.Chat(counsellorID)[before:]; len(got) > 0 && containsAny(got[len(got)-1].Text, "Wanneer?", "Opgeslagen") {
		t.Errorf("plain text without a waiting draft went to /remind: %q", got[len(got)-1].Text)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// newNudging is the cast with Sam, invited by Omar (director) for Kees
// (counsellor), in Amsterdam with quiet hours 22:00-08:00 and the default
// nudges (3 and 7 days). Sam has opened the invite and consented: the
// first question waits, since Monday 2 March 2026, 10:00 in Amsterdam.
func newNudging(t *testing.T, nudges []time.Duration) *roles {
	t.Helper()
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	r := newRoles(t, func(o *bot.Options) {
		o.Loc, o.Quiet = ams, reminders.Quiet{From: 22 * time.Hour, To: 8 * time.Hour}
		o.Nudges = nudges
	})
	r.cast()
	token := r.invite(director2ID, counsellorID, "Sam")
	r.send(youngID, "/start "+token, "nl")
	r.consent(youngID)
	return r
}

// nudgesTo counts the idle nudges the young person got.
func (r *roles) nudgesTo(chat int64) int {
	n := 0
	for _, m := range r.api.Chat(chat) {
		if strings.Contains(m.Text, "Je was nog bezig met je vragen") {
			n++
		}
	}
	return n
}

// after moves the clock by d, a day at most at a time, and runs the
// reminders job after each step.
func (r *roles) after(d time.Duration) {
	for d > 0 {
		step := min(d, 24*time.Hour)
		r.clock.Advance(step)
		r.remindersOnce()
		d -= step
	}
}

// A young person who stops answering mid-intake gets a gentle nudge after
// 3 days and one after 7, never more in one silence; an answer starts the
// count again; the one-press stop ends them and the counsellor sees it.
func TestIdleNudgesAfterThreeAndSevenDays(t *testing.T) {
	r := newNudging(t, reminders.DefaultNudges)
	r.after(3*24*time.Hour - time.Minute)
	if n := r.nudgesTo(youngID); n != 0 {
		t.Fatalf("%d nudges before 3 days", n)
	}
	r.after(time.Minute) // Thursday 10:00
	msg := r.expectLast(youngID, "Je was nog bezig met je vragen")
	if _, ok := msg.Button("Stop deze herinneringen"); !ok {
		t.Error("the nudge has no stop button")
	}
	if first, _, _ := strings.Cut(msg.Text, "\n"); first != "🔔 Herinnering" {
		t.Errorf("the first line, shown on a lock screen, is %q", first)
	}
	for _, word := range []string{"Sam", "Kees", "Omar", "intake", "hulp", "zorg"} {
		if strings.Contains(msg.Text, word) {
			t.Errorf("the nudge says %q: %q", word, msg.Text)
		}
	}
	r.remindersOnce()
	if n := r.nudgesTo(youngID); n != 1 {
		t.Fatalf("%d nudges after 3 days, want 1", n)
	}
	r.after(4*24*time.Hour - time.Minute)
	if n := r.nudgesTo(youngID); n != 1 {
		t.Fatalf("%d nudges before 7 days, want 1", n)
	}
	r.after(time.Minute) // Monday 9 March 10:00
	if n := r.nudgesTo(youngID); n != 2 {
		t.Fatalf("%d nudges after 7 days, want 2", n)
	}
	r.after(14 * 24 * time.Hour)
	if n := r.nudgesTo(youngID); n != 2 {
		t.Fatalf("%d nudges in one silence, want at most 2", n)
	}

	// An answer starts the count again.
	r.send(youngID, "Een eigen kamer", "nl")
	r.after(3*24*time.Hour - time.Minute)
	if n := r.nudgesTo(youngID); n != 2 {
		t.Fatalf("a nudge came within 3 days of an answer")
	}
	r.after(time.Minute)
	if n := r.nudgesTo(youngID); n != 3 {
		t.Fatalf("%d nudges after a new silence of 3 days, want 3", n)
	}

	// The counsellor sees them in /remind.
	r.send(counsellorID, "/remind", "nl")
	r.expectLast(counsellorID, "Sam", "Automatische herinnering")

	// Stop: respected at once, and the counsellor is told.
	r.press(youngID, "Stop deze herinneringen")
	r.expectLast(youngID, "niet meer")
	r.expectLast(counsellorID, "Sam", "wil geen herinneringen meer")
	stopped := r.nudgesTo(youngID) // the pressed one now says it stopped
	r.send(youngID, "Werk", "nl")
	r.after(10 * 24 * time.Hour)
	if n := r.nudgesTo(youngID); n != stopped {
		t.Errorf("%d nudges after stop, want none more", n-stopped)
	}
	r.expectAudit(t, "reminder.stopped")
}

// A silence that ends in the quiet hours: the nudge waits for the
// morning.
func TestIdleNudgeWaitsForTheEndOfQuietHours(t *testing.T) {
	r := newNudging(t, reminders.DefaultNudges)
	r.clock.Advance(13 * time.Hour) // Monday 23:00 in Amsterdam
	r.send(youngID, "Een eigen kamer", "nl")
	r.after(3 * 24 * time.Hour) // Thursday 23:00
	if n := r.nudgesTo(youngID); n != 0 {
		t.Fatalf("a nudge in the quiet hours")
	}
	r.clock.Advance(9*time.Hour - time.Minute)
	r.remindersOnce()
	if n := r.nudgesTo(youngID); n != 0 {
		t.Fatalf("a nudge before 08:00")
	}
	r.clock.Advance(time.Minute) // Friday 08:00
	r.remindersOnce()
	if n := r.nudgesTo(youngID); n != 1 {
		t.Fatalf("%d nudges at the end of the quiet hours, want 1", n)
	}
}

// No nudge when nudges are off, after the intake was sent, after /delete,
// or after the young person blocked the bot (the counsellor is told once).
func TestNoIdleNudgeWhenOffSentDeletedOrBlocked(t *testing.T) {
	t.Run("off", func(t *testing.T) {
		r := newNudging(t, nil)
		r.after(10 * 24 * time.Hour)
		if n := r.nudgesTo(youngID); n != 0 {
			t.Errorf("%d nudges while off", n)
		}
	})
	t.Run("sent", func(t *testing.T) {
		r := newNudging(t, reminders.DefaultNudges)
		r.clock.Advance(time.Hour)
		r.submitted(youngID, director2ID, counsellorID, "Sam", nil)
		r.after(10 * 24 * time.Hour)
		if n := r.nudgesTo(youngID); n != 0 {
			t.Errorf("%d nudges after the intake was sent", n)
		}
	})
	t.Run("deleted", func(t *testing.T) {
		r := newNudging(t, reminders.DefaultNudges)
		r.send(youngID, "/delete", "nl")
		r.pressData(youngID, r.last(youngID).ID, "x:ey:")
		r.after(10 * 24 * time.Hour)
		if n := r.nudgesTo(youngID); n != 0 {
			t.Errorf("%d nudges after /delete", n)
		}
		if rs, err := r.people.Reminders.RemindersFor(context.Background(), strconv.Itoa(youngID)); err != nil || len(rs) != 0 {
			t.Errorf("after /delete: %v, %v; want no reminders", rs, err)
		}
	})
	t.Run("blocked", func(t *testing.T) {
		r := newNudging(t, reminders.DefaultNudges)
		r.api.SetFault(func(method string, params map[string]string) *telegramtest.Fault {
			if method == "sendMessage" && params["chat_id"] == strconv.Itoa(youngID) {
				return &telegramtest.Fault{Status: 403}
			}
			return nil
		})
		r.after(10 * 24 * time.Hour)
		if n := r.nudgesTo(youngID); n != 0 {
			t.Errorf("%d nudges to a blocked young person", n)
		}
		r.expectLast(counsellorID, "Sam", "geblokkeerd")
		if n := r.countSaid(counsellorID, "geblokkeerd"); n != 1 {
			t.Errorf("the counsellor was told %d times", n)
		}
	})
}

// /mydata lists the young person's reminders: what, from whom (role and
// name), when next or that it ended, how often; the idle nudges too. A
// counsellor's unconfirmed draft is not in it. /delete erases them all.
func TestMyDataListsTheReminders(t *testing.T) {
	r := newNudging(t, reminders.DefaultNudges)
	next := time.Date(2026, 3, 6, 15, 0, 0, 0, time.UTC) // Friday 16:00 in Amsterdam (the harness renders UTC)
	r.save(t, domain.Reminder{ID: "own", Template: domain.TemplateOwn, Text: "Neem je <ID> mee", Repeat: "weekly", Due: next})
	r.save(t, domain.Reminder{ID: "reg", Template: domain.TemplateRegister, Repeat: "yearly", Status: domain.ReminderStopped})
	r.save(t, domain.Reminder{ID: "dr", Template: domain.TemplateOwn, Text: "nog niet af", Status: domain.ReminderDraft})

	seq := len(r.api.Calls())
	r.send(youngID, "/mydata", "nl")
	docs := r.callsTo("sendDocument", youngID, seq)
	if len(docs) != 1 {
		t.Fatalf("%d documents sent", len(docs))
	}
	doc := string(docs[0].Files["document"].Data)
	for _, want := range []string{
		"Je herinneringen",
		"Bericht: Neem je <ID> mee. Van: begeleider Kees. Volgende keer: 2026-03-06 15:00. Elke week.",
		"Verleng je inschrijving als woningzoekende. Van: begeleider Kees. Gestopt, want dat wilde jij. Elk jaar.",
		"Een berichtje als je een paar dagen niets stuurt tijdens je vragen. Van: de bot, vanzelf. Volgende keer: 2026-03-05 09:00.",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the export lacks %q:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "nog niet af") {
		t.Errorf("the export holds a draft:\n%s", doc)
	}

	r.send(youngID, "/delete", "nl")
	r.pressData(youngID, r.last(youngID).ID, "x:ey:")
	if rs, err := r.people.Reminders.RemindersFor(context.Background(), strconv.Itoa(youngID)); err != nil || len(rs) != 0 {
		t.Errorf("after /delete: %v, %v; want no reminders", rs, err)
	}
}
