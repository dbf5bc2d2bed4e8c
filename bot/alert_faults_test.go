package bot_test

import (
	"context"
	"errors"
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
	"github.com/intakebot/intakebot/storage"
)

// Alerts when records fail to load, when nobody can be told, and when an
// erasure or another writer meets an alert in progress.

// breakage makes some records fail to load, as with a damaged record or
// a store that fails for one key: brokenStaff and brokenCases are the
// stores with it.
type breakage struct {
	mu    sync.Mutex
	staff map[int64]bool
	cases map[string]bool
}

type brokenStaff struct {
	bot.StaffStore
	b *breakage
}

func (s brokenStaff) Staff(ctx context.Context, id int64) (domain.StaffMember, bool, error) {
	s.b.mu.Lock()
	bad := s.b.staff[id]
	s.b.mu.Unlock()
	if bad {
		return domain.StaffMember{}, false, errors.New("a damaged staff record")
	}
	return s.StaffStore.Staff(ctx, id)
}

type brokenCases struct {
	bot.CaseStore
	b *breakage
}

func (c brokenCases) Case(ctx context.Context, key string) (domain.Case, bool, error) {
	c.b.mu.Lock()
	bad := c.b.cases[key]
	c.b.mu.Unlock()
	if bad {
		return domain.Case{}, false, errors.New("a damaged case")
	}
	return c.CaseStore.Case(ctx, key)
}

func (b *breakage) breakStaff(id int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.staff[id] = true
}

func (b *breakage) breakCase(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cases[key] = true
}

// newBrokenOnCall is newOnCall with staff and cases that can be broken.
func newBrokenOnCall(t *testing.T, tweaks ...func(*bot.Options)) (*onCall, *breakage) {
	t.Helper()
	broken := &breakage{staff: map[int64]bool{}, cases: map[string]bool{}}
	e := newOnCall(t, append([]func(*bot.Options){func(o *bot.Options) {
		o.Staff = brokenStaff{o.Staff, broken}
		o.Cases = brokenCases{o.Cases, broken}
	}}, tweaks...)...)
	return e, broken
}

// An on-call staff member whose record fails to load is skipped (and
// logged without their ID): the next on call gets the alert.
func TestAlertSkipsAStaffRecordThatFailsToLoad(t *testing.T) {
	e, broken := newBrokenOnCall(t)
	e.setClock(2026, 3, 2, 10, 0)
	e.rosterAdd("Kees", "ma-vr", "08:00-17:00")
	e.rosterAdd("Omar", "alle", "00:00-24:00")
	e.young(youngID)
	broken.breakStaff(counsellorID)

	e.send(youngID, "/urgent", "nl")
	e.alertIn(director2ID)
	e.expectSaid(youngID, 0, e.visible("nl", "alert.young.raised"))
	if n := e.alerts(counsellorID); n != 0 {
		t.Errorf("Kees, whose record fails, got %d alerts", n)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "skipped") {
		t.Errorf("the skipped record was not logged:\n%s", logs)
	}
	if strings.Contains(logs, strconv.Itoa(counsellorID)) {
		t.Error("the logs name the skipped staff member by their Telegram ID")
	}
}

// A case that fails to load does not stop the alert: the first on call
// gets it, without the young person's name.
func TestAlertWhoseCaseFailsToLoadStillGoesOut(t *testing.T) {
	e, broken := newBrokenOnCall(t)
	e.setClock(2026, 3, 2, 10, 0)
	e.rosterAdd("Kees", "alle", "00:00-24:00")
	e.young(youngID)
	broken.breakCase(strconv.Itoa(youngID))

	e.b.RaiseAlert(context.Background(), e.session(youngID), dialog.AlertUrgent)
	kees, _ := e.alertIn(counsellorID)
	if strings.Contains(kees.Text, "Fleur") {
		t.Errorf("the alert names a young person whose case did not load:\n%s", kees.Text)
	}
	e.expectSaid(youngID, 0, e.visible("nl", "alert.young.raised"))
}

// A signal whose director's record fails to load still reaches the on
// call, and escalates as usual.
func TestSignalWhoseDirectorFailsToLoadStillReachesTheOnCall(t *testing.T) {
	e, broken := newBrokenOnCall(t)
	e.setClock(2026, 3, 2, 10, 0)
	e.rosterAdd("Kees", "alle", "00:00-24:00")
	e.young(youngID)
	broken.breakStaff(directorID)

	e.b.RaiseAlert(context.Background(), e.session(youngID), dialog.AlertSignal)
	e.alertIn(counsellorID)
	e.clock.Advance(takeWithin)
	e.step()
	e.alertIn(adminID)
}

// A roster that can't be read: the alert goes to the director and the
// admins at once.
func TestAlertWithADamagedRosterGoesToTheDirectorAndTheAdmins(t *testing.T) {
	e := newOnCall(t)
	e.setClock(2026, 3, 2, 10, 0)
	e.rosterAdd("Kees", "alle", "00:00-24:00")
	e.young(youngID)
	e.rdb.HSet(context.Background(), "t:oncall", "99", "{not a window")

	e.send(youngID, "/urgent", "nl")
	e.alertIn(directorID)
	e.alertIn(adminID)
	e.expectSaid(youngID, 0, e.visible("nl", "alert.young.raised"))
}

// With nobody to tell at all (no roster, no director, no admins), the
// young person does not wait: they are told at once that nobody could be
// reached, with the crisis lines, and the alert ends.
func TestAlertWithNobodyToTellShowsTheCrisisLinesAtOnce(t *testing.T) {
	e := newOnCall(t, func(o *bot.Options) { o.Admins = nil })
	e.setClock(2026, 3, 2, 10, 0)
	e.young(youngID)
	e.young(young2ID)
	if err := e.people.Staff.RemoveStaff(context.Background(), directorID); err != nil {
		t.Fatal(err)
	}

	e.send(youngID, "/urgent", "nl")
	e.expectSaid(youngID, 0, e.visible("nl", "alert.young.unreached"))
	e.expectLast(youngID, "113")
	if slices.ContainsFunc(e.api.Chat(youngID), func(m telegramtest.Msg) bool {
		return strings.Contains(m.Text, e.visible("nl", "alert.young.raised"))
	}) {
		t.Error("the young person was told someone got a message, while nobody did")
	}

	e.b.RaiseAlert(context.Background(), e.session(young2ID), dialog.AlertSignal)
	e.expectSaid(young2ID, 0, e.visible("nl", "alert.young.unreached"))
	if n := e.rdb.Exists(context.Background(), redisKey("t:alert:", strconv.Itoa(youngID)), redisKey("t:alert:", strconv.Itoa(young2ID)), "t:alerts").Val(); n != 0 {
		t.Error("an alert that reached nobody is still open")
	}
}

// A second /urgent after a take: the one who took it hears that the young
// person asked again (with the same neutral first line), and the young
// person hears that they were told.
func TestSecondUrgentAfterATakeTellsTheTaker(t *testing.T) {
	e := newOnCall(t)
	e.setClock(2026, 3, 2, 10, 0)
	e.rosterAdd("Kees", "alle", "00:00-24:00")
	e.young(youngID)
	e.send(youngID, "/urgent", "nl")
	kees, take := e.alertIn(counsellorID)
	e.take(counsellorID, kees, take.CallbackData)
	e.expectSaid(youngID, 0, "Kees neemt contact met je op.")

	e.clock.Advance(20 * time.Minute)
	after := e.lastID(youngID)
	e.send(youngID, "/urgent", "nl")
	e.expectSaid(youngID, after, e.visible("nl", "alert.young.taken_again", "Name", "Kees"))
	again := e.last(counsellorID)
	lines := strings.Split(again.Text, "\n")
	if lines[0] != "Dringend: een jongere heeft nu hulp nodig." {
		t.Errorf("the first line of the message to the taker (on a lock screen) is %q", lines[0])
	}
	for _, want := range []string{"Jongere: Fleur", "De jongere vroeg nog een keer om hulp (/urgent), op 2026-03-02 10:20."} {
		if !strings.Contains(again.Text, want) {
			t.Errorf("the message to the taker lacks %q:\n%s", want, again.Text)
		}
	}
	if n := e.alerts(counsellorID); n != 2 {
		t.Errorf("Kees got %d messages about the alert, want 2", n)
	}
	if n := e.alerts(adminID); n != 0 {
		t.Errorf("the admin got %d alerts after a take", n)
	}
}

// With nobody on call, an alert goes to the director and the admins at
// once, as /oncall says.
func TestNobodyOnCallAlertsTheDirectorAndTheAdminsAtOnce(t *testing.T) {
	e := newOnCall(t)
	e.setClock(2026, 3, 2, 10, 0) // Monday
	e.rosterAdd("Kees", "za,zo", "10:00-14:00")
	e.send(adminID, "/oncall", "nl")
	e.expectLast(adminID, e.visible("nl", "oncall.now_none"))

	e.young(youngID)
	e.send(youngID, "/urgent", "nl")
	e.alertIn(directorID)
	e.alertIn(adminID)
	e.expectSaid(youngID, 0, e.visible("nl", "alert.young.raised"))
	if e.alerts(counsellorID) != 0 {
		t.Error("someone off duty was alerted")
	}
	e.clock.Advance(takeWithin)
	e.step()
	if e.alerts(adminID) != 1 || e.alerts(directorID) != 1 {
		t.Error("the escalation alerted someone twice")
	}
	e.clock.Advance(takeWithin)
	e.step()
	e.expectSaid(youngID, 0, e.visible("nl", "alert.young.nobody"))
}

// An alert is never raised or escalated for an intake whose session is
// gone (erased): it ends without a word to anyone.
func TestAlertOfAnErasedIntakeEndsQuietly(t *testing.T) {
	e := newOnCall(t)
	e.setClock(2026, 3, 2, 10, 0)
	e.rosterAdd("Kees", "alle", "00:00-24:00")
	e.young(youngID)
	s := e.session(youngID)

	gone := dialog.Session{Key: strconv.Itoa(young2ID), Lang: "nl"}
	e.b.RaiseAlert(context.Background(), gone, dialog.AlertUrgent)
	if n := e.rdb.Exists(context.Background(), redisKey("t:alert:", gone.Key)).Val(); n != 0 {
		t.Error("an alert was opened for a session that does not exist")
	}
	if e.alerts(counsellorID) != 0 || len(e.api.Chat(young2ID)) != 0 {
		t.Error("an alert for a session that does not exist went out")
	}

	e.b.RaiseAlert(context.Background(), s, dialog.AlertUrgent)
	e.alertIn(counsellorID)
	if err := e.mem.Delete(context.Background(), s.Key); err != nil {
		t.Fatal(err)
	}
	before := len(e.api.Chat(youngID))
	e.clock.Advance(takeWithin)
	e.step()
	if e.alerts(adminID) != 0 || len(e.api.Chat(youngID)) != before {
		t.Error("an alert of an erased session escalated")
	}
	if n := e.rdb.Exists(context.Background(), redisKey("t:alert:", s.Key), "t:alerts").Val(); n != 0 {
		t.Error("the alert of an erased session is still open")
	}
}

// An erasure while an alert's first messages are going out: the work is
// stopped before the erasure runs (settle), and nothing more goes out or
// is stored after it.
func TestAlertWorkStopsForAnErasure(t *testing.T) {
	e := newOnCall(t)
	e.setClock(2026, 3, 2, 10, 0)
	e.rosterAdd("Kees", "alle", "00:00-24:00")
	e.young(youngID)
	s := e.session(youngID)

	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	e.api.SetFault(func(method string, p map[string]string) *telegramtest.Fault {
		if method == "sendMessage" && p["chat_id"] == strconv.Itoa(directorID) {
			once.Do(func() { close(entered) })
			<-release
		}
		return nil
	})
	raised := make(chan struct{})
	go func() {
		defer close(raised)
		e.b.RaiseAlert(context.Background(), s, dialog.AlertSignal) // the director first, then Kees
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the alert never went out")
	}
	e.b.SettleAlertWork(s.Key)
	ctx := context.Background()
	e.rdb.Del(ctx, redisKey("t:alert:", s.Key))
	e.rdb.ZRem(ctx, "t:alerts", redisName(s.Key))
	close(release)
	<-raised
	if n := e.alerts(counsellorID); n != 0 {
		t.Error("an alert went out after the erasure")
	}
	if n := e.rdb.Exists(ctx, redisKey("t:alert:", s.Key), "t:alerts").Val(); n != 0 {
		t.Error("the alert was stored again after the erasure")
	}
}

// Another writer (an escalation on another replica) saves the alert while
// its first messages are still going out: the first messages' save adds
// to what that writer saved instead of overwriting it, so that everyone
// alerted can take it.
func TestAlertFirstSaveKeepsAConcurrentWriter(t *testing.T) {
	e := newOnCall(t)
	e.setClock(2026, 3, 2, 10, 0)
	e.rosterAdd("Kees", "alle", "00:00-24:00")
	e.young(youngID)
	s := e.session(youngID)

	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	e.api.SetFault(func(method string, p map[string]string) *telegramtest.Fault {
		if method == "sendMessage" && p["chat_id"] == strconv.Itoa(counsellorID) {
			once.Do(func() {
				close(entered)
				<-release
			})
		}
		return nil
	})
	raised := make(chan struct{})
	go func() {
		defer close(raised)
		e.b.RaiseAlert(context.Background(), s, dialog.AlertUrgent)
	}()
	select {
	case <-entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the alert never went out")
	}
	ctx := context.Background()
	codec, err := storage.NewCodec([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	other := storage.NewPeople(e.rdb, codec, "t:", e.clock.Now)
	a, found, err := other.Alerts.Alert(ctx, s.Key)
	if err != nil || !found {
		t.Fatalf("Alert = %v, %v", found, err)
	}
	a.Level = 1
	a.Notices = append(a.Notices, domain.AlertNotice{Chat: director2ID, Message: 1, Level: 1})
	if ok, err := other.Alerts.SaveAlert(ctx, a, e.clock.Now().Add(takeWithin)); err != nil || !ok {
		t.Fatalf("the other writer's save = %v, %v", ok, err)
	}
	close(release)
	<-raised

	got, found, err := other.Alerts.Alert(ctx, s.Key)
	if err != nil || !found {
		t.Fatalf("Alert = %v, %v", found, err)
	}
	if !got.Notified(counsellorID) || !got.Notified(director2ID) || got.Level != 1 {
		t.Errorf("after both saves: %+v; want Kees's and Omar's messages at level 1", got)
	}
	e.expectSaid(youngID, 0, e.visible("nl", "alert.young.raised"))
}
