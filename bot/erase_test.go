package bot_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/telegramtest"
)

// erasePress presses the yes or no button of the latest /delete question.
func (p *privacyEdge) erasePress(chat int64, yes bool) {
	p.t.Helper()
	data := "x:en:"
	if yes {
		data = "x:ey:"
	}
	m := p.last(chat)
	found := false
	for _, b := range m.Buttons() {
		found = found || b.CallbackData == data
	}
	if !found {
		p.t.Fatalf("no button %s under the last message:\n%s", data, telegramtest.FormatTranscript(p.api.Chat(chat)))
	}
	p.pressData(chat, m.ID, data)
}

// /delete asks first; no keeps everything; yes erases the session, the
// case, its due time, a link that would re-attach it and the trail, tells
// the director and the counsellor without content, and audits it. After
// that the young person needs a new invite.
func TestDeleteErasesEverythingAfterConfirmation(t *testing.T) {
	p := newPrivacy(t, nil)
	p.cast()
	secret := "mijn geheime antwoord"
	p.submitted(youngID, directorID, counsellorID, "Sam", map[string]string{"dreams": secret})
	key := strconv.Itoa(youngID)
	ctx := context.Background()
	relink, err := p.people.Links.CreateLink(ctx, domain.Link{Kind: domain.LinkInvite, Director: directorID, CaseKey: key,
		FirstName: "Sam", Created: p.clock.Now(), Expires: p.clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	other := p.invite(directorID, 0, "Noor")
	if _, err := p.people.Links.LinkFailure(ctx, youngID); err != nil {
		t.Fatal(err)
	}

	p.send(youngID, "/delete", "nl")
	p.expectLast(youngID, p.visible("nl", "erase.confirm"))
	seq := len(p.api.Calls())
	p.erasePress(youngID, false)
	p.expectLast(youngID, p.visible("nl", "erase.kept"))
	if _, ok := p.mem.get(key); !ok {
		t.Fatal("no erased the session")
	}
	if _, ok := p.people.caseOf(key); !ok || len(p.callsExcept(youngID, seq)) != 0 {
		t.Fatal("no erased the case or told someone")
	}

	p.send(youngID, "/delete", "nl")
	seq = len(p.api.Calls())
	dirMark, counsMark := p.lastID(directorID), p.lastID(counsellorID)
	p.erasePress(youngID, true)

	p.expectLast(youngID, p.visible("nl", "erase.done"), p.visible("nl", "erase.again_invite"))
	if _, ok := p.mem.get(key); ok {
		t.Error("the session survived")
	}
	if _, ok := p.people.caseOf(key); ok {
		t.Error("the case survived")
	}
	if _, ok := p.people.dueAt(key); ok {
		t.Error("the due time survived")
	}
	if n, _ := p.people.Links.LinkFailures(ctx, youngID); n != 0 {
		t.Error("the failed links survived")
	}
	if _, err := p.people.Links.UseLink(ctx, relink); err == nil {
		t.Error("the re-attach link survived")
	}
	if _, err := p.people.Links.UseLink(ctx, other); err != nil {
		t.Error("another invite was deleted")
	}
	if tr := p.trail(youngID); len(tr) != 0 {
		t.Errorf("the trail survived: %q", tr)
	}
	if !slices.Contains(p.people.actions(), "intake.withdrawn") {
		t.Errorf("no audit entry: %v", p.people.actions())
	}
	// The director reads English, the counsellor Dutch; a name, no content.
	for _, tc := range []struct {
		chat, mark int64
		lang       string
	}{{directorID, dirMark, "en"}, {counsellorID, counsMark, "nl"}} {
		got := p.sentSince(tc.chat, tc.mark)
		want := p.visible(tc.lang, "erase.withdrawn", "Who", "Sam")
		if len(got) != 1 || got[0].Text != want {
			t.Errorf("%d got %+v, want %q", tc.chat, got, want)
		}
	}
	for _, c := range p.callsExcept(youngID, seq) {
		if strings.Contains(c.Params["text"], secret) {
			t.Fatal("a staff message holds an answer")
		}
		if id := c.Params["chat_id"]; id != strconv.Itoa(directorID) && id != strconv.Itoa(counsellorID) {
			t.Errorf("told chat %s", id)
		}
	}

	// A fresh start needs a new invite; /delete again has nothing to erase.
	p.send(youngID, "/start", "nl")
	p.expectLast(youngID, p.visible("nl", "link.none"))
	p.send(youngID, "/delete", "nl")
	p.expectLast(youngID, p.visible("nl", "erase.nothing"))
	// A stale yes button changes nothing and says so.
	p.pressData(youngID, 0, "x:ey:")
	p.expectLast(youngID, p.visible("nl", "erase.nothing"))
}

// With an open intake the young person can start again at once; staff
// can't use /delete on themselves.
func TestDeleteWithOpenIntakeAndByStaff(t *testing.T) {
	p := newPrivacy(t, func(o *bot.Options) { o.OpenIntakeDirector = directorID })
	p.cast()
	p.send(youngID, "/start", "nl")
	p.consent(youngID)
	p.send(youngID, "Een huis", "nl")
	p.send(youngID, "/delete", "nl")
	p.erasePress(youngID, true)
	p.expectLast(youngID, p.visible("nl", "erase.done"), p.visible("nl", "erase.again_open"))
	want := p.visible("en", "erase.withdrawn", "Who", p.visible("en", "erase.someone"))
	if got := p.last(directorID); got.Text != want {
		t.Errorf("the director got %q, want %q", got.Text, want)
	}
	p.send(youngID, "/start", "nl")
	p.expectLast(youngID, "Voordat we beginnen")

	p.send(directorID, "/delete", "en")
	p.expectLast(directorID, p.visible("en", "privacy.staff"))
	p.pressData(directorID, 0, "x:ey:")
	if _, ok, _ := p.people.Staff.Staff(context.Background(), directorID); !ok {
		t.Fatal("a staff member was erased")
	}
}

// An acknowledged intake is erased AcknowledgedTTL after the
// acknowledgement, and not a minute before, telling nobody.
func TestAcknowledgedIntakeIsErasedAfterItsLifetime(t *testing.T) {
	const ttl = 10 * 24 * time.Hour
	p := newPrivacy(t, func(o *bot.Options) { o.AcknowledgedTTL = ttl })
	p.cast()
	p.submitted(youngID, directorID, 0, "Sam", map[string]string{"dreams": "een huis"})
	key := strconv.Itoa(youngID)
	p.pressData(directorID, 0, "x:ack:"+key)
	c, _ := p.people.caseOf(key)
	if c.Acknowledged.IsZero() {
		t.Fatal("not acknowledged")
	}
	if at, ok := p.people.dueAt(key); !ok || !at.Equal(c.Acknowledged.Add(ttl)) {
		t.Fatalf("due at %v (%v), want %v", at, ok, c.Acknowledged.Add(ttl))
	}
	ctx := context.Background()
	p.clock.Advance(ttl - time.Minute)
	if n := p.b.DueOnce(ctx); n != 0 {
		t.Fatalf("%d due before the end of the lifetime", n)
	}
	if _, ok := p.mem.get(key); !ok {
		t.Fatal("erased too early")
	}
	p.clock.Advance(2 * time.Minute)
	seq := len(p.api.Calls())
	if n := p.b.DueOnce(ctx); n != 1 {
		t.Fatalf("%d due at the end of the lifetime, want 1", n)
	}
	if _, ok := p.mem.get(key); ok {
		t.Error("the session survived its lifetime")
	}
	if _, ok := p.people.caseOf(key); ok {
		t.Error("the case survived its lifetime")
	}
	if n := p.b.DueOnce(ctx); n != 0 {
		t.Errorf("still due: %d", n)
	}
	if calls := p.callsExcept(-1, seq); len(calls) != 0 {
		t.Errorf("the expiry told someone: %d messages", len(calls))
	}
	if !slices.Contains(p.people.actions(), "intake.expired") {
		t.Errorf("no audit entry: %v", p.people.actions())
	}
}

// An early claim of an acknowledged case (a due time from before the
// acknowledgement, a lease) only moves it to the end of its lifetime.
func TestAcknowledgedIntakeClaimedEarlyIsRescheduled(t *testing.T) {
	p := newPrivacy(t, nil)
	p.cast()
	p.submitted(youngID, directorID, 0, "Sam", map[string]string{"dreams": "een huis"})
	key := strconv.Itoa(youngID)
	p.pressData(directorID, 0, "x:ack:"+key)
	c, _ := p.people.caseOf(key)
	ctx := context.Background()
	if err := p.people.Cases.ScheduleDue(ctx, key, p.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if n := p.b.DueOnce(ctx); n != 1 {
		t.Fatalf("claimed %d", n)
	}
	if _, ok := p.mem.get(key); !ok {
		t.Fatal("erased early")
	}
	if at, _ := p.people.dueAt(key); !at.Equal(c.Acknowledged.Add(bot.DefaultAcknowledgedTTL)) {
		t.Fatalf("due at %v", at)
	}
}

// The case of an intake never sent goes once its session has expired
// (the store drops an idle session by itself); while the session lives,
// the case stays.
func TestCaseOfAnExpiredIntakeIsErased(t *testing.T) {
	const idle = 20 * 24 * time.Hour
	p := newPrivacy(t, func(o *bot.Options) { o.IdleTTL = idle })
	p.cast()
	p.invited(youngID, directorID, 0, "Sam", "")
	key := strconv.Itoa(youngID)
	ctx := context.Background()
	linked, _ := p.people.caseOf(key)

	p.clock.Advance(idle)
	if n := p.b.DueOnce(ctx); n != 0 {
		t.Fatalf("%d due within the idle lifetime and its grace", n)
	}
	p.clock.Advance(2 * time.Hour)
	// The session is still there (it was active): the case stays.
	s := p.session(youngID)
	if n := p.b.DueOnce(ctx); n != 1 {
		t.Fatalf("claimed %d", n)
	}
	if _, ok := p.people.caseOf(key); !ok {
		t.Fatal("the case of a living intake was erased")
	}
	if at, _ := p.people.dueAt(key); !at.After(s.Updated.Add(idle)) {
		t.Fatalf("next look at %v", at)
	}
	// The session expires: the case follows.
	_ = p.mem.Delete(ctx, key)
	p.clock.Advance(idle)
	if n := p.b.DueOnce(ctx); n != 1 {
		t.Fatalf("claimed %d", n)
	}
	if _, ok := p.people.caseOf(key); ok {
		t.Fatalf("the case outlived its intake: linked %v", linked.Linked)
	}
	if !slices.Contains(p.people.actions(), "intake.expired") {
		t.Errorf("no audit entry: %v", p.people.actions())
	}
}

// Only the buttons of /delete erase: forged data that only looks like them
// ("x:ey:anything", "x:en:x") is an old or unknown button and changes
// nothing.
func TestForgedEraseButtonsEraseNothing(t *testing.T) {
	p := newPrivacy(t, nil)
	p.cast()
	p.submitted(youngID, directorID, counsellorID, "Sam", map[string]string{"dreams": "een plek aan zee"})
	key := strconv.Itoa(youngID)
	p.send(youngID, "/delete", "nl")
	m := p.last(youngID)
	for _, data := range []string{"x:ey:1", "x:en:x", "x:ey:" + key} {
		p.pressData(youngID, m.ID, data)
		if _, ok := p.mem.get(key); !ok {
			t.Fatalf("a press with %q erased the intake", data)
		}
	}
}
