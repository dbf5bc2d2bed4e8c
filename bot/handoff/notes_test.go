package handoff_test

import (
	"strings"
	"testing"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/handoff"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/dialog"
)

// A message the young person typed on a button question (Session.Notes)
// reaches the director in the messages and the document, also when the
// question was skipped in the end.
func TestHandoffShowsMessagesKeptBesideAQuestion(t *testing.T) {
	e := bottest.Engine(t)
	r := bottest.Renderer(t)
	s := handoffSession(t, e.Flow)
	s.Answers["housing_register"] = dialog.Answer{Skipped: true, At: s.Started}
	s.Notes = map[string][]string{
		"safe_now":         {"thuis wel, op school <niet>"},
		"housing_register": {"weet niet of mijn moeder dat deed"},
	}
	v := handoffView(e.Flow, s)
	msgs := strings.Join(handoff.NewRenderer(r).Messages("nl", v), "\n")
	_, doc := handoff.NewRenderer(r).Document("nl", v)
	for _, want := range []string{"thuis wel, op school &lt;niet&gt;", "weet niet of mijn moeder dat deed"} {
		if !strings.Contains(msgs, want) {
			t.Errorf("the messages lack %q:\n%s", want, render.PlainText(msgs))
		}
		if !strings.Contains(string(doc), want) {
			t.Errorf("the document lacks %q", want)
		}
	}
}
