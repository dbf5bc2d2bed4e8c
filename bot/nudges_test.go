package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
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
