package handoff_test

import (
	"strings"
	"testing"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/handoff"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/dialog"
)

// "Weet ik niet" on income raises the income flag as EUR 500-1050 does, and
// the flag says which answer raised it.
func TestIncomeUnknownIsFlaggedWithItsAnswer(t *testing.T) {
	e := bottest.Engine(t)
	r := bottest.Renderer(t)
	for _, q := range []string{"income", "income_amount"} {
		s := handoffSession(t, e.Flow)
		s.Answers["income"] = dialog.Answer{Choices: []string{"wage"}, At: s.Started}
		s.Answers["income_amount"] = dialog.Answer{Choices: []string{"above_1050"}, At: s.Started}
		s.Answers[q] = dialog.Answer{Choices: []string{"unknown"}, At: s.Started}
		v := handoffView(e.Flow, s)
		v.Flags = nil
		first := render.PlainText(handoff.NewRenderer(r).Messages("nl", v)[0])
		if !strings.Contains(first, "Inkomen: 🤷 Weet ik niet. Onder EUR 1050") {
			t.Errorf("%s 'Weet ik niet' raises no income flag with its answer:\n%s", q, first)
		}
	}
}
