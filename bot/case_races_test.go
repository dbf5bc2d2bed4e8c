package bot_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
)

// An acknowledgement that lands (on another replica, say) while the
// reminder or the escalation is being sent is kept: the due loop does not
// write back the case it read before.
func TestAckDuringAReminderOrEscalationIsKept(t *testing.T) {
	for _, step := range []string{"reminder", "escalation"} {
		t.Run(step, func(t *testing.T) {
			r := newRoles(t, nil)
			r.cast()
			r.submitted(youngID, directorID, counsellorID, "Sam", map[string]string{"dreams": "een huis"})
			key := strconv.Itoa(youngID)
			ctx := context.Background()
			told := int64(directorID)
			if step == "escalation" {
				r.clock.Advance(bot.DefaultAckAfter + time.Minute)
				if n := r.b.DueOnce(ctx); n != 1 {
					t.Fatalf("%d intakes due for the reminder", n)
				}
				told = adminID
			}
			r.clock.Advance(bot.DefaultAckAfter + time.Minute)
			mark := r.lastID(told)
			acked := r.clock.Now()
			var once sync.Once
			// The press lands once the message went out, before the due
			// loop records it.
			r.people.onRead(func(k string) {
				if k != key || len(r.sentSince(told, mark)) == 0 {
					return
				}
				once.Do(func() {
					r.people.changeDirectly(key, func(c *dialog.Case) { c.Acknowledged, c.AckBy = acked, directorID })
				})
			})
			if n := r.b.DueOnce(ctx); n != 1 {
				t.Fatalf("%d intakes due", n)
			}
			if len(r.sentSince(told, mark)) == 0 {
				t.Fatalf("no %s went out", step)
			}
			c, _ := r.people.caseOf(key)
			if !c.Acknowledged.Equal(acked) || c.AckBy != directorID {
				t.Fatalf("the acknowledgement was lost: %+v", c)
			}
			if step == "reminder" && !c.Reminded.IsZero() || step == "escalation" && !c.Escalated.IsZero() {
				t.Errorf("the %s was recorded over the acknowledgement: %+v", step, c)
			}
		})
	}
}

// A case handed to another director while its summary was on its way
// keeps its new director; it is not recorded as delivered (the due loop
// sends it to the new director).
func TestDeliveryKeepsAReassignmentMadeMeanwhile(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	key := strconv.Itoa(youngID)
	const other = 777
	var once sync.Once
	r.api.OnCall(func(c telegramtest.Call) {
		if c.Method == "sendDocument" && c.Params["chat_id"] == strconv.Itoa(directorID) {
			once.Do(func() {
				r.people.changeDirectly(key, func(c *dialog.Case) { c.Director = other })
			})
		}
	})
	r.inReview(youngID, directorID, counsellorID, "Sam", map[string]string{"dreams": "een huis"})
	r.pressData(youngID, 0, sendData(r.engine))
	r.b.WaitHandoffs(context.Background())
	c, _ := r.people.caseOf(key)
	if c.Director != other {
		t.Fatalf("the delivery wrote back the old director: %+v", c)
	}
	if !c.Delivered.IsZero() {
		t.Errorf("recorded as delivered to a director it no longer belongs to: %+v", c)
	}
	for _, m := range r.api.Chat(directorID) {
		if hasAckButton(m) {
			t.Errorf("the former director got the acknowledge button: %q", m.Text)
		}
	}
}
