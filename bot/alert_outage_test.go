package bot_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/alerts"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/telegramtest"
)

// Alerts raised while the store hiccups: the case and the on-call roster
// fail to load, and nobody else (no admins) is there to tell. The young
// person must not hear "we could reach nobody" for that: the alert is
// tried again by the escalation job, and only ends as unanswered after
// TakeWithin.

// flakyRoster is a roster store whose reads fail while down is set.
type flakyRoster struct {
	alerts.RosterStore
	down *outage
}

type outage struct {
	mu   sync.Mutex
	down bool
}

func (o *outage) set(down bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.down = down
}

func (o *outage) is() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.down
}

func (r flakyRoster) OnCallRoster(ctx context.Context) ([]domain.OnCallWindow, error) {
	if r.down.is() {
		return nil, errors.New("the store is down")
	}
	return r.RosterStore.OnCallRoster(ctx)
}

// newOutage is newBrokenOnCall without admins and with a roster that
// fails while the outage is on.
func newOutage(t *testing.T) (*onCall, *breakage, *outage) {
	t.Helper()
	out := &outage{}
	e, broken := newBrokenOnCall(t, func(o *bot.Options) {
		o.Admins = nil
		o.OnCall = flakyRoster{o.OnCall, out}
	})
	return e, broken, out
}

func (b *breakage) heal() {
	b.mu.Lock()
	defer b.mu.Unlock()
	clear(b.staff)
	clear(b.cases)
}

// saidAny reports whether the bot ever said text in chat.
func saidAny(api *telegramtest.Server, chat int64, text string) bool {
	for _, m := range api.Chat(chat) {
		if m.FromBot && strings.Contains(m.Text, text) {
			return true
		}
	}
	return false
}

func TestAlertRaisedWhileTheStoreFailsIsTriedAgain(t *testing.T) {
	e, broken, out := newOutage(t)
	e.setClock(2026, 3, 2, 10, 0)
	e.young(youngID)
	broken.breakCase(strconv.Itoa(youngID))
	out.set(true)

	e.send(youngID, "/urgent", "nl")
	unreached := e.visible("nl", "alert.young.unreached")
	if saidAny(e.api, youngID, unreached) {
		t.Fatalf("the young person was told nobody could be reached while only the store failed; transcript:\n%s\nlogs:\n%s",
			telegramtest.FormatTranscript(e.api.Chat(youngID)), e.logs)
	}
	if n := len(e.audited("alert.unanswered")); n != 0 {
		t.Errorf("%d alerts audited as unanswered, want none", n)
	}

	// Still failing at the next escalation run: still no such message.
	e.clock.Advance(15 * time.Second)
	e.step()
	if saidAny(e.api, youngID, unreached) {
		t.Fatal("the young person was told nobody could be reached on a retry while the store still failed")
	}

	// The store answers again: the next run reaches the director.
	broken.heal()
	out.set(false)
	e.clock.Advance(15 * time.Second)
	e.step()
	e.alertIn(directorID)
	e.expectSaid(youngID, 0, e.visible("nl", "alert.young.raised"))
	if saidAny(e.api, youngID, unreached) {
		t.Error("the young person was told nobody could be reached, yet the director got the alert")
	}
	if n := len(e.audited("alert.unanswered")); n != 0 {
		t.Errorf("%d alerts audited as unanswered, want none", n)
	}
}

// A store that keeps failing: after TakeWithin the alert ends, and the
// young person hears honestly that nobody could be reached, once.
func TestAlertWhileTheStoreKeepsFailingEndsAfterTakeWithin(t *testing.T) {
	e, broken, out := newOutage(t)
	e.setClock(2026, 3, 2, 10, 0)
	e.young(youngID)
	broken.breakCase(strconv.Itoa(youngID))
	out.set(true)

	e.send(youngID, "/urgent", "nl")
	for range int(takeWithin/(15*time.Second)) + 2 {
		e.clock.Advance(15 * time.Second)
		e.step()
	}
	unreached := e.visible("nl", "alert.young.unreached")
	n := 0
	for _, m := range e.api.Chat(youngID) {
		if m.FromBot && strings.Contains(m.Text, unreached) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("nobody could be reached was said %d times, want once; transcript:\n%s", n, telegramtest.FormatTranscript(e.api.Chat(youngID)))
	}
	e.expectLast(youngID, "113")
	if n := len(e.audited("alert.unanswered")); n != 1 {
		t.Errorf("%d alerts audited as unanswered, want 1", n)
	}
	if n := e.rdb.Exists(context.Background(), redisKey("t:alert:", strconv.Itoa(youngID))).Val(); n != 0 {
		t.Error("the alert is still open")
	}
}

// An erasure while the alert waits for its retry (its session gone): the
// retry ends it without a word to anyone.
func TestErasureStopsAnAlertWaitingForItsRetry(t *testing.T) {
	e, broken, out := newOutage(t)
	e.setClock(2026, 3, 2, 10, 0)
	e.young(youngID)
	s := e.session(youngID)
	broken.breakCase(s.Key)
	out.set(true)

	e.send(youngID, "/urgent", "nl")
	if err := e.mem.Delete(context.Background(), s.Key); err != nil {
		t.Fatal(err)
	}
	before := len(e.api.Chat(youngID))
	broken.heal()
	out.set(false)
	e.clock.Advance(15 * time.Second)
	e.step()
	if n := e.alerts(directorID); n != 0 {
		t.Errorf("the director got %d alerts after the erasure", n)
	}
	if len(e.api.Chat(youngID)) != before {
		t.Error("the young person got a message after the erasure")
	}
	if n := e.rdb.Exists(context.Background(), redisKey("t:alert:", s.Key), "t:alerts").Val(); n != 0 {
		t.Error("the alert of an erased session is still open")
	}
}
