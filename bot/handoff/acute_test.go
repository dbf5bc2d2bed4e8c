package handoff_test

import (
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/handoff"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/dialog"
)

// The acute-risk line of the director's summary.

// A summary with signals of acute risk opens with one line that says so:
// when and where (the question, "in a message", "/urgent"), never the
// words, above every other flag, in the messages and in the document.
func TestHandoffAcuteRiskComesFirst(t *testing.T) {
	e := bottest.Engine(t)
	r := bottest.Renderer(t)
	s := handoffSession(t, e.Flow)
	const words = "ik wil er niet meer zijn"
	s.Answers["safety_agreements"] = dialog.Answer{Text: words, At: s.Started}
	s.Answers["safe_now"] = dialog.Answer{Choices: []string{"unsafe"}, At: s.Started}
	at := time.Date(2025, 3, 14, 9, 40, 0, 0, time.UTC) // 10:40 in the renderer's zone
	s.Signals = []dialog.Signal{
		{At: at, Source: "safe_now"},
		{At: at.Add(5 * time.Minute), Source: "safety_agreements", Quiet: true},
		{At: at.Add(20 * time.Minute), Source: dialog.SignalMessage},
		{At: at.Add(30 * time.Minute), Source: dialog.SignalUrgent},
	}
	v := handoffView(e.Flow, s)
	for lang, want := range map[string]string{
		"nl": "🚨 Acuut risico gemeld: 2025-03-14 10:40 (bij ‘Voelt zich nu veilig’), 2025-03-14 10:45 (bij ‘" +
			render.PlainText(r.Text("nl", dialog.T("q.safety_agreements.short"))) + "’), 2025-03-14 11:00 (in een bericht), 2025-03-14 11:10 (via /urgent).",
		"en": "🚨 Acute risk signalled: 2025-03-14 10:40 (at ‘Feels safe now’),",
	} {
		t.Run(lang, func(t *testing.T) {
			first := checkHandoffMessages(t, r, lang, handoff.NewRenderer(r).Messages(lang, v))[0]
			header, _, _ := strings.Cut(first, "\n\n"+render.PlainText(r.Text(lang, handoff.NewRenderer(r).DirectorTopics(lang, v)[0].Topic)))
			if !strings.Contains(header, want) {
				t.Fatalf("the header lacks %q:\n%s", want, header)
			}
			acute := strings.Index(header, "🚨")
			safety := strings.Index(header, flagHead(r, lang, "safety"))
			if safety < 0 || acute > safety {
				t.Errorf("acute risk is not the first flag:\n%s", header)
			}
			if strings.Contains(header, words) {
				t.Errorf("the header shows the young person's words:\n%s", header)
			}
			_, doc := handoff.NewRenderer(r).Document(lang, v)
			info := parseHandoffDocument(t, doc)
			if !strings.Contains(info.text, want) {
				t.Errorf("the document lacks %q", want)
			}
			flags, _, _ := strings.Cut(string(doc), `<ul class="facts">`)
			if !strings.Contains(flags, `<section class="flags">`) || !strings.Contains(flags, "🚨") {
				t.Errorf("the document has no acute flag among its flags")
			}
			if strings.Contains(flags, words) {
				t.Errorf("the document's flags show the young person's words")
			}
		})
	}

	// Without signals there is no such line.
	s.Signals = nil
	if first := handoff.NewRenderer(r).Messages("nl", handoffView(e.Flow, s))[0]; strings.Contains(first, "🚨") {
		t.Errorf("acute risk without signals:\n%s", first)
	}
}
