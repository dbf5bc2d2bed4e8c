package bot_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
)

// /mydata in the middle of an intake: a plain text file with the answers
// under their questions, the invite's first name, the director, the dates,
// the lifetimes and how to erase; no markup of any kind. The staff's note
// on the invite is for the staff (README) and is not in it. The export is
// audited.
func TestMyDataMidIntake(t *testing.T) {
	p := newPrivacy(t, nil)
	p.cast()
	note := "Zus van Noor & vriendin <van> Jesse"
	p.invited(youngID, directorID, counsellorID, "Sam", note)
	dream := `Een huis & een tuin, "groot" <genoeg>`
	p.send(youngID, dream, "nl")
	p.send(youngID, "Hulp bij geld\nen bij koken", "nl")
	// Typed on a button question: kept beside it, and shown (Session.Notes).
	p.send(youngID, "vooral <wonen>", "nl")
	s := p.session(youngID)
	seq := len(p.api.Calls())

	p.send(youngID, "/mydata", "nl")

	docs := p.callsTo("sendDocument", youngID, seq)
	if len(docs) != 1 {
		t.Fatalf("%d documents sent; transcript:\n%v", len(docs), p.api.Chat(youngID))
	}
	f := docs[0].Files["document"]
	if f.Filename != "gegevens.txt" {
		t.Errorf("file name %q", f.Filename)
	}
	doc := string(f.Data)
	plain := func(id string, kv ...any) string {
		return strings.TrimSpace(render.PlainText(p.r.Text("nl", dialog.T(id, kv...))))
	}
	want := []string{
		dream, "│ Hulp bij geld\n  │ en bij koken", "vooral <wonen>", "Sam", "Sanne de Vries",
		plain("q.dreams"), plain(dialog.QuestionMessageID(s.History[1])), plain("topic.dreams"),
		plain("mydata.state.asking"), plain("age.18_21"), "Nederlands",
		plain("mydata.started", "Date", s.Started), plain("mydata.linked", "Date", p.clock.Now()),
		plain("mydata.keep_ack", "Value", 30), plain("mydata.keep_idle", "Value", 90), "/delete",
	}
	for _, w := range want {
		if !strings.Contains(doc, w) {
			t.Errorf("the export lacks %q:\n%s", w, doc)
		}
	}
	if strings.Contains(doc, note) || strings.Contains(doc, "Zus van Noor") {
		t.Errorf("the export holds the staff's note on the invite:\n%s", doc)
	}
	for _, tag := range []string{"<b>", "<i>", "</", "&amp;", "&lt;", "&quot;", "&#"} {
		if strings.Contains(doc, tag) {
			t.Errorf("the export holds markup %q:\n%s", tag, doc)
		}
	}
	if !slices.Contains(p.people.actions(), "data.exported") {
		t.Errorf("no audit entry: %v", p.people.actions())
	}
	if calls := p.callsExcept(youngID, seq); len(calls) != 0 {
		t.Fatalf("/mydata sent %d messages elsewhere", len(calls))
	}
	// The file is in the /exit trail as a file.
	if tr := p.trail(youngID); !strings.HasSuffix(tr[len(tr)-1], ":d") {
		t.Errorf("the file is not in the trail: %q", tr[len(tr)-1])
	}
}

// /mydata works in every state, also with nothing stored, and in English.
func TestMyDataWithoutIntakeAndForStaff(t *testing.T) {
	p := newPrivacy(t, nil)
	p.cast()
	p.send(strangerID, "/mydata", "en")
	p.expectLast(strangerID, p.visible("en", "mydata.nothing"))
	if len(p.api.CallsTo("sendDocument")) != 0 {
		t.Fatal("a file was sent for nobody")
	}
	p.send(directorID, "/mydata", "en")
	p.expectLast(directorID, p.visible("en", "privacy.staff"))

	// Linked, nothing answered yet: the case is there, in English.
	token := p.invite(directorID, 0, "")
	p.send(young2ID, "/start "+token, "en")
	seq := len(p.api.Calls())
	p.send(young2ID, "/mydata", "nl")
	docs := p.callsTo("sendDocument", young2ID, seq)
	if len(docs) != 1 {
		t.Fatal("no file")
	}
	doc := string(docs[0].Files["document"].Data)
	for _, w := range []string{p.visible("en", "mydata.no_answers"), "Sanne de Vries", p.visible("en", "mydata.state.consent")} {
		if !strings.Contains(doc, w) {
			t.Errorf("the export lacks %q:\n%s", w, doc)
		}
	}
	if docs[0].Files["document"].Filename != "my-data.txt" {
		t.Errorf("file name %q", docs[0].Files["document"].Filename)
	}
}

// A sent intake says whether it reached the director: while the delivery
// fails it is still on its way, once delivered it arrived. The file also
// says when an intake nobody looked at is erased: IdleTTL after the
// admins were told, which is 2*AckAfter after sending.
func TestMyDataTellsWhetherTheAnswersArrived(t *testing.T) {
	p := newPrivacy(t, nil)
	p.cast()
	p.api.SetFault(func(_ string, params map[string]string) *telegramtest.Fault {
		if params["chat_id"] == strconv.Itoa(directorID) {
			return &telegramtest.Fault{Status: 403}
		}
		return nil
	})
	plain := func(id string, kv ...any) string {
		return strings.TrimSpace(render.PlainText(p.r.Text("nl", dialog.T(id, kv...))))
	}
	export := func(chat int64) string {
		t.Helper()
		seq := len(p.api.Calls())
		p.send(chat, "/mydata", "nl")
		docs := p.callsTo("sendDocument", chat, seq)
		if len(docs) != 1 {
			t.Fatalf("%d documents sent", len(docs))
		}
		return string(docs[0].Files["document"].Data)
	}
	status := func(id string) string { return plain("mydata.status", "Value", dialog.T(id)) }

	p.inReview(youngID, directorID, 0, "Sam", map[string]string{"dreams": "een huis"})
	p.pressData(youngID, 0, sendData(p.engine))
	if c, _ := p.people.caseOf(strconv.Itoa(youngID)); !c.Delivered.IsZero() {
		t.Fatal("delivered to a chat that refuses it")
	}
	doc := export(youngID)
	if !strings.Contains(doc, status("mydata.state.on_the_way")) || strings.Contains(doc, status("mydata.state.arrived")) {
		t.Errorf("an undelivered intake is not shown as on its way:\n%s", doc)
	}
	if strings.Contains(doc, plain("mydata.delivered", "Date", p.clock.Now())) {
		t.Errorf("an undelivered intake has a delivery date:\n%s", doc)
	}
	unacked := plain("mydata.keep_unacked", "Value", 94) // 90 days + 2 * 48 hours
	if !strings.Contains(doc, unacked) {
		t.Errorf("the export lacks %q:\n%s", unacked, doc)
	}

	p.api.SetFault(nil)
	p.submitted(young2ID, directorID, 0, "Noor", map[string]string{"dreams": "een tuin"})
	doc = export(young2ID)
	if !strings.Contains(doc, status("mydata.state.arrived")) || strings.Contains(doc, status("mydata.state.on_the_way")) {
		t.Errorf("a delivered intake is not shown as arrived:\n%s", doc)
	}
	if !strings.Contains(doc, plain("mydata.delivered", "Date", p.clock.Now())) {
		t.Errorf("a delivered intake lacks its delivery date:\n%s", doc)
	}
}
