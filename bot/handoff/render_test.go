package handoff_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"html"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/handoff"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/telegramtest/tghtml"
	"github.com/intakebot/intakebot/dialog"
)

// Answers of the fixed handoff session that must reach the director as the
// young person wrote them.
const (
	handoffHostile = `<b>x</b> & <script>alert(1)</script>`
	handoffArabic  = "لا أريد العودة"
)

// handoffSession is fullSession with an answer that looks like HTML (in
// "what must not happen") and one in Arabic (why not there).
func handoffSession(tb testing.TB, f *dialog.Flow) dialog.Session {
	tb.Helper()
	s := bottest.FullSession(tb, f)
	s.Answers["must_not"] = dialog.Answer{Text: handoffHostile, At: s.Started}
	s.Answers["no_go_reason"] = dialog.Answer{Text: handoffArabic, At: s.Started}
	s.Age = "18_21"
	if err := f.CheckSession(s); err != nil {
		tb.Fatalf("test session: %v", err)
	}
	return s
}

func handoffView(f *dialog.Flow, s dialog.Session) handoff.View {
	return handoff.View{
		Case:    domain.Case{Key: "case-0001", Director: 42, FirstName: "Sara"},
		Summary: dialog.BuildSummary(f, s),
		Age:     s.Age,
		Flags:   []string{"safety", "income"},
	}
}

// checkHandoffMessages asserts that Telegram accepts every message (valid
// HTML, within the limit, not empty), that each ends with its "part N of
// M" line when there are several, and returns what the director sees of
// each, without that line.
func checkHandoffMessages(tb testing.TB, r *render.Renderer, lang string, msgs []string) []string {
	tb.Helper()
	if len(msgs) == 0 {
		tb.Fatal("no messages")
	}
	var out []string
	for i, m := range msgs {
		if n := render.Len(m); n > render.MaxMessageLen {
			tb.Fatalf("message %d has %d UTF-16 units, limit %d", i, n, render.MaxMessageLen)
		}
		if err := tghtml.Validate(m); err != nil {
			tb.Fatalf("message %d is refused by Telegram: %v\n%q", i, err, m)
		}
		if strings.TrimSpace(render.PlainText(m)) == "" {
			tb.Fatalf("message %d shows nothing: %q", i, m)
		}
		if len(msgs) > 1 {
			part := "\n\n<i>" + r.Text(lang, dialog.T("handoff.part", "N", i+1, "Total", len(msgs))) + "</i>"
			if !strings.HasSuffix(m, part) {
				tb.Fatalf("message %d of %d does not end with %q:\n%s", i+1, len(msgs), part, m)
			}
			m = strings.TrimSuffix(m, part)
		}
		text, _, err := tghtml.Parse(m)
		if err != nil {
			tb.Fatalf("message %d without its part line: %v", i, err)
		}
		out = append(out, text)
	}
	return out
}

// shownAs is what a director sees of a person's text in a message: as
// typed, with what poses as something else made visible, and a text of
// several lines set apart (render.UserText).
func shownAs(s string) string { return render.PlainText(render.UserText(s)) }

// inDocument is what the document shows of a person's text: the same,
// without the line break that sets a text of several lines apart in a
// message.
func inDocument(s string) string { return strings.TrimPrefix(shownAs(s), "\n") }

// noSpace drops every white-space character: Split may trim white space
// where it cuts, and Telegram trims it at the ends of a message.
func noSpace(s string) string {
	return strings.Map(func(r rune) rune {
		// Direction isolates (render.Isolate) are not text either.
		if unicode.IsSpace(r) || r == '\u2068' || r == '\u2069' {
			return -1
		}
		return r
	}, s)
}

// docInfo is what a browser would make of a handoff document.
type docInfo struct {
	lang string
	// auto holds the text of each element with dir="auto", unescaped.
	auto []string
	// text is all visible text, unescaped.
	text string
}

// forbiddenElements would load or run something, or send something off.
var forbiddenElements = []string{"script", "link", "img", "iframe", "object", "embed", "base", "form", "audio", "video", "source", "svg", "frame", "input", "button"}

// parseHandoffDocument reads the document as well-formed markup (the
// renderer writes it so that an XML parser can check it) and fails on
// anything that would load or run something.
func parseHandoffDocument(tb testing.TB, doc []byte) docInfo {
	tb.Helper()
	low := strings.ToLower(string(doc))
	for _, bad := range []string{"<script", "http:", "https:", "url(", "@import", " src=", " href=", " srcset=", "javascript:"} {
		if strings.Contains(low, bad) {
			tb.Fatalf("the document holds %q", bad)
		}
	}
	if !strings.HasPrefix(string(doc), "<!DOCTYPE html>\n") {
		tb.Fatal("the document does not start with <!DOCTYPE html>")
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	var info docInfo
	type open struct {
		name string
		auto *strings.Builder
	}
	var stack []open
	var text strings.Builder
	inStyle := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatalf("the document is not well-formed: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name := tok.Name.Local
			if slices.Contains(forbiddenElements, name) {
				tb.Fatalf("the document has a <%s> element", name)
			}
			o := open{name: name}
			for _, a := range tok.Attr {
				an := strings.ToLower(a.Name.Local)
				if strings.HasPrefix(an, "on") || an == "src" || an == "href" || an == "srcset" || an == "style" || an == "action" {
					tb.Fatalf("<%s> has an attribute %s", name, an)
				}
				if an == "dir" && a.Value == "auto" {
					o.auto = &strings.Builder{}
				}
				if name == "html" && an == "lang" {
					info.lang = a.Value
				}
			}
			if name == "style" {
				inStyle = true
			}
			stack = append(stack, o)
		case xml.EndElement:
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if o.auto != nil {
				info.auto = append(info.auto, o.auto.String())
			}
			if o.name == "style" {
				inStyle = false
			}
		case xml.CharData:
			if inStyle {
				continue
			}
			text.Write(tok)
			for _, o := range stack {
				if o.auto != nil {
					o.auto.Write(tok)
				}
			}
		}
	}
	info.text = text.String()
	return info
}

func TestHandoffGolden(t *testing.T) {
	e := bottest.Engine(t)
	r := bottest.Renderer(t)
	v := handoffView(e.Flow, handoffSession(t, e.Flow))
	if len(v.Summary.Skipped) != 1 {
		t.Fatalf("%d questions skipped, want 1", len(v.Summary.Skipped))
	}
	for _, lang := range []string{"nl", "en"} {
		t.Run(lang, func(t *testing.T) {
			msgs := handoff.NewRenderer(r).Messages(lang, v)
			shown := checkHandoffMessages(t, r, lang, msgs)
			first := shown[0]
			// The flags come first, before the facts.
			flag := flagHead(r, lang, "safety")
			name := render.PlainText(r.Text(lang, dialog.T("handoff.first_name"))) + ": Sara"
			for _, want := range []string{
				flag,
				flagHead(r, lang, "income"),
				name,
				render.PlainText(r.Text(lang, dialog.T("age.18_21"))),
				"2025-03-14 11:05",
				"Nederlands",
			} {
				if !strings.Contains(first, want) {
					t.Errorf("the first message lacks %q:\n%s", want, first)
				}
			}
			if strings.Index(first, flag) > strings.Index(first, name) {
				t.Errorf("the flags do not come first:\n%s", first)
			}
			all := strings.Join(shown, "\n")
			for _, want := range []string{handoffHostile, handoffArabic, "Bram & Co <jeugdzorg>", "Een eigen huis <b>met tuin</b> & een hond"} {
				if !strings.Contains(all, want) {
					t.Errorf("the director does not read %q", want)
				}
			}
			name, doc := handoff.NewRenderer(r).Document(lang, v)
			if name != "intake-2025-03-14-sara.html" {
				t.Errorf("file name %q", name)
			}
			parseHandoffDocument(t, doc)
			golden(t, "handoff_messages_"+lang+".golden", strings.Join(msgs, "\n\n~~~~~~~~ next message ~~~~~~~~\n\n"))
			golden(t, "handoff_document_"+lang+".golden", string(doc))
		})
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or writes it there with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Handoff -update ./bot/handoff/ to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update if the change is intended):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestHandoffUserTextIsVerbatim(t *testing.T) {
	e := bottest.Engine(t)
	r := bottest.Renderer(t)
	v := handoffView(e.Flow, handoffSession(t, e.Flow))
	v.Case.FirstName = `<i>Sam</i> & "Co"`
	for _, lang := range []string{"nl", "en"} {
		t.Run(lang+" messages", func(t *testing.T) {
			for i, m := range handoff.NewRenderer(r).Messages(lang, v) {
				text, entities, err := tghtml.Parse(m)
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				for _, want := range []string{handoffHostile, v.Case.FirstName} {
					at := strings.Index(text, want)
					if at < 0 {
						t.Fatalf("message %d does not show %q:\n%s", i, want, text)
					}
					from, to := render.Len(text[:at]), render.Len(text[:at])+render.Len(want)
					for _, e := range entities {
						if e.Offset < to && e.Offset+e.Length > from {
							t.Errorf("%q shows as %s", want, e.Type)
						}
					}
				}
			}
		})
		t.Run(lang+" document", func(t *testing.T) {
			_, doc := handoff.NewRenderer(r).Document(lang, v)
			info := parseHandoffDocument(t, doc)
			if info.lang != lang {
				t.Errorf(`<html lang=%q>, want %q`, info.lang, lang)
			}
			for _, want := range []string{handoffHostile, handoffArabic, v.Case.FirstName, "Bram & Co <jeugdzorg>"} {
				if !slices.Contains(info.auto, want) {
					t.Errorf("no element with dir=auto shows exactly %q; have %q", want, info.auto)
				}
			}
			if !bytes.Contains(doc, []byte(html.EscapeString(handoffHostile))) {
				t.Error("the answer is not escaped in the document")
			}
			for _, want := range []string{`<meta charset="utf-8"`, "@media print", "AVG art. 9"} {
				if !bytes.Contains(doc, []byte(want)) {
					t.Errorf("the document lacks %q", want)
				}
			}
		})
	}
}

func TestHandoffLongAnswerArrivesWhole(t *testing.T) {
	e := bottest.Engine(t)
	r := bottest.Renderer(t)
	s := handoffSession(t, e.Flow)
	words := []rune(strings.Repeat("Ik wil <graag> een eigen huis & een baan, en 😀 عربي\n", 200))
	long := string(words[:10000])
	s.Answers["worked"] = dialog.Answer{Text: long, At: s.Started}
	v := handoffView(e.Flow, s)
	for _, lang := range []string{"nl", "en"} {
		t.Run(lang, func(t *testing.T) {
			msgs := handoff.NewRenderer(r).Messages(lang, v)
			if len(msgs) < 3 {
				t.Fatalf("%d messages for a 10,000-character answer", len(msgs))
			}
			shown := checkHandoffMessages(t, r, lang, msgs)
			if !strings.Contains(noSpace(strings.Join(shown, "")), noSpace(shownAs(long))) {
				t.Fatal("the long answer does not read whole across the messages")
			}
			// Each other topic stays in one message.
			checkTopicsWhole(t, r, lang, v.Summary, shown, "topic.experience")

			_, doc := handoff.NewRenderer(r).Document(lang, v)
			if info := parseHandoffDocument(t, doc); !slices.Contains(info.auto, inDocument(long)) {
				t.Fatal("the long answer is not whole in the document")
			}
		})
	}
}

func TestHandoffBreaksOnlyBetweenTopics(t *testing.T) {
	e := bottest.Engine(t)
	r := bottest.Renderer(t)
	s := handoffSession(t, e.Flow)
	// Every free-text answer as long as the flow allows, up to 1,500
	// characters: topics of up to about 3,000, none over the limit.
	for id, a := range s.Answers {
		q, _ := e.Flow.Question(id)
		if q.Kind != dialog.KindText || a.Skipped {
			continue
		}
		n := min(q.MaxLen, 1500)
		a.Text = string([]rune(strings.Repeat(id+" zegt iets. ", n))[:n])
		s.Answers[id] = a
	}
	if err := e.Flow.CheckSession(s); err != nil {
		t.Fatal(err)
	}
	v := handoffView(e.Flow, s)
	for _, lang := range []string{"nl", "en"} {
		t.Run(lang, func(t *testing.T) {
			msgs := handoff.NewRenderer(r).Messages(lang, v)
			shown := checkHandoffMessages(t, r, lang, msgs)
			if len(shown) < 4 || len(shown) >= len(v.Summary.Topics) {
				t.Fatalf("%d messages for %d topics: want several, packed", len(shown), len(v.Summary.Topics))
			}
			// The essentials, all long here, break between their questions.
			checkTopicsWhole(t, r, lang, v.Summary, shown, "handoff.essentials_title")
			// Every message after the first starts with a topic (or the
			// skipped questions).
			starts := []string{render.PlainText(r.Text(lang, dialog.T("summary.skipped_title")))}
			for _, tp := range handoff.NewRenderer(r).DirectorTopics(lang, v) {
				starts = append(starts, render.PlainText(r.Text(lang, tp.Topic)))
			}
			for i, m := range shown[1:] {
				line, _, _ := strings.Cut(m, "\n")
				if !slices.Contains(starts, line) {
					t.Errorf("message %d starts with %q, not with a topic", i+2, line)
				}
			}
			// Packed: no message would have had room for the next one's
			// first topic.
			for i := 0; i+1 < len(msgs); i++ {
				next, _, _ := strings.Cut(shown[i+1], "\n\n")
				if render.Len(msgs[i])+render.Len(next) < render.MaxMessageLen-200 {
					t.Errorf("message %d (%d units) had room for %q", i+1, render.Len(msgs[i]), next[:min(len(next), 40)])
				}
			}
		})
	}
}

// checkTopicsWhole asserts that each topic but except (a message ID) is in
// one message: its name and every question label on its lines.
func checkTopicsWhole(t *testing.T, r *render.Renderer, lang string, sum dialog.Summary, shown []string, except string) {
	t.Helper()
	lines := make([][]string, len(shown))
	for i, m := range shown {
		lines[i] = strings.Split(m, "\n")
	}
	for _, tp := range handoff.NewRenderer(r).DirectorTopics(lang, handoff.View{Summary: sum}) {
		if tp.Topic.ID == except+".about" || tp.Topic.ID == except {
			continue
		}
		name := render.PlainText(r.Text(lang, tp.Topic))
		in := -1
		for i := range lines {
			for _, l := range lines[i] {
				if l == name {
					if in >= 0 {
						t.Fatalf("topic %q shown twice", name)
					}
					in = i
				}
			}
		}
		if in < 0 {
			t.Fatalf("topic %q is not shown", name)
		}
		for _, it := range tp.Items {
			label := render.PlainText(r.Text(lang, it.Label)) + ":"
			if !slices.ContainsFunc(lines[in], func(l string) bool { return strings.HasPrefix(l, label) }) {
				t.Errorf("%q of topic %q is not in message %d with its topic:\n%s", label, name, in+1, shown[in])
			}
		}
	}
}

func TestHandoffHeader(t *testing.T) {
	e := bottest.Engine(t)
	r := bottest.Renderer(t)
	s := handoffSession(t, e.Flow)
	tests := []struct {
		name     string
		change   func(*handoff.View)
		want     []string
		not      []string
		filename string
	}{
		{"no name, no age, no flags", func(v *handoff.View) {
			v.Case.FirstName, v.Age, v.Flags, v.Summary.Flags = " ", "", nil, nil
		}, []string{"Voornaam: (geen naam opgegeven)", "Leeftijd: onbekend"}, []string{"Let op", "⚠️"}, "intake-2025-03-14-"},
		{"safety first, each flag once", func(v *handoff.View) {
			v.Flags = []string{"income", "urgency", "safety", "income"}
		}, []string{"Let op\n⚠️ Veiligheid: 😐 Meestal wel. Lees de antwoorden over veiligheid.\n⚠️ Woonplek: Geen vaste woonplek.\n⚠️ Inkomen:"}, nil, ""},
		{"flags of the summary too", func(v *handoff.View) {
			v.Flags, v.Summary.Flags = nil, []string{"urgency"}
		}, []string{"⚠️ Woonplek"}, nil, ""},
		{"a flag without a text", func(v *handoff.View) {
			v.Flags = []string{"<own>"}
		}, []string{"⚠️ <own>"}, nil, ""},
		{"an age the renderer doesn't know", func(v *handoff.View) { v.Age = "<28>" }, []string{"Leeftijd: <28>"}, nil, ""},
		{"an accented name", func(v *handoff.View) { v.Case.FirstName = "Zoë-Ångström O'Neil" }, nil, nil, "intake-2025-03-14-zoe-angstrom-o-neil.html"},
		{"an Arabic name", func(v *handoff.View) { v.Case.FirstName = "سارة" }, []string{"Voornaam: " + render.FSI + "سارة" + render.PDI}, nil, "intake-2025-03-14-"},
		{"not sent yet", func(v *handoff.View) { v.Summary.Submitted = time.Time{} }, []string{"Gestart: 2025-03-14 10:30"}, []string{"Verstuurd"}, ""},
		{"an English speaker", func(v *handoff.View) { v.Summary.Lang = "en" }, []string{"Taal van de jongere: English (Engels)"}, nil, ""},
		{"no language", func(v *handoff.View) { v.Summary.Lang = "" }, []string{"Taal van de jongere: onbekend"}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := handoffView(e.Flow, s)
			tc.change(&v)
			msgs := handoff.NewRenderer(r).Messages("nl", v)
			first := checkHandoffMessages(t, r, "nl", msgs)[0]
			header, _, _ := strings.Cut(first, "\n\n"+render.PlainText(r.Text("nl", handoff.NewRenderer(r).DirectorTopics("nl", v)[0].Topic)))
			for _, want := range tc.want {
				if !strings.Contains(header, want) {
					t.Errorf("the header lacks %q:\n%s", want, header)
				}
			}
			for _, not := range tc.not {
				if strings.Contains(header, not) {
					t.Errorf("the header has %q:\n%s", not, header)
				}
			}
			name, doc := handoff.NewRenderer(r).Document("nl", v)
			if !regexp.MustCompile(`^intake(-[a-z0-9]+)+\.html$`).MatchString(name) {
				t.Errorf("file name %q", name)
			}
			switch {
			case strings.HasSuffix(tc.filename, "-"):
				// No name to show: a hash of the case key, not the key.
				if !regexp.MustCompile(`^`+tc.filename+`[0-9a-f]{8}\.html$`).MatchString(name) || strings.Contains(name, "0001") {
					t.Errorf("file name %q, want %s and 8 hex digits", name, tc.filename)
				}
			case tc.filename != "" && name != tc.filename:
				t.Errorf("file name %q, want %q", name, tc.filename)
			}
			info := parseHandoffDocument(t, doc)
			for _, want := range tc.want {
				// The document has the same facts, one to a line (its
				// elements carry dir: no isolates).
				for _, line := range strings.Split(render.StripIsolates(want), "\n") {
					if !strings.Contains(info.text, line) {
						t.Errorf("the document lacks %q", line)
					}
				}
			}
		})
	}
}

func TestHandoffCaption(t *testing.T) {
	r := bottest.Renderer(t)
	for _, lang := range []string{"nl", "en"} {
		c := handoff.NewRenderer(r).Caption(lang)
		if err := tghtml.Validate(c); err != nil {
			t.Errorf("%s caption: %v", lang, err)
		}
		if n := render.Len(c); n > 1024 || !strings.Contains(c, "art. 9") {
			t.Errorf("%s caption (%d units): %q", lang, n, c)
		}
	}
}

func FuzzHandoffMessages(f *testing.F) {
	for _, s := range []string{"", " ", handoffHostile, handoffArabic, "a\n\nb", "&amp;", "😀👋🏽", strings.Repeat("lang antwoord ", 400), strings.Repeat("x", 5000)} {
		f.Add(s, uint8(0))
	}
	e := bottest.Engine(f)
	r := bottest.Renderer(f)
	base := handoffSession(f, e.Flow)
	f.Fuzz(func(t *testing.T, answer string, where uint8) {
		checkHandoffAnswer(t, e.Flow, r, base, answer, where)
	})
}

// checkHandoffAnswer puts answer in base (as an answer, chosen by where,
// and as the first name) and checks that the director gets it whole, in
// valid messages and in the document.
func checkHandoffAnswer(t *testing.T, f *dialog.Flow, r *render.Renderer, base dialog.Session, answer string, where uint8) {
	t.Helper()
	answer = strings.ToValidUTF8(answer, "\uFFFD")
	if strings.TrimSpace(answer) == "" {
		answer = "x" + answer
	}
	targets := []string{"dreams", "must_not", "network", "anything_else"}
	s := base
	s.Answers = maps.Clone(base.Answers)
	id := targets[int(where)%len(targets)]
	if id == "network" {
		s.Answers[id] = dialog.Answer{Items: []string{answer, "Oma"}, At: s.Started}
	} else {
		s.Answers[id] = dialog.Answer{Text: answer, At: s.Started}
	}
	v := handoffView(f, s)
	v.Case.FirstName = answer
	for _, lang := range []string{"nl", "en"} {
		shown := checkHandoffMessages(t, r, lang, handoff.NewRenderer(r).Messages(lang, v))
		all := noSpace(strings.Join(shown, ""))
		if strings.Count(all, noSpace(shownAs(answer))) < 2 {
			t.Fatalf("the answer and the name do not both arrive whole: %q", answer)
		}
		_, doc := handoff.NewRenderer(r).Document(lang, v)
		if !bytes.Contains(doc, []byte(`dir="auto">`+html.EscapeString(inDocument(answer))+"<")) {
			t.Fatalf("the document lacks the escaped answer %q", answer)
		}
		if bytes.Contains(bytes.ToLower(doc), []byte("<script")) {
			t.Fatal("the document has a script")
		}
	}
}

// flagHead is the start of a flag line as the director reads it: the
// flag's name up to its colon.
func flagHead(r *render.Renderer, lang, name string) string {
	head, _, _ := strings.Cut(render.PlainText(r.Text(lang, dialog.T("flag."+name))), ":")
	return head + ":"
}
