package checkin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/dialog/checkin"
	"github.com/intakebot/intakebot/locales"
)

func catalog(t *testing.T) *locales.Catalog {
	t.Helper()
	c, err := locales.Load("nl", "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The embedded flow loads, in the flow format of docs/flows.md, with its
// texts in Dutch and English: four text questions in one topic.
func TestEmbeddedFlowLoadsWithItsTexts(t *testing.T) {
	c := catalog(t)
	f, err := checkin.Flow(nil, func(id string) bool { return c.Has("nl", id) && c.Has("en", id) })
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != "checkin" || f.Version < 1 {
		t.Errorf("flow %q version %d", f.ID, f.Version)
	}
	var ids []string
	for _, q := range f.Questions {
		ids = append(ids, q.ID)
		if q.Kind != dialog.KindText || q.Required {
			t.Errorf("%s: kind %s, required %v; want an optional text", q.ID, q.Kind, q.Required)
		}
	}
	if got := strings.Join(ids, ","); got != "ci_well,ci_hard,ci_adjust,ci_involve" {
		t.Errorf("questions %s", got)
	}
	if string(checkin.FlowFile()) == "" {
		t.Error("FlowFile is empty")
	}
}

// A text the flow needs that the locales lack refuses the flow, naming it,
// as the intake's flow is refused.
func TestFlowWithoutItsTextsIsRefused(t *testing.T) {
	_, err := checkin.Flow(nil, func(id string) bool { return id != "q.ci_hard.short" })
	if err == nil || !strings.Contains(err.Error(), "q.ci_hard.short") {
		t.Fatalf("got %v; want a refusal naming q.ci_hard.short", err)
	}
}

// An operator's file in the same format replaces the embedded one; a
// broken one is refused with its line.
func TestOperatorsFile(t *testing.T) {
	f, err := checkin.Flow([]byte(`id = "checkin"
version = 3
[[topics]]
id = "week"
[[questions]]
id = "mood"
topic = "week"
kind = "scale"
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Version != 3 || len(f.Questions) != 1 || f.Questions[0].ID != "mood" {
		t.Errorf("got %+v", f)
	}
	_, err = checkin.Flow([]byte("id = \"checkin\"\nversion = 1\n[[questions]]\nid = \"x\"\ntopic = \"nope\"\nkind = \"text\"\n"), nil)
	var fe *dialog.FlowError
	if err == nil || !asFlowError(err, &fe) || fe.Line == 0 {
		t.Errorf("a broken file: %v; want a FlowError with its line", err)
	}
}

func asFlowError(err error, fe **dialog.FlowError) bool {
	e, ok := err.(*dialog.FlowError)
	*fe = e
	return ok
}

// StartData, pressed on a new session, asks the first question (the
// check-in has no welcome: its reminder is one); skip, pause and
// ContinueData work as in the intake, and the end is the review.
func TestStartDataAsksTheFirstQuestion(t *testing.T) {
	f, err := checkin.Flow(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	e := &dialog.Engine{Flow: f, Languages: []string{"nl", "en"}, Now: func() time.Time { return now }}
	res := e.Handle(dialog.NewSession("42"), dialog.Event{Kind: dialog.EventButton, Data: checkin.StartData(f)})
	s := res.Session
	if s.State != dialog.StateAsking || s.Current != "ci_well" {
		t.Fatalf("after start: %s at %q; want asking ci_well", s.State, s.Current)
	}
	if len(res.Messages) == 0 || !hasPart(res.Messages, dialog.QuestionMessageID("ci_well")) {
		t.Errorf("the first question is not shown: %+v", res.Messages)
	}
	s = e.Handle(s, dialog.Event{Kind: dialog.EventText, Text: "school gaat goed"}).Session
	s = e.Handle(s, dialog.Event{Kind: dialog.EventCommand, Command: "skip"}).Session
	if !s.Answers["ci_hard"].Skipped || s.Current != "ci_adjust" {
		t.Fatalf("after skip: %+v at %q", s.Answers, s.Current)
	}
	s = e.Handle(s, dialog.Event{Kind: dialog.EventCommand, Command: "pause"}).Session
	if s.State != dialog.StatePaused {
		t.Fatalf("after pause: %s", s.State)
	}
	s = e.Handle(s, dialog.Event{Kind: dialog.EventButton, Data: checkin.ContinueData(f)}).Session
	if s.State != dialog.StateAsking || s.Current != "ci_adjust" {
		t.Fatalf("after continue: %s at %q", s.State, s.Current)
	}
	s = e.Handle(s, dialog.Event{Kind: dialog.EventText, Text: "meer hulp met geld"}).Session
	s = e.Handle(s, dialog.Event{Kind: dialog.EventText, Text: "mijn tante"}).Session
	if s.State != dialog.StateReview {
		t.Fatalf("after the last answer: %s", s.State)
	}
	if s.Answers["ci_well"].Text != "school gaat goed" || s.Answers["ci_involve"].Text != "mijn tante" {
		t.Errorf("answers %+v", s.Answers)
	}
}

func hasPart(msgs []dialog.Message, id string) bool {
	for _, m := range msgs {
		for _, p := range m.Parts {
			if p.ID == id {
				return true
			}
		}
	}
	return false
}
