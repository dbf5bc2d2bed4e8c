package bot_test

import (
	"strings"
	"testing"

	"github.com/intakebot/intakebot/bot"
)

// mydataDoc sends /mydata as Sam and returns the file's text.
func (c *checkinCast) mydataDoc(t *testing.T) string {
	t.Helper()
	seq := len(c.api.Calls())
	c.send(youngID, "/mydata", "nl")
	docs := c.callsTo("sendDocument", youngID, seq)
	if len(docs) != 1 {
		t.Fatalf("%d documents sent", len(docs))
	}
	return string(docs[0].Files["document"].Data)
}

// The right of access covers the weekly check-in: /mydata shows a
// check-in under way with its answers so far (as typed, no markup), a
// sent one as sent to the counsellor and the director with what was sent,
// and says that only the latest check-in is kept. /delete erases it.
func TestMyDataShowsTheCheckin(t *testing.T) {
	c := newCheckinCast(t, nil)
	c.scheduleCheckin(t)
	c.falls(t)
	c.press(youngID, "Begin")
	typed := `Ik heb een <b>stage</b> & "werk"`
	c.send(youngID, typed, "nl")
	c.press(youngID, "Overslaan")
	c.expectLast(youngID, c.visible("nl", "q.ci_adjust"))
	c.press(youngID, "Pauze")
	c.send(youngID, "Meer hulp met <geld>", "nl") // kept after the pause

	doc := c.mydataDoc(t)
	for _, w := range []string{
		c.visible("nl", "checkin.mydata.title"), c.visible("nl", "checkin.mydata.open"),
		c.visible("nl", "q.ci_well"), typed, c.visible("nl", "q.ci_hard"), c.visible("nl", "answer.skipped"),
		"Meer hulp met <geld>", c.visible("nl", "checkin.mydata.kept", "Value", 90),
	} {
		if !strings.Contains(doc, w) {
			t.Errorf("the export lacks %q:\n%s", w, doc)
		}
	}
	if strings.Contains(doc, c.visible("nl", "checkin.mydata.sent", "Date", c.clock.Now())) {
		t.Errorf("an unsent check-in is shown as sent:\n%s", doc)
	}
	for _, tag := range []string{"&amp;", "&lt;", "&quot;", "&#"} {
		if strings.Contains(doc, tag) {
			t.Errorf("the export holds markup %q:\n%s", tag, doc)
		}
	}

	c.press(youngID, "Ja, dat is mijn antwoord")
	c.send(youngID, "Mijn tante Joke", "nl")
	c.press(youngID, "Versturen")
	c.expectLast(youngID, "verstuurd naar je begeleider en je procesregisseur")
	s, _ := c.checkinOf(t)
	doc = c.mydataDoc(t)
	for _, w := range []string{
		c.visible("nl", "checkin.mydata.sent", "Date", s.Submitted), typed, "Meer hulp met <geld>",
		"Mijn tante Joke", c.visible("nl", "checkin.mydata.kept", "Value", 90),
	} {
		if !strings.Contains(doc, w) {
			t.Errorf("the export lacks %q:\n%s", w, doc)
		}
	}
	if strings.Contains(doc, c.visible("nl", "checkin.mydata.open")) {
		t.Errorf("a sent check-in is shown as under way:\n%s", doc)
	}

	c.send(youngID, "/delete", "nl")
	c.press(youngID, "Ja")
	if _, found := c.checkinOf(t); found {
		t.Error("/delete left the sent check-in")
	}
	c.send(youngID, "/mydata", "nl")
	c.expectLast(youngID, c.visible("nl", "mydata.nothing"))
}

// A signal of acute risk in a check-in is in /mydata as when and where,
// never the words.
func TestMyDataShowsACheckinsSignalWithoutTheWords(t *testing.T) {
	c := newCheckinCast(t, func(o *bot.Options) { withCrisisWords(t, o.Engine) })
	c.scheduleCheckin(t)
	c.falls(t)
	c.press(youngID, "Begin")
	said := "ik wil er niet meer zijn"
	c.send(youngID, said, "nl")
	c.expectLast(youngID, c.visible("nl", "q.ci_hard"))
	s, _ := c.checkinOf(t)
	if len(s.Signals) == 0 {
		t.Fatalf("no signal on the check-in: %+v", s)
	}
	doc := c.mydataDoc(t)
	title := c.visible("nl", "checkin.mydata.title")
	i := strings.Index(doc, title)
	if i < 0 || !strings.Contains(doc[i:], c.visible("nl", "mydata.signals")) {
		t.Errorf("the check-in's signal is not in the export:\n%s", doc)
	}
	if n := strings.Count(doc, said); n != 1 {
		t.Errorf("the words are in the export %d times; want once, as the answer:\n%s", n, doc)
	}
}
