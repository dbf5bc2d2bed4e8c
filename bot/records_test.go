package bot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage/memory"
)

// countSaid counts the bot's messages to chat that show text.
func (r *roles) countSaid(chat int64, text string) int {
	n := 0
	for _, m := range r.api.Chat(chat) {
		if m.FromBot && strings.Contains(m.Text, text) {
			n++
		}
	}
	return n
}

// adminNotice is the start of what the admins hear of a record of kind
// set aside, up to the pseudonym.
func (r *roles) adminNotice(kind string) string {
	return strings.SplitN(r.visible("nl", "record.set_aside_admin", "Topic", dialog.T(kind), "Pseudonym", "§"), "§", 2)[0]
}

// A session that no longer opens (cut short, moved) used to make every
// update of that chat fail and come back for ever, /urgent included. It
// is tried a few times, set aside (kept, not deleted), the young person
// hears so and starts again at once, and the admins are told once.
func TestAPoisonSessionIsSetAsideAndTheChatGoesOn(t *testing.T) {
	r := newRoles(t, func(o *bot.Options) { withCrisisWords(t, o.Engine) })
	r.cast()
	r.send(youngID, "/start "+r.invite(directorID, 0, "Sam"), "nl")
	r.consent(youngID)
	key := strconv.Itoa(youngID)
	if !memory.DamageSession(r.mem.sessions, key) {
		t.Fatal("no session to damage")
	}

	mark := r.lastID(youngID)
	r.send(youngID, "/urgent", "nl")
	r.expectSaid(youngID, mark, r.visible("nl", "record.session_set_aside"))
	r.expectSaid(youngID, mark, r.visible("nl", "help.crisis.nl"))
	if !memory.SetAside(r.mem.sessions, key) {
		t.Fatal("the unreadable session was not kept aside")
	}
	adminText := r.adminNotice("record.kind.session")
	if n := r.countSaid(adminID, adminText); n != 1 {
		t.Fatalf("admins told %d times, want once; transcript:\n%s", n, telegramtest.FormatTranscript(r.api.Chat(adminID)))
	}

	// The chat goes on: the next messages are handled as ever.
	mark = r.lastID(youngID)
	r.send(youngID, "/urgent", "nl")
	r.expectSaid(youngID, mark, r.visible("nl", "help.crisis.urgent"))
	if n := r.countSaid(adminID, adminText); n != 1 {
		t.Fatalf("admins told %d times, want once", n)
	}
	if got := r.metrics.Quarantined.Load(); got != 1 {
		t.Errorf("quarantined records counted %d, want 1", got)
	}
}

// One staff record that does not open used to break /staff (ListStaff
// failed whole) for every admin. The list leaves it out and counts it; the
// member whose record it is has it set aside on their next message, is
// told, and the admins hear of it once.
func TestAPoisonStaffRecordIsLeftOutAndSetAside(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	memory.DamageStaff(r.people.People, counsellor2ID)

	r.send(adminID, "/staff", "nl")
	r.expectLast(adminID, "Sanne de Vries", "Kees")
	if strings.Contains(r.last(adminID).Text, "Fatima") {
		t.Fatal("the unreadable member is listed")
	}
	if r.metrics.SkippedRecords.Load() == 0 {
		t.Error("the entry left out was not counted")
	}
	r.send(directorID, "/cases", "en")
	r.expectLast(directorID, r.visible("en", "cases.none"))

	// Fatima herself: set aside, told, and her chat goes on.
	r.send(counsellor2ID, "/cases", "nl")
	r.expectSaid(counsellor2ID, 0, r.visible("nl", "record.staff_set_aside"))
	if _, ok, err := r.people.Staff.Staff(context.Background(), counsellor2ID); ok || err != nil {
		t.Fatalf("after setting aside: staff %v, %v", ok, err)
	}
	adminText := r.adminNotice("record.kind.staff")
	r.send(counsellor2ID, "/cases", "nl")
	r.expectLast(counsellor2ID, r.visible("nl", "staff.refused"))
	if n := r.countSaid(adminID, adminText); n != 1 {
		t.Fatalf("admins told %d times, want once; transcript:\n%s", n, telegramtest.FormatTranscript(r.api.Chat(adminID)))
	}
	if got := r.metrics.Quarantined.Load(); got != 1 {
		t.Errorf("quarantined records counted %d, want 1", got)
	}
}

// An unreadable record of the open intake's director used to stop the
// first message of every newcomer. Now they hear how to get an invite.
func TestAPoisonOpenIntakeDirectorDoesNotStopNewcomers(t *testing.T) {
	h := newHarness(t, nil)
	memory.DamageStaff(h.people.People, openDirectorID)
	h.say(4801, "hallo")
	h.expectLast(4801, h.visible("nl", "link.none"))
	h.say(4802, "hallo")
	h.expectLast(4802, h.visible("nl", "link.none"))
}

// relink has the director make a link that moves youngID's intake to a
// new account, and returns its token.
func (r *roles) relink(director int64, lang string) string {
	r.t.Helper()
	r.send(director, "/cases", lang)
	r.press(director, r.visible(lang, "cases.btn_link", "N", 1))
	return r.token(director)
}

// A link that moves an intake to a new account dies with its maker's
// access: revoked, the director's link moves nothing.
func TestARevokedDirectorsLinkNoLongerMovesTheIntake(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	r.send(youngID, "/start "+r.invite(directorID, 0, "Sam"), "nl")
	r.consent(youngID)
	r.say(youngID, "Een eigen plek met een tuin")
	token := r.relink(directorID, "en")

	if err := r.people.Staff.RemoveStaff(context.Background(), directorID); err != nil {
		t.Fatal(err)
	}
	r.send(young2ID, "/start "+token, "nl")
	r.expectLast(young2ID, r.visible("nl", "link.invalid"))
	if _, ok := r.mem.get(strconv.Itoa(young2ID)); ok {
		t.Fatal("the intake moved on a revoked director's link")
	}
	if _, ok := r.mem.get(strconv.Itoa(youngID)); !ok {
		t.Fatal("the intake left its account")
	}
}

// Revoking a director through /staff deletes the links they made.
func TestRevokingADirectorDeletesTheirLinks(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	r.send(youngID, "/start "+r.invite(directorID, 0, "Sam"), "nl")
	r.consent(youngID)
	r.relink(directorID, "en")
	if r.people.linkCount() == 0 {
		t.Fatal("no link made")
	}
	r.send(adminID, "/staff", "nl")
	r.press(adminID, "❌ Sanne de Vries")
	r.press(adminID, r.visible("nl", "btn.staff_revoke_yes"))
	r.expectLast(adminID, r.visible("nl", "staff.revoked", "Name", "Sanne de Vries"))
	if n := r.people.linkCount(); n != 0 {
		t.Fatalf("%d links of the revoked director left", n)
	}
}

// The young person moved to another director (a newer invite): the first
// director's link moves nothing and is deleted.
func TestAReassignedDirectorsLinkNoLongerMovesTheIntake(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	r.send(youngID, "/start "+r.invite(directorID, 0, "Sam"), "nl")
	r.consent(youngID)
	token := r.relink(directorID, "en")

	r.send(youngID, "/start "+r.invite(director2ID, 0, "Sam"), "nl")
	if c, _ := r.people.caseOf(strconv.Itoa(youngID)); c.Director != director2ID {
		t.Fatalf("case director %d, want %d", c.Director, director2ID)
	}
	if n := r.people.linkCount(); n != 0 {
		t.Errorf("%d links left after the reassignment", n)
	}
	r.send(young2ID, "/start "+token, "nl")
	r.expectLast(young2ID, r.visible("nl", "link.invalid"))
	if _, ok := r.mem.get(strconv.Itoa(young2ID)); ok {
		t.Fatal("the intake moved on the former director's link")
	}
}

// A link that still holds moves the intake; the old account hears,
// neutrally, that the conversation goes on elsewhere.
func TestTheOldAccountIsToldTheIntakeMoved(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	r.send(youngID, "/start "+r.invite(directorID, 0, "Sam"), "nl")
	r.consent(youngID)
	token := r.relink(directorID, "en")
	mark := r.lastID(youngID)
	r.send(young2ID, "/start "+token, "nl")
	r.expectSaid(young2ID, 0, r.visible("nl", "link.moved"))
	r.expectSaid(youngID, mark, r.visible("nl", "link.moved_away"))
}

// An admin who is not staff taps a young person's invite: it stays valid
// for the young person.
func TestAnAdminsTapDoesNotUseUpAnInvite(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	token := r.invite(directorID, 0, "Sam")
	r.send(adminID, "/start "+token, "nl")
	r.expectLast(adminID, r.visible("nl", "link.admin_not_young"))
	r.send(youngID, "/start "+token, "nl")
	r.consentShown(youngID, "Sanne de Vries")
}

// An update whose sender is not the private chat's owner is refused:
// nobody acts as somebody else, and nothing is stored.
func TestAnUpdateWhoseFromAndChatDisagreeIsRefused(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	token := r.invite(directorID, 0, "Sam")
	r.handled(r.api.SendText(youngID, young2ID, "/start "+token, "nl"))
	r.handled(r.api.SendText(directorID, youngID, "/cases", "nl"))
	if len(r.sentSince(youngID, 0)) != 0 || len(r.sentSince(directorID, 0)) != 0 {
		t.Fatal("the bot answered an update whose sender and chat disagree")
	}
	if r.people.caseCount() != 0 || r.mem.count() != 0 {
		t.Fatal("something was stored")
	}
	r.send(youngID, "/start "+token, "nl")
	r.consentShown(youngID, "Sanne de Vries")
	_ = domain.RoleDirector
}

// A director's /cases used to fail whole on one young person's session
// that does not open; now that one shows as not started and the rest as
// ever.
func TestCasesShowsTheOthersBesideAPoisonSession(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	r.send(youngID, "/start "+r.invite(directorID, 0, "Sam"), "nl")
	r.consent(youngID)
	r.send(young2ID, "/start "+r.invite(directorID, 0, "Noor"), "nl")
	r.consent(young2ID)
	memory.DamageSession(r.mem.sessions, strconv.Itoa(youngID))
	r.send(directorID, "/cases", "en")
	r.expectLast(directorID, "Sam", "Noor")
}

// A young person whose session does not open taps a new invite: the
// session is set aside and they start at once with the invite's director,
// not with "this link does not work".
func TestAPoisonSessionAndANewInvite(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	r.send(youngID, "/start "+r.invite(directorID, 0, "Sam"), "nl")
	r.consent(youngID)
	memory.DamageSession(r.mem.sessions, strconv.Itoa(youngID))
	mark := r.lastID(youngID)
	r.send(youngID, "/start "+r.invite(director2ID, 0, "Sam"), "nl")
	r.expectSaid(youngID, mark, r.visible("nl", "record.session_set_aside"))
	r.consentShown(youngID, "Omar")
	if c, _ := r.people.caseOf(strconv.Itoa(youngID)); c.Director != director2ID {
		t.Fatalf("case director %d, want %d", c.Director, director2ID)
	}
}

// A young person's case that does not open, met on their first message
// (no session yet), used to stop their chat; now it is set aside, the
// admins are told once, and the young person hears how to go on.
func TestAPoisonCaseIsSetAside(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	key := strconv.Itoa(youngID)
	if err := r.people.Cases.SaveCase(context.Background(), domain.Case{Key: key, Director: directorID, FirstName: "Sam"}); err != nil {
		t.Fatal(err)
	}
	memory.DamageCase(r.people.People, key)
	r.send(youngID, "hallo", "nl")
	r.expectLast(youngID, r.visible("nl", "link.none"))
	r.send(youngID, "hallo?", "nl")
	if n := r.countSaid(adminID, r.adminNotice("record.kind.case")); n != 1 {
		t.Fatalf("admins told %d times, want once", n)
	}
	if _, ok := r.people.caseOf(key); ok {
		t.Fatal("the unreadable case is still there")
	}
}
