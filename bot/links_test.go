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
	"github.com/intakebot/intakebot/dialog"
)

// consentShown fails unless the last message to chat is the consent
// screen naming the director.
func (r *roles) consentShown(chat int64, director string) {
	r.t.Helper()
	if _, ok := r.expectLast(chat, "je procesregisseur "+director).Button("Ik doe mee"); !ok {
		r.t.Fatalf("no consent screen; transcript:\n%s", telegramtest.FormatTranscript(r.api.Chat(chat)))
	}
}

func TestInviteWorksOnce(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	token := r.invite(directorID, 0, "Sam")
	r.send(youngID, "/start "+token, "nl")
	r.consentShown(youngID, "Sanne de Vries")

	// Someone else with the same link: refused, kindly, and not linked.
	r.send(young2ID, "/start "+token, "nl")
	r.expectLast(young2ID, r.visible("nl", "link.invalid"))
	if _, ok := r.people.caseOf(strconv.Itoa(young2ID)); ok {
		t.Fatal("a used link linked a second young person")
	}
	if _, ok := r.mem.get(strconv.Itoa(young2ID)); ok {
		t.Fatal("a session was stored for a refused link")
	}
	// Sam tapping it again just carries on.
	r.send(youngID, "/start "+token, "nl")
	r.consentShown(youngID, "Sanne de Vries")
}

func TestInviteExpires(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	r.send(directorID, "/invite Sam", "en")
	token := r.token(directorID)
	r.clock.Advance(bot.DefaultInviteTTL + time.Minute)
	r.send(youngID, "/start "+token, "nl")
	r.expectLast(youngID, r.visible("nl", "link.invalid"))
	if n := r.people.caseCount(); n != 0 {
		t.Fatalf("%d cases after an expired link", n)
	}
}

// Guessing links is slowed down: after 10 failures within the hour every
// link is refused, a good one too, until the hour has passed.
func TestGuessingLinksIsSlowedDown(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	good := r.invite(directorID, 0, "Sam")
	for i := 1; i <= 11; i++ {
		r.send(strangerID, "/start guess"+strconv.Itoa(i)+"AAAAAAAAAAAAAAA", "nl")
		want := "link.invalid"
		if i == 11 {
			want = "link.too_many"
		}
		r.expectLast(strangerID, r.visible("nl", want))
	}
	r.send(strangerID, "/start "+good, "nl")
	r.expectLast(strangerID, r.visible("nl", "link.too_many"))
	if r.people.linkCount() != 1 {
		t.Fatal("the good link was used up while guessing was blocked")
	}
	r.clock.Advance(time.Hour)
	r.send(strangerID, "/start "+good, "nl")
	r.consentShown(strangerID, "Sanne de Vries")
}

func TestNoInviteAsksForALink(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	for _, text := range []string{"/start", "hallo?", "/help"} {
		r.send(strangerID, text, "nl")
		r.expectLast(strangerID, r.visible("nl", "link.none"))
	}
	r.expectSaid(strangerID, 0, r.visible("nl", "help.crisis.nl"))
	if r.mem.count() != 0 || r.people.caseCount() != 0 {
		t.Fatal("something was stored for a young person without an invite")
	}
}

func TestOpenIntakeGoesToTheDefaultDirector(t *testing.T) {
	r := newRoles(t, func(o *bot.Options) { o.OpenIntakeDirector = directorID })
	r.cast()
	r.send(strangerID, "/start", "nl")
	r.consentShown(strangerID, "Sanne de Vries")
	c, ok := r.people.caseOf(strconv.Itoa(strangerID))
	if !ok || c.Director != directorID || c.Counsellor != 0 {
		t.Fatalf("case = %+v, %v", c, ok)
	}
}

func TestStaffCantBeLinkedAsAYoungPerson(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	token := r.invite(directorID, counsellorID, "Sam")
	r.send(counsellorID, "/start "+token, "nl")
	r.expectLast(counsellorID, r.visible("nl", "staff.already"))
	if _, ok := r.people.caseOf(strconv.Itoa(counsellorID)); ok {
		t.Fatal("a counsellor was linked as a young person")
	}
	// The link was not used up: Sam can still open it.
	r.send(youngID, "/start "+token, "nl")
	r.consentShown(youngID, "Sanne de Vries")
}

// A counsellor invites for a director they choose; the counsellor sees the
// status, the director the status and the buttons.
func TestCounsellorInvitesAndCasesShowStatus(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	r.send(counsellorID, "/invite Noor zus van Sam", "nl")
	r.expectLast(counsellorID, r.visible("nl", "invite.choose_director", "Who", "Noor"))
	r.press(counsellorID, "Sanne de Vries")
	token := r.token(counsellorID)
	r.expectLast(counsellorID, "Sanne de Vries")

	r.send(counsellorID, "/cases", "nl")
	r.expectLast(counsellorID, r.visible("nl", "cases.invited", "Who", "Noor", "Date", r.clock.Now().Add(bot.DefaultInviteTTL)))

	r.send(youngID, "/start "+token, "nl")
	r.consentShown(youngID, "Sanne de Vries")
	c, _ := r.people.caseOf(strconv.Itoa(youngID))
	if c.Director != directorID || c.Counsellor != counsellorID || c.FirstName != "Noor" || c.Note != "zus van Sam" {
		t.Fatalf("case = %+v", c)
	}
	r.consent(youngID)
	r.say(youngID, "Een eigen plek")
	done, total := r.engine.Flow.Progress(r.session(youngID))

	r.send(counsellorID, "/cases", "nl")
	status := r.visible("nl", "cases.in_progress", "N", 1, "Who", "Noor", "Value", done, "Max", total, "Date", r.clock.Now())
	if m := r.expectLast(counsellorID, status); len(m.Buttons()) != 0 || strings.Contains(m.Text, "Een eigen plek") {
		t.Fatalf("a counsellor's list shows more than the status: %+v", m)
	}
	r.send(directorID, "/cases", "en")
	m := r.expectLast(directorID, r.visible("en", "cases.in_progress", "N", 1, "Who", "Noor", "Value", done, "Max", total, "Date", r.clock.Now()))
	if _, ok := m.Button(r.visible("en", "cases.btn_link", "N", 1)); !ok {
		t.Fatalf("no new-link button for the director: %+v", m)
	}
	if _, ok := m.Button(r.visible("en", "cases.btn_open", "N", 1)); ok {
		t.Fatal("an open button for an intake not sent yet")
	}
	// Another counsellor sees none of it.
	r.send(counsellor2ID, "/cases", "nl")
	r.expectLast(counsellor2ID, r.visible("nl", "cases.none"))
}

// A director opens a sent intake again from /cases; it is in the audit
// trail.
func TestDirectorOpensASummaryAgain(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	r.submitted(youngID, directorID, 0, "Sam", map[string]string{"dreams": "een huis aan zee"})
	r.send(directorID, "/cases", "en")
	mark := r.lastID(directorID)
	r.press(directorID, r.visible("en", "cases.btn_open", "N", 1))
	got := r.sentSince(directorID, mark)
	if len(got) < 2 || !strings.Contains(got[0].Text, "een huis aan zee") || got[len(got)-1].Kind != "document" {
		t.Fatalf("opened: %s", telegramtest.FormatTranscript(got))
	}
	if !slices.Contains(r.people.actions(), "summary.opened") {
		t.Fatal("opening a summary is not in the audit trail")
	}
}

// A young person with a new Telegram account gets their intake back, with
// every answer, through a link from their director.
func TestReattachToANewAccountKeepsTheAnswers(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	r.send(youngID, "/start "+r.invite(directorID, 0, "Sam"), "nl")
	r.consent(youngID)
	r.say(youngID, "Een eigen plek met een tuin")
	r.say(youngID, "Hulp met geld")
	before := r.session(youngID)

	r.send(directorID, "/cases", "en")
	r.press(directorID, r.visible("en", "cases.btn_link", "N", 1))
	token := r.token(directorID)

	r.send(young2ID, "/start "+token, "nl")
	r.expectSaid(young2ID, 0, r.visible("nl", "link.moved"))
	after := r.session(young2ID)
	if after.Answers["dreams"].Text != "Een eigen plek met een tuin" || after.Answers["dreams_help"].Text != "Hulp met geld" ||
		after.Current != before.Current || after.DirectorName != "Sanne de Vries" {
		t.Fatalf("moved session = %+v", after)
	}
	r.expectLast(young2ID, r.visible("nl", "q."+before.Current))
	if _, ok := r.mem.get(strconv.Itoa(youngID)); ok {
		t.Fatal("the old account still has the session")
	}
	c, ok := r.people.caseOf(strconv.Itoa(young2ID))
	if !ok || c.Director != directorID || c.FirstName != "Sam" {
		t.Fatalf("moved case = %+v, %v", c, ok)
	}
	// The old account is no longer in the intake.
	r.send(youngID, "nog iets", "nl")
	r.expectLast(youngID, r.visible("nl", "link.none"))
}

// An admin's staff link makes its opener staff under the name they give;
// once revoked, their commands are refused.
func TestStaffLinkThenRevoke(t *testing.T) {
	r := newRoles(t, nil)
	r.staff(directorID, domain.RoleDirector, "Sanne de Vries", "en")
	r.send(adminID, "/staff", "nl")
	r.press(adminID, "Begeleider")
	token := r.token(adminID)

	r.send(counsellorID, "/start "+token, "nl")
	r.send(counsellorID, strings.Repeat("x", 65), "nl")
	r.expectLast(counsellorID, r.visible("nl", "staff.name_invalid"))
	r.send(counsellorID, "Kees", "nl")
	r.expectLast(counsellorID, r.visible("nl", "staff.welcome", "Name", "Kees", "Role", dialog.T("staff.role.counsellor")))
	r.send(counsellorID, "/invite", "nl")
	r.expectLast(counsellorID, r.visible("nl", "invite.choose_director", "Who", dialog.T("invite.someone")))

	r.send(adminID, "/staff", "nl")
	r.expectLast(adminID, r.visible("nl", "staff.overview.member", "Name", "Kees", "Role", dialog.T("staff.role.counsellor"), "Date", r.clock.Now()))
	r.press(adminID, "❌ Kees")
	r.expectLast(adminID, r.visible("nl", "staff.revoke_confirm", "Name", "Kees", "Role", dialog.T("staff.role.counsellor")))
	seq := len(r.api.Calls())
	r.press(adminID, r.visible("nl", "btn.staff_revoke_yes"))
	r.expectLast(adminID, r.visible("nl", "staff.revoked", "Name", "Kees"))
	if _, ok, _ := r.people.Staff.Staff(context.Background(), counsellorID); ok {
		t.Fatal("still staff after the revocation")
	}
	cleared := slices.ContainsFunc(r.api.CallsTo("deleteMyCommands"), func(c telegramtest.Call) bool {
		return c.Seq >= seq && strings.Contains(c.Params["scope"], strconv.Itoa(counsellorID))
	})
	if !cleared {
		t.Fatal("the staff menu stayed in the revoked member's chat")
	}
	links := r.people.linkCount()
	for _, cmd := range []string{"/invite", "/cases"} {
		r.send(counsellorID, cmd, "nl")
		r.expectLast(counsellorID, r.visible("nl", "staff.refused"))
	}
	// The invite they started can't be finished either.
	r.pressData(counsellorID, 0, "x:id:"+strconv.Itoa(directorID))
	if r.people.linkCount() != links {
		t.Fatal("a revoked counsellor made a link")
	}
}
