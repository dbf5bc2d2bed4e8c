package render_test

import (
	"flag"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/telegramtest/tghtml"
	"github.com/intakebot/intakebot/dialog"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// hostile is user text that would break a message or smuggle formatting in
// if it were not escaped.
const hostile = `<b>x</b> & <script>alert("hi")</script> &amp; 'quoted'`

func TestUserTextIsShownVerbatim(t *testing.T) {
	r := bottest.Renderer(t)
	tests := []struct {
		name string
		text dialog.Text
	}{
		{"raw text", dialog.Raw(hostile)},
		{"string variable", dialog.T("answer.current", "Answer", hostile)},
		{"raw text variable", dialog.T("answer.current", "Answer", dialog.Raw(hostile))},
		{"list variable", dialog.T("answer.yours", "Answer", []dialog.Text{dialog.Raw(hostile), dialog.Raw("<i>tweede</i>")})},
		{"text with a number", dialog.T("text.too_long", "Len", 2500, "Max", 2000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := r.Text("nl", tc.text)
			text, entities, err := tghtml.Parse(out)
			if err != nil {
				t.Fatalf("Telegram would refuse %q: %v", out, err)
			}
			if len(entities) != 0 {
				t.Fatalf("user text turned into formatting %+v: %q", entities, out)
			}
			if tc.text.ID != "text.too_long" && !strings.Contains(text, hostile) {
				t.Fatalf("shown as %q, want %q in it", text, hostile)
			}
		})
	}
	t.Run("message with a summary", func(t *testing.T) {
		sum := dialog.Summary{Topics: []dialog.SummaryTopic{{Topic: dialog.T("topic.dreams"), Items: []dialog.SummaryItem{
			{N: 1, Label: dialog.T("q.dreams.short"), Values: []dialog.Text{dialog.Raw(hostile)}},
			{N: 2, Label: dialog.T("q.network.short"), Values: []dialog.Text{dialog.Raw("<b>Oma</b>"), dialog.Raw("Ali & Sam")}},
		}}}}
		out := r.Message("nl", dialog.Message{Parts: []dialog.Text{dialog.T("review.intro"), dialog.Raw(hostile)}, Summary: &sum})
		text, entities, err := tghtml.Parse(out)
		if err != nil {
			t.Fatalf("Telegram would refuse the review: %v\n%s", err, out)
		}
		for _, want := range []string{"1. Dromen: " + hostile, "• <b>Oma</b>", "• Ali & Sam"} {
			if !strings.Contains(text, want) {
				t.Errorf("review lacks %q:\n%s", want, text)
			}
		}
		i := strings.Index(text, hostile)
		from, to := units(text[:i]), units(text[:i])+units(hostile)
		for _, e := range entities {
			if e.Offset < to && e.Offset+e.Length > from {
				t.Errorf("the answer shows as %s", e.Type)
			}
		}
	})
}

func TestButtonLabelsArePlainText(t *testing.T) {
	r := bottest.Renderer(t)
	tests := []struct {
		name string
		b    dialog.Button
		want string
	}{
		{"from the locales", dialog.Button{Label: dialog.T("btn.done")}, "✅ Klaar"},
		{"checked", dialog.Button{Label: dialog.T("q.support_areas.money"), Checked: true}, "✅ 💶 Geld en schulden"},
		{"raw number", dialog.Button{Label: dialog.Raw("3")}, "3"},
		{"raw number checked", dialog.Button{Label: dialog.Raw("3"), Checked: true}, "✅ 3"},
		{"raw text is not escaped", dialog.Button{Label: dialog.Raw(hostile)}, hostile},
		{"user text in a variable", dialog.Button{Label: dialog.T("answer.current", "Answer", hostile)}, "Je antwoord nu: " + hostile},
		{"other language", dialog.Button{Label: dialog.Text{ID: "language.name", Lang: "en"}}, "English"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.Label("nl", tc.b); got != tc.want {
				t.Fatalf("label = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"geen opmaak", "geen opmaak"},
		{"<b>Hoi</b> en <i>welkom</i>", "Hoi en welkom"},
		{"&lt;b&gt; &amp; &quot;x&quot; &#39;y&#39; &#x41;", `<b> & "x" 'y' A`},
		{"&amp;lt;", "&lt;"},
		{`<a href="https://example.org/?a=1&amp;b=2">link</a>`, "link"},
		{"1 &lt; 2 maar 3 > 2", "1 < 2 maar 3 > 2"},
		{"een losse < zonder einde", "een losse < zonder einde"},
		{"<b>regel 1</b>\n\n<i>regel 2</i>", "regel 1\n\nregel 2"},
		{"😀 <b>👋🏽</b>", "😀 👋🏽"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := render.PlainText(tc.in); got != tc.want {
				t.Fatalf("PlainText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"", "<b>x</b>", "&amp;", "<", "a<b", "&#xZZ;", hostile, "<<>>", "&#1114112;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		render.PlainText(s)
		// Escaped user text reads back exactly as it was written.
		if got := render.PlainText(html.EscapeString(s)); got != s {
			t.Fatalf("PlainText(EscapeString(%q)) = %q", s, got)
		}
	})
}

func TestSummaryGolden(t *testing.T) {
	e := bottest.Engine(t)
	r := bottest.Renderer(t)
	sum := dialog.BuildSummary(e.Flow, bottest.FullSession(t, e.Flow))
	if len(sum.Skipped) != 1 {
		t.Fatalf("%d questions skipped, want 1", len(sum.Skipped))
	}
	for _, lang := range []string{"nl", "en"} {
		t.Run(lang, func(t *testing.T) {
			out := r.Summary(lang, sum)
			text, _, err := tghtml.Parse(out)
			if err != nil {
				t.Fatalf("Telegram would refuse the summary: %v", err)
			}
			for _, want := range []string{"Een eigen huis <b>met tuin</b> & een hond", "Bram & Co <jeugdzorg>", "2025-03-14 10:30"} {
				if !strings.Contains(text, want) {
					t.Errorf("the director does not read %q", want)
				}
			}
			path := filepath.Join("testdata", "summary_"+lang+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			golden, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestSummaryGolden -update ./bot/ to create it)", err)
			}
			if out != string(golden) {
				t.Errorf("summary differs from %s (run with -update if the change is intended):\n--- got\n%s\n--- want\n%s", path, out, golden)
			}
		})
	}
}

func BenchmarkRenderQuestion(b *testing.B) {
	e := bottest.Engine(b)
	r := bottest.Renderer(b)
	s := dialog.NewSession("1")
	res := e.Handle(s, dialog.Event{Kind: dialog.EventCommand, Command: "start", Lang: "nl"})
	res = e.Handle(res.Session, dialog.Event{Kind: dialog.EventButton, Data: res.Messages[0].Buttons[0][0].Data})
	res = e.Handle(res.Session, dialog.Event{Kind: dialog.EventText, Text: "Een eigen huis"})
	res = e.Handle(res.Session, dialog.Event{Kind: dialog.EventText, Text: "Met hulp"})
	q := res.Messages[len(res.Messages)-1] // the multi-select of support areas
	if len(q.Buttons) < 5 {
		b.Fatalf("not a question with options: %+v", q)
	}
	for b.Loop() {
		r.Message("nl", q)
		for _, row := range q.Buttons {
			for _, btn := range row {
				r.Label("nl", btn)
			}
		}
	}
}
