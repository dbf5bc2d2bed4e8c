package bot_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
)

// Races between the work in the background on an intake (its delivery to
// the director, the due loop) and what people do meanwhile, and the
// lifetimes of intakes that took an unusual path.

// pollWithoutWaiting replaces the harness's poller by one that takes an
// update as handled without waiting for the deliveries in the background,
// so that a test can act while a delivery hangs.
func (r *roles) pollWithoutWaiting() {
	r.t.Helper()
	r.stop()
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	p := &telegram.Poller{
		Client: http.DefaultClient, BaseURL: r.api.URL(), Token: "123456:TEST-token",
		Timeout: time.Second, Log: r.log, Handle: r.b.Edge().HandleUpdate,
	}
	go func() { r.done <- p.Run(ctx) }()
}

// hasAckButton reports whether m carries the acknowledge button.
func hasAckButton(m telegramtest.Msg) bool {
	for _, b := range m.Buttons() {
		if strings.HasPrefix(b.CallbackData, "x:ack:") {
			return true
		}
	}
	return false
}

// A young person confirms /delete while their intake is on its way to the
// director (the document upload hangs): the delivery stops, and nothing
// of it comes back after the erasure. The director hears that the intake
// was withdrawn, and gets no button for it after that.
func TestDeleteDuringAHandoffBringsNothingBack(t *testing.T) {
	p := newPrivacy(t, nil)
	p.cast()
	p.pollWithoutWaiting()
	key := strconv.Itoa(youngID)
	entered, release := make(chan struct{}), make(chan struct{})
	var enterOnce, releaseOnce sync.Once
	free := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(free) // before the fake server closes
	p.api.OnCall(func(c telegramtest.Call) {
		if c.Method == "sendDocument" && c.Params["chat_id"] == strconv.Itoa(directorID) {
			enterOnce.Do(func() { close(entered) })
			<-release
		}
	})

	p.inReview(youngID, directorID, counsellorID, "Sam", map[string]string{"dreams": "een eigen huis"})
	p.pressData(youngID, 0, sendData(p.engine))
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatalf("the summary never went to the director; logs:\n%s", p.logs)
	}
	// The upload answers once the erasure ran, as a slow network would.
	p.nothingCameBack(key, p.deleteWhileHeld(t, key, free))
}

// The same when the delivery was just recorded, by the handoff in the
// background or by the due loop trying again: the work is stopped before
// the erasure and records and sends no more.
func TestDeleteRightAfterTheDeliveryWasRecorded(t *testing.T) {
	for _, byDue := range []bool{false, true} {
		name := map[bool]string{false: "handoff", true: "due loop"}[byDue]
		t.Run(name, func(t *testing.T) {
			p := newPrivacy(t, nil)
			p.cast()
			p.pollWithoutWaiting()
			key := strconv.Itoa(youngID)
			entered, release := make(chan struct{}), make(chan struct{})
			var enterOnce, releaseOnce sync.Once
			free := func() { releaseOnce.Do(func() { close(release) }) }
			t.Cleanup(free)
			p.people.Cases.onUpdate(func(ctx context.Context, c domain.Case) {
				if c.Delivered.IsZero() {
					return
				}
				enterOnce.Do(func() { close(entered) })
				select {
				case <-release:
				case <-ctx.Done():
				}
			})
			var refused atomic.Bool
			refused.Store(byDue)
			p.api.SetFault(func(_ string, params map[string]string) *telegramtest.Fault {
				if refused.Load() && params["chat_id"] == strconv.Itoa(directorID) {
					return &telegramtest.Fault{Status: 403}
				}
				return nil
			})

			p.inReview(youngID, directorID, counsellorID, "Sam", map[string]string{"dreams": "een eigen huis"})
			p.pressData(youngID, 0, sendData(p.engine))
			dueDone := make(chan struct{})
			if byDue {
				p.b.WaitHandoffs(context.Background())
				refused.Store(false)
				p.clock.Advance(6 * time.Minute)
				go func() {
					defer close(dueDone)
					p.b.DueOnce(context.Background())
				}()
			} else {
				close(dueDone)
			}
			select {
			case <-entered:
			case <-time.After(10 * time.Second):
				t.Fatalf("the delivery was never recorded; logs:\n%s", p.logs)
			}
			dirMark := p.deleteWhileHeld(t, key, free)
			<-dueDone
			p.nothingCameBack(key, dirMark)
		})
	}
}

// deleteWhileHeld confirms /delete while the fake Bot API holds a call of
// work in the background, lets it go (free) once the erasure ran, and
// waits until all is done. It returns the director's last message before.
func (p *privacyEdge) deleteWhileHeld(t *testing.T, key string, free func()) int64 {
	t.Helper()
	p.send(youngID, "/delete", "nl")
	dirMark := p.lastID(directorID)
	id := p.api.PressButton(youngID, youngID, p.lastID(youngID), "x:ey:")
	bottest.WaitFor(t, "the erasure", func() bool { _, ok := p.people.caseOf(key); return !ok })
	free()
	p.handled(id)
	p.expectLast(youngID, p.visible("nl", "erase.done"))
	p.b.WaitHandoffs(context.Background())
	return dirMark
}

// nothingCameBack fails unless the intake under key is erased with no
// trace of its delivery, and the director got nothing after mark but the
// notice that it was withdrawn (and never an acknowledge button).
func (p *privacyEdge) nothingCameBack(key string, mark int64) {
	t := p.t
	t.Helper()
	if c, ok := p.people.caseOf(key); ok {
		t.Errorf("the case came back: %+v", c)
	}
	if at, ok := p.people.dueAt(key); ok {
		t.Errorf("a due time came back: %v", at)
	}
	if _, ok := p.mem.get(key); ok {
		t.Error("the session came back")
	}
	if acts := p.people.actions(); slices.Contains(acts, "summary.delivered") {
		t.Errorf("the erased intake was recorded as delivered: %v", acts)
	}
	got := p.sentSince(directorID, mark)
	if len(got) != 1 || got[0].Text != p.visible("en", "erase.withdrawn", "Who", "Sam") {
		t.Errorf("after the document the director got:\n%s", telegramtest.FormatTranscript(got))
	}
	for _, m := range p.api.Chat(directorID) {
		if hasAckButton(m) {
			t.Errorf("the director got a button for a withdrawn intake: %q", m.Text)
		}
	}
}

// The director presses the acknowledge button the moment it arrives,
// before the bot has even heard back that it was sent: the press counts.
func TestAckPressedRightAfterTheButtonCounts(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	r.pollWithoutWaiting()
	key := strconv.Itoa(youngID)
	var pressed atomic.Int64
	r.api.OnCall(func(c telegramtest.Call) {
		if c.Method != "sendMessage" || c.Params["chat_id"] != strconv.Itoa(directorID) ||
			!strings.Contains(c.Params["reply_markup"], "x:ack:") || pressed.Load() != 0 {
			return
		}
		// The bot waits for this answer while the press is decided: until
		// it is acknowledged, or the press answered otherwise. (The rest
		// of its handling waits for this chat's message in flight.)
		id, query := r.api.PressButtonQuery(directorID, directorID, r.api.LastBotMessage(directorID).ID, "x:ack:"+key)
		pressed.Store(id)
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if c, _ := r.people.caseOf(key); !c.Acknowledged.IsZero() || answered(r.api, query) {
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
	})

	r.inReview(youngID, directorID, 0, "Sam", map[string]string{"dreams": "een eigen huis"})
	r.pressData(youngID, 0, sendData(r.engine))
	r.b.WaitHandoffs(context.Background())
	if pressed.Load() == 0 {
		t.Fatalf("no acknowledge button reached the director; logs:\n%s", r.logs)
	}
	r.handled(pressed.Load())
	c, _ := r.people.caseOf(key)
	if c.Delivered.IsZero() || c.Acknowledged.IsZero() || c.AckBy != directorID {
		t.Fatalf("the press right after the button was lost: %+v", c)
	}
	if at, _ := r.people.dueAt(key); !at.Equal(c.Acknowledged.Add(bot.DefaultAcknowledgedTTL)) {
		t.Errorf("due at %v, want the end of the acknowledged intake's lifetime", at)
	}
	r.expectLast(youngID, r.visible("nl", "ack.young", "Name", "Sanne de Vries"))
}

// answered reports whether the press with this query ID was answered.
func answered(api *telegramtest.Server, query string) bool {
	for _, c := range api.CallsTo("answerCallbackQuery") {
		if c.Params["callback_query_id"] == query {
			return true
		}
	}
	return false
}

// A young person who starts over after the delivery and before the
// acknowledgement, and then pauses, keeps the new intake until it is idle:
// the end of the acknowledged one's lifetime does not take it.
func TestIntakeRestartedBeforeTheAckLivesUntilIdle(t *testing.T) {
	const ackTTL, idle = 10 * 24 * time.Hour, 30 * 24 * time.Hour
	p := newPrivacy(t, func(o *bot.Options) { o.AcknowledgedTTL, o.IdleTTL = ackTTL, idle })
	p.cast()
	p.submitted(youngID, directorID, 0, "Sam", map[string]string{"dreams": "een huis"})
	key := strconv.Itoa(youngID)
	ctx := context.Background()

	p.clock.Advance(time.Hour)
	p.send(youngID, "nog iets", "nl")
	p.press(youngID, p.visible("nl", "btn.restart"))
	p.press(youngID, p.visible("nl", "btn.restart_yes"))
	restarted := p.session(youngID)
	if restarted.State == dialog.StateSubmitted {
		t.Fatal("not started over")
	}
	p.clock.Advance(time.Hour)
	p.pressData(directorID, 0, "x:ack:"+key)
	if c, _ := p.people.caseOf(key); c.Acknowledged.IsZero() {
		t.Fatal("not acknowledged")
	}

	p.clock.Advance(ackTTL + time.Minute)
	if n := p.b.DueOnce(ctx); n != 1 {
		t.Fatalf("claimed %d at the end of the acknowledged intake's lifetime", n)
	}
	if _, ok := p.mem.get(key); !ok {
		t.Fatal("the new intake was erased before it was idle")
	}
	if _, ok := p.people.caseOf(key); !ok {
		t.Fatal("the case of the new intake was erased")
	}
	if at, ok := p.people.dueAt(key); !ok || at.Before(restarted.Updated.Add(idle)) {
		t.Fatalf("next look at %v (%v), want after %v", at, ok, restarted.Updated.Add(idle))
	}
	// Idle: the store drops the session, and the case follows.
	_ = p.mem.Delete(ctx, key)
	p.clock.Advance(idle)
	if n := p.b.DueOnce(ctx); n != 1 {
		t.Fatalf("claimed %d after the new intake went idle", n)
	}
	if _, ok := p.people.caseOf(key); ok {
		t.Error("the case outlived both intakes")
	}
	if !slices.Contains(p.people.actions(), "intake.expired") {
		t.Errorf("no audit entry: %v", p.people.actions())
	}
}

// An intake nobody acknowledges, not even after the admins were told, is
// erased IdleTTL after that, telling nobody; not a minute before.
func TestUnacknowledgedIntakeIsErasedIdleTTLAfterTheEscalation(t *testing.T) {
	const idle = 30 * 24 * time.Hour
	p := newPrivacy(t, func(o *bot.Options) { o.IdleTTL = idle })
	p.cast()
	p.submitted(youngID, directorID, 0, "Sam", map[string]string{"dreams": "een huis"})
	key := strconv.Itoa(youngID)
	ctx := context.Background()
	for _, step := range []string{"reminder", "escalation"} {
		p.clock.Advance(bot.DefaultAckAfter + time.Minute)
		if n := p.b.DueOnce(ctx); n != 1 {
			t.Fatalf("%s: claimed %d", step, n)
		}
	}
	c, _ := p.people.caseOf(key)
	if c.Escalated.IsZero() {
		t.Fatalf("not escalated: %+v", c)
	}
	if at, ok := p.people.dueAt(key); !ok || !at.Equal(c.Escalated.Add(idle)) {
		t.Fatalf("due at %v (%v), want %v", at, ok, c.Escalated.Add(idle))
	}

	p.clock.Advance(idle - time.Minute)
	if n := p.b.DueOnce(ctx); n != 0 {
		t.Fatalf("%d due before the end of the lifetime", n)
	}
	if _, ok := p.people.caseOf(key); !ok {
		t.Fatal("the case was erased too early")
	}
	if _, ok := p.mem.get(key); !ok {
		t.Fatal("the session was erased too early")
	}
	p.clock.Advance(2 * time.Minute)
	seq := len(p.api.Calls())
	if n := p.b.DueOnce(ctx); n != 1 {
		t.Fatalf("claimed %d at the end of the lifetime", n)
	}
	if _, ok := p.people.caseOf(key); ok {
		t.Error("the case survived its lifetime")
	}
	if _, ok := p.mem.get(key); ok {
		t.Error("the session survived its lifetime")
	}
	if at, ok := p.people.dueAt(key); ok {
		t.Errorf("still due at %v", at)
	}
	if calls := p.callsExcept(-1, seq); len(calls) != 0 {
		t.Errorf("the expiry told someone: %d messages", len(calls))
	}
	if !slices.Contains(p.people.actions(), "intake.expired") {
		t.Errorf("no audit entry: %v", p.people.actions())
	}
}

// The same for an intake that never reached its director (their chat
// refuses it): the admins are told after AckAfter, the delivery is not
// tried again, and IdleTTL later the bot's copy is erased.
func TestUndeliveredIntakeIsErasedIdleTTLAfterTheEscalation(t *testing.T) {
	const idle = 30 * 24 * time.Hour
	p := newPrivacy(t, func(o *bot.Options) { o.IdleTTL = idle })
	p.cast()
	p.api.SetFault(func(_ string, params map[string]string) *telegramtest.Fault {
		if params["chat_id"] == strconv.Itoa(directorID) {
			return &telegramtest.Fault{Status: 403}
		}
		return nil
	})
	p.inReview(youngID, directorID, 0, "Sam", map[string]string{"dreams": "een huis"})
	p.pressData(youngID, 0, sendData(p.engine))
	key := strconv.Itoa(youngID)
	ctx := context.Background()
	p.clock.Advance(bot.DefaultAckAfter + time.Minute)
	adminMark := p.lastID(adminID)
	if n := p.b.DueOnce(ctx); n != 1 {
		t.Fatalf("claimed %d", n)
	}
	if got := p.sentSince(adminID, adminMark); len(got) != 1 {
		t.Fatalf("the admin got %d messages", len(got))
	}
	c, _ := p.people.caseOf(key)
	if c.Escalated.IsZero() || !c.Delivered.IsZero() {
		t.Fatalf("case after the escalation = %+v", c)
	}
	p.clock.Advance(idle - time.Minute)
	if n := p.b.DueOnce(ctx); n != 0 {
		t.Fatalf("%d due before the end of the lifetime", n)
	}
	p.clock.Advance(2 * time.Minute)
	seq := len(p.api.Calls())
	if n := p.b.DueOnce(ctx); n != 1 {
		t.Fatalf("claimed %d at the end of the lifetime", n)
	}
	if _, ok := p.people.caseOf(key); ok {
		t.Error("the case survived its lifetime")
	}
	if _, ok := p.mem.get(key); ok {
		t.Error("the session survived its lifetime")
	}
	if calls := p.callsExcept(-1, seq); len(calls) != 0 {
		t.Errorf("the expiry told or tried someone: %d calls", len(calls))
	}
}
