package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/dialog"
)

// The moments the young person signalled acute risk are data about them
// too: /mydata lists when and where each came (the question's short
// label, "in a message", "via /urgent"), and which were not passed on
// again; an export without signals has no such section.
func TestMyDataListsTheSignals(t *testing.T) {
	p := newPrivacy(t, nil)
	p.cast()
	p.invited(youngID, directorID, 0, "Sam", "")
	plain := func(id string, kv ...any) string {
		return strings.TrimSpace(render.PlainText(p.r.Text("nl", dialog.T(id, kv...))))
	}
	export := func() string {
		t.Helper()
		seq := len(p.api.Calls())
		p.send(youngID, "/mydata", "nl")
		docs := p.callsTo("sendDocument", youngID, seq)
		if len(docs) != 1 {
			t.Fatalf("%d documents sent", len(docs))
		}
		return string(docs[0].Files["document"].Data)
	}
	if doc := export(); strings.Contains(doc, plain("mydata.signals")) {
		t.Fatalf("an export without signals has the section:\n%s", doc)
	}

	s := p.session(youngID)
	at := p.clock.Now().Add(-3 * time.Hour)
	s.Signals = []dialog.Signal{
		{At: at, Source: "dreams"},
		{At: at.Add(2 * time.Minute), Source: dialog.SignalMessage, Quiet: true},
		{At: at.Add(time.Hour), Source: dialog.SignalUrgent},
	}
	p.mem.put(s)

	doc := export()
	want := []string{
		plain("mydata.signals"), plain("mydata.signals_intro"),
		plain("mydata.signal", "Date", at, "Where", dialog.T("signal.where.question", "Question", dialog.T(dialog.ShortMessageID("dreams")))),
		plain("mydata.signal_quiet", "Date", at.Add(2*time.Minute), "Where", dialog.T("signal.where.message")),
		plain("mydata.signal", "Date", at.Add(time.Hour), "Where", dialog.T("signal.where.urgent")),
	}
	for _, w := range want {
		if !strings.Contains(doc, w) {
			t.Errorf("the export lacks %q:\n%s", w, doc)
		}
	}
}

// A staff member who sends /mydata or /delete is answered in the language
// they chose as staff, not in their Telegram app's.
func TestPrivacyCommandsAnswerStaffInTheirLanguage(t *testing.T) {
	p := newPrivacy(t, nil)
	p.cast() // Sanne reads English, Omar Dutch
	p.send(directorID, "/mydata", "nl")
	p.expectLast(directorID, p.visible("en", "privacy.staff"))
	p.send(director2ID, "/delete", "en")
	p.expectLast(director2ID, p.visible("nl", "privacy.staff"))
}
