package bot_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/domain"
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
			r.people.Cases.onRead(func(k string) {
				if k != key || len(r.sentSince(told, mark)) == 0 {
					return
				}
				once.Do(func() {
					r.people.Cases.changeDirectly(key, func(c *domain.Case) { c.Acknowledged, c.AckBy = acked, directorID })
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
				r.people.Cases.changeDirectly(key, func(c *domain.Case) { c.Director = other })
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

// Retention erases a person while an /exit clean-up of theirs is under
// way: the clean-up stops and puts nothing back into the trail the
// erasure removed.
func TestRetentionErasureStopsAnExitCleanUp(t *testing.T) {
	c := newLongChat(t, 60, 2)
	key := strconv.Itoa(youngID)
	ctx := context.Background()
	// An intake that was never sent and whose session is long gone: the
	// due loop erases its case.
	if err := c.people.Cases.SaveCase(ctx, domain.Case{Key: key, Director: directorID, Linked: c.clock.Now().Add(-2 * bot.DefaultIdleTTL)}); err != nil {
		t.Fatal(err)
	}
	if err := c.people.Cases.ScheduleDue(ctx, key, c.clock.Now()); err != nil {
		t.Fatal(err)
	}
	bye := c.visible("nl", "exit.bye")
	id := c.api.SendText(youngID, youngID, "/exit", "nl")
	c.api.WaitMessage(t, youngID, 10*time.Second, func(m telegramtest.Msg) bool { return m.FromBot && m.Text == bye })
	select {
	case <-c.editing:
	case <-time.After(10 * time.Second):
		t.Fatal("no edit of an old message")
	}
	if n := c.b.DueOnce(ctx); n != 1 {
		t.Fatalf("%d intakes due", n)
	}
	if _, ok := c.people.caseOf(key); ok {
		t.Fatal("the case was not erased")
	}
	c.open()
	c.handled(id)
	c.b.WaitHandoffs(ctx)
	for _, e := range c.trail(youngID) {
		if s := strings.SplitN(e, ":", 2)[0]; slices.ContainsFunc(c.old, func(id int64) bool { return strconv.FormatInt(id, 10) == s }) {
			t.Fatalf("the clean-up put message %s back after the erasure: %q", s, c.trail(youngID))
		}
	}
}

// The Bot is closed (a stop) while an /exit is handled, just before the
// clean-up of old messages would start: the clean-up does not start on a
// closed recorder, and the old messages are in the trail again, for the
// next /exit.
func TestCloseDuringAnExitKeepsTheOldMessages(t *testing.T) {
	c := newLongChat(t, 5, 1)
	bye := c.visible("nl", "exit.bye")
	var once sync.Once
	c.api.OnCall(func(call telegramtest.Call) {
		if call.Method == "sendMessage" && call.Params["chat_id"] == strconv.Itoa(youngID) && strings.Contains(call.Params["text"], bye) {
			once.Do(c.b.Close)
		}
	})
	c.send(youngID, "/exit", "nl")
	c.b.WaitHandoffs(context.Background())
	trail := c.trail(youngID)
	for _, id := range c.old {
		if !hasEntry(trail, id) {
			t.Errorf("message %d was lost by the stop: trail %q", id, trail)
		}
	}
}

// Someone without an intake (after /delete, or never invited) who writes
// /start, /help, /delete or a crisis word gets an answer, and nothing is
// kept about them: no /exit trail of that exchange.
func TestNoTrailForSomeoneWithoutAnIntake(t *testing.T) {
	p := newPrivacy(t, nil)
	p.cast()
	const stranger = 424242
	for _, text := range []string{"/start", "/help", "ik wil dood", "/delete", "/mydata", "/exit"} {
		p.send(stranger, text, "nl")
		if got := p.trail(stranger); len(got) != 0 {
			t.Errorf("after %q the trail of a stranger = %q", text, got)
		}
	}
	if p.lastID(stranger) == 0 {
		t.Fatal("the stranger got no answer")
	}
}

// /delete with an open alert: the alert messages lose their take button
// and say, in each staff member's language, that it was withdrawn, so
// that nobody thinks a colleague took it.
func TestDeleteWithdrawsAnOpenAlert(t *testing.T) {
	e := newOnCall(t)
	e.setClock(2026, 3, 2, 10, 0)
	e.rosterAdd("Kees", "alle", "00:00-24:00")
	e.young(youngID)
	s := e.session(youngID)
	e.b.RaiseAlert(context.Background(), s, dialog.AlertSignal) // the director (en) and Kees (nl)
	e.b.WaitHandoffs(context.Background())
	alerted := map[int64]string{directorID: "en", counsellorID: "nl"}
	ids := map[int64]int64{}
	for chat := range alerted {
		m, _ := e.alertIn(chat)
		ids[chat] = m.ID
	}

	e.send(youngID, "/delete", "nl")
	e.pressData(youngID, e.lastID(youngID), "x:ey:")
	e.expectLast(youngID, e.visible("nl", "erase.done"))
	for chat, lang := range alerted {
		for _, m := range e.api.Chat(chat) {
			if m.ID != ids[chat] {
				continue
			}
			if want := e.visible(lang, "alert.staff.withdrawn"); m.Text != want {
				t.Errorf("alert message in chat %d = %q, want %q", chat, m.Text, want)
			}
			if len(m.Buttons()) != 0 {
				t.Errorf("the alert message in chat %d still has a button", chat)
			}
		}
	}
}
