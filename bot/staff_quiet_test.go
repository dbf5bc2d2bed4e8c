package bot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/reminders"
	"github.com/intakebot/intakebot/bot/telegramtest"
)

// The staff's quiet hours: the director's reminder and the admins'
// escalation of an unacknowledged intake that fall due at night wait for
// the end of INTAKEBOT_QUIET_HOURS (on INTAKEBOT_TIMEZONE's clock); an
// alert of acute risk at 23:30 goes out at once.
func TestStaffQuietHoursDelayEscalationsNeverAlerts(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	// AckAfter 15.5 h: a summary sent Monday 10:00 is due for the
	// director's reminder on Tuesday 01:30 and, reminded at 08:00, for the
	// admins on Tuesday 23:30.
	const ackAfter = 15*time.Hour + 30*time.Minute
	r := newRoles(t, func(o *bot.Options) {
		o.Loc, o.Quiet = ams, reminders.Quiet{From: 22 * time.Hour, To: 8 * time.Hour}
		o.AckAfter = ackAfter
	})
	r.cast()
	ctx := context.Background()
	at := func(day, hour, minute int) time.Time { return time.Date(2026, 3, day, hour, minute, 0, 0, ams) }
	key := strconv.Itoa(youngID)

	r.submitted(youngID, directorID, counsellorID, "Sam", nil) // Monday 2 March 10:00
	delivered, _ := r.people.caseOf(key)

	// The director's reminder, due at 01:30, waits for 08:00.
	r.setAt(at(3, 1, 30))
	mark := r.lastID(directorID)
	r.b.DueOnce(ctx)
	if got := r.sentSince(directorID, mark); len(got) != 0 {
		t.Fatalf("the director was reminded at 01:30: %q", got[0].Text)
	}
	if due, ok := r.people.dueAt(key); !ok || !due.Equal(at(3, 8, 0)) {
		t.Fatalf("due at %v, %v; want 08:00", due, ok)
	}
	r.setAt(at(3, 7, 59))
	if n := r.b.DueOnce(ctx); n != 0 {
		t.Fatalf("%d intakes due before 08:00", n)
	}
	r.setAt(at(3, 8, 0))
	r.b.DueOnce(ctx)
	if got := r.sentSince(directorID, mark); len(got) != 1 || got[0].Text != r.visible("en", "ack.reminder", "Date", delivered.Delivered) {
		t.Fatalf("at 08:00 the director got %d messages, want the reminder", len(got))
	}

	// The escalation to the admins, due at 23:30, waits for 08:00.
	r.setAt(at(3, 23, 30))
	adminMark := r.lastID(adminID)
	r.b.DueOnce(ctx)
	if got := r.sentSince(adminID, adminMark); len(got) != 0 {
		t.Fatalf("the admins were told at 23:30: %q", got[0].Text)
	}
	adminMark = r.lastID(adminID)
	if c, _ := r.people.caseOf(key); !c.Escalated.IsZero() {
		t.Fatal("the case counts as escalated at 23:30")
	}

	// Meanwhile, at 23:30, a young person in acute risk: the alert goes
	// out at once.
	token := r.invite(director2ID, 0, "Fleur")
	r.send(young2ID, "/start "+token, "nl")
	alertMark := r.lastID(director2ID)
	r.send(young2ID, "/urgent", "nl")
	r.b.WaitHandoffs(ctx)
	alerted := false
	for _, m := range r.sentSince(director2ID, alertMark) {
		alerted = alerted || strings.Contains(m.Text, "Dringend: een jongere heeft nu hulp nodig.")
	}
	if !alerted {
		t.Fatal("the alert of acute risk at 23:30 waited")
	}

	r.setAt(at(4, 7, 59))
	if n := r.b.DueOnce(ctx); n != 0 {
		t.Fatalf("%d intakes due before 08:00", n)
	}
	r.setAt(at(4, 8, 0))
	r.b.DueOnce(ctx)
	escalations := 0
	for _, m := range r.sentSince(adminID, adminMark) {
		if strings.Contains(m.Text, "Sam") {
			escalations++
		}
	}
	if escalations != 1 {
		t.Fatalf("at 08:00 the admins got %d escalations, want 1; transcript:\n%s", escalations, telegramtest.FormatTranscript(r.api.Chat(adminID)))
	}
	if c, _ := r.people.caseOf(key); !c.Escalated.Equal(at(4, 8, 0)) {
		t.Errorf("escalated at %v, want Wednesday 08:00", c.Escalated)
	}
}

// setAt moves the clock forward to t.
func (r *roles) setAt(t time.Time) {
	r.t.Helper()
	d := t.Sub(r.clock.Now())
	if d < 0 {
		r.t.Fatalf("the clock can't go back to %v", t)
	}
	r.clock.Advance(d)
}
