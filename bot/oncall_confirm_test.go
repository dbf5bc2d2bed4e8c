package bot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/storage"
)

// roster is the stored on-call roster.
func (e *onCall) roster() []domain.OnCallWindow {
	e.t.Helper()
	codec, err := storage.NewCodec([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		e.t.Fatal(err)
	}
	r, err := storage.NewPeople(e.rdb, codec, "t:", e.clock.Now).OnCall.OnCallRoster(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// confirmButton is the data of the admin's latest confirm button.
func (e *onCall) confirmButton() (telegramtest.Msg, string) {
	e.t.Helper()
	m := e.last(adminID)
	b, ok := m.Button(e.visible("nl", "oncallconfirm.btn_add"))
	if !ok {
		e.t.Fatalf("no confirm button under %q", m.Text)
	}
	return m, b.CallbackData
}

// message is message id of chat as it shows now.
func (e *onCall) message(chat, id int64) telegramtest.Msg {
	e.t.Helper()
	for _, m := range e.api.Chat(chat) {
		if m.ID == id {
			return m
		}
	}
	e.t.Fatalf("message %d is gone from chat %d", id, chat)
	return telegramtest.Msg{}
}

// lastToast is the text of the latest answer to a button press.
func (e *onCall) lastToast() string {
	calls := e.api.CallsTo("answerCallbackQuery")
	if len(calls) == 0 {
		return ""
	}
	return calls[len(calls)-1].Params["text"]
}

// /oncall add <n> takes n from a list that shifts when someone joins: the
// bot names the person, days and times and adds nothing until the admin
// confirms; the button holds the person, not the number, so a list that
// changed in between can't put someone else on call.
func TestOnCallAddAsksFirstAndKeepsThePerson(t *testing.T) {
	e := newOnCall(t)
	// The list, directors first: 1 Sanne, 2 Omar, 3 Kees, 4 Fatima.
	e.send(adminID, "/oncall add 4 ma-vr 08:00-17:00", "nl")
	e.expectLast(adminID, "Fatima", e.visible("nl", "staff.role.counsellor"), "ma-vr 08:00-17:00")
	msg, data := e.confirmButton()
	if _, ok := msg.Button(e.visible("nl", "oncallconfirm.btn_cancel")); !ok {
		t.Fatalf("no cancel button under %q", msg.Text)
	}
	if len(data) > 64 || strings.Contains(data, ":4:") {
		t.Errorf("button data %q: over 64 bytes, or the number instead of the person", data)
	}
	if r := e.roster(); len(r) != 0 {
		t.Fatalf("the roster changed before the confirmation: %+v", r)
	}

	// Noor joins and sorts first of the counsellors: Fatima is number 5
	// now, Kees number 4.
	e.staff(counsellorID-1, domain.RoleCounsellor, "Noor", "nl")
	e.press(adminID, e.visible("nl", "oncallconfirm.btn_add"))

	r := e.roster()
	if len(r) != 1 || r[0].Staff != counsellor2ID || r[0].From != 8*60 || r[0].To != 17*60 {
		t.Fatalf("roster after the confirmation: %+v, want Fatima (%d) 08:00-17:00", r, counsellor2ID)
	}
	if m := e.message(adminID, msg.ID); !strings.Contains(m.Text, e.visible("nl", "oncall.added")) ||
		!strings.Contains(m.Text, "Fatima") || len(m.Buttons()) != 0 {
		t.Errorf("the confirmation became %q with %d buttons", m.Text, len(m.Buttons()))
	}
	if got := e.api.Chat(adminID); !strings.Contains(got[len(got)-1].Text, "1. ma-vr 08:00-17:00: Fatima") {
		t.Errorf("the overview after the confirmation:\n%s", got[len(got)-1].Text)
	}
	if n := len(e.audited("oncall.added")); n != 1 {
		t.Errorf("%d audit entries oncall.added", n)
	}

	// The same button again (a double press, an old message) adds nothing.
	e.pressData(adminID, msg.ID, data)
	if r := e.roster(); len(r) != 1 {
		t.Fatalf("a second press added a window: %+v", r)
	}
}

// Only an admin's press counts; cancel and forged buttons change nothing.
func TestOnCallConfirmIsForAdminsOnly(t *testing.T) {
	e := newOnCall(t)
	e.send(adminID, "/oncall add 1 alle 22:00-08:00", "nl")
	e.expectLast(adminID, "Sanne de Vries", "elke dag")
	msg, data := e.confirmButton()

	for _, user := range []int64{directorID, counsellorID, youngID} {
		e.pressData(user, 0, data)
		lang := "nl"
		if user == directorID {
			lang = "en"
		}
		if got, want := e.lastToast(), e.visible(lang, "staff.refused"); got != want {
			t.Errorf("press by %d answered %q, want %q", user, got, want)
		}
	}
	forged := strings.Replace(data, strconv.Itoa(directorID), strconv.Itoa(youngID), 1)
	for _, d := range []string{forged, "x:oa:", "x:oa:700001:127:480", "x:oa:700001:128:0:60", "x:oa:0700001:127:0:60"} {
		e.pressData(adminID, 0, d)
	}
	if r := e.roster(); len(r) != 0 {
		t.Fatalf("the roster changed: %+v", r)
	}

	e.press(adminID, e.visible("nl", "oncallconfirm.btn_cancel"))
	if m := e.message(adminID, msg.ID); m.Text != e.visible("nl", "oncallconfirm.cancelled") || len(m.Buttons()) != 0 {
		t.Fatalf("after cancel the confirmation shows %q with %d buttons", m.Text, len(m.Buttons()))
	}
	if r := e.roster(); len(r) != 0 {
		t.Fatalf("cancel changed the roster: %+v", r)
	}
}
