package handoff_test

import (
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/handoff"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/locales"
)

// youngAnswers are answers as a young person writes them in Arabic (right
// to left, with a Latin name, a place and numbers) or Turkish.
var youngAnswers = map[string]map[string]dialog.Answer{
	"ar": {
		"dreams":         {Text: "أريد بيتًا صغيرًا في Utrecht مع 2 قطط"},
		"support_words":  {Text: "مساعدة في الرسائل والمال.\nوأحيانًا شخص أتحدث معه."},
		"worked":         {Text: "مرشد ثابت اسمه Bram كان يسمعني"},
		"not_worked":     {Text: "كل مرة أشخاص جدد (5 في سنة واحدة)"},
		"practitioners":  {Items: []string{"آنا (mentor)", "Bram & Co <jeugdzorg>"}},
		"network":        {Items: []string{"جدتي", "أختي سارة"}},
		"trusted_person": {Text: "جدتي"},
		"no_go_reason":   {Text: handoffArabic},
	},
	"tr": {
		"dreams":         {Text: "Bahçeli küçük bir ev ve bir köpek"},
		"support_words":  {Text: "Mektuplar ve parayla yardım.\nBazen de konuşacak biri."},
		"worked":         {Text: "Beni dinleyen sabit bir danışman"},
		"not_worked":     {Text: "Hep yeni insanlar"},
		"practitioners":  {Items: []string{"Anna (mentor)", "Bram & Co <jeugdzorg>"}},
		"network":        {Items: []string{"Babaannem", "Kız kardeşim Sara"}},
		"trusted_person": {Text: "Babaannem"},
		"no_go_reason":   {Text: "Babam orada oturuyor."},
	},
}

// A young person answered in Arabic or Turkish; a Dutch-speaking director
// reads the labels in Dutch, the answers as written, and the language named
// at the top in Dutch: golden files of the messages and the document.
func TestHandoffGoldenYoungPersonsLanguage(t *testing.T) {
	cat, err := locales.Load("nl", "testdata/languages")
	if err != nil {
		t.Fatal(err)
	}
	r := &render.Renderer{L: cat, Loc: time.FixedZone("CET", 3600)}
	e := bottest.Engine(t)
	for _, young := range []string{"ar", "tr"} {
		t.Run(young, func(t *testing.T) {
			s := handoffSession(t, e.Flow)
			s.Lang = young
			for id, a := range youngAnswers[young] {
				a.At = s.Started
				s.Answers[id] = a
			}
			v := handoffView(e.Flow, s)
			msgs := handoff.NewRenderer(r).Messages("nl", v)
			shown := checkHandoffMessages(t, r, "nl", msgs)
			all := strings.Join(shown, "\n")
			wantLang := map[string]string{"ar": "Taal van de jongere: العربية (Arabisch)", "tr": "Taal van de jongere: Türkçe (Turks)"}[young]
			if !strings.Contains(render.StripIsolates(shown[0]), wantLang) {
				t.Errorf("the first message does not name the language as %q:\n%s", wantLang, shown[0])
			}
			for _, a := range youngAnswers[young] {
				for _, want := range append([]string{a.Text}, a.Items...) {
					if want == "" {
						continue
					}
					if !strings.Contains(noSpace(all), noSpace(shownAs(want))) {
						t.Errorf("the director does not read %q as written", want)
					}
				}
			}
			if !strings.Contains(all, "Dromen") {
				t.Error("the labels are not in Dutch")
			}
			_, doc := handoff.NewRenderer(r).Document("nl", v)
			info := parseHandoffDocument(t, doc)
			if info.lang != "nl" || !strings.Contains(string(doc), `<html lang="nl" dir="ltr">`) {
				t.Errorf("document lang %q: want nl, ltr", info.lang)
			}
			if !strings.Contains(string(doc), wantLang) {
				t.Errorf("the document does not name the language as %q", wantLang)
			}
			if strings.ContainsAny(string(doc), render.FSI+render.PDI) {
				t.Error("the document has direction isolates: its elements carry dir")
			}
			golden(t, "handoff_messages_young_"+young+".golden", strings.Join(msgs, "\n\n~~~~~~~~ next message ~~~~~~~~\n\n"))
			golden(t, "handoff_document_young_"+young+".golden", string(doc))
		})
	}
}

// A director who reads Arabic gets a right-to-left document, and a Latin
// name or number in an Arabic line of a message is isolated.
func TestHandoffForAnArabicReader(t *testing.T) {
	cat, err := locales.Load("nl", "testdata/languages")
	if err != nil {
		t.Fatal(err)
	}
	r := &render.Renderer{L: cat, Loc: time.FixedZone("CET", 3600)}
	e := bottest.Engine(t)
	s := handoffSession(t, e.Flow)
	s.Lang = "nl"
	v := handoffView(e.Flow, s)
	_, doc := handoff.NewRenderer(r).Document("ar", v)
	if !strings.Contains(string(doc), `<html lang="ar" dir="rtl">`) {
		t.Errorf("the document for an Arabic reader is not right to left:\n%.300s", doc)
	}
	for _, m := range handoff.NewRenderer(r).Messages("ar", v) {
		if !strings.Contains(m, render.FSI+"Sara"+render.PDI) {
			t.Errorf("the Latin name is not isolated in an Arabic message:\n%q", m)
		}
		break
	}
}

// A director who reads Arabic or Turkish gets the summary in that
// language (the real translations): golden files of the messages, the
// compact summary and the document.
func TestHandoffGoldenInTheReadersLanguage(t *testing.T) {
	cat, err := locales.Load("nl", "")
	if err != nil {
		t.Fatal(err)
	}
	r := &render.Renderer{L: cat, Loc: time.FixedZone("CET", 3600)}
	e := bottest.Engine(t)
	for _, lang := range []string{"ar", "tr"} {
		t.Run(lang, func(t *testing.T) {
			if l, ok := cat.Known(lang); !ok || l != lang {
				t.Fatalf("%s is not a language of the catalog (%v)", lang, cat.Languages())
			}
			s := handoffSession(t, e.Flow)
			s.Lang = lang
			for id, a := range youngAnswers[lang] {
				a.At = s.Started
				s.Answers[id] = a
			}
			v := handoffView(e.Flow, s)
			msgs := handoff.NewRenderer(r).Messages(lang, v)
			shown := checkHandoffMessages(t, r, lang, msgs)
			title := render.PlainText(r.Text(lang, dialog.T("handoff.title")))
			if !strings.Contains(shown[0], title) || title == render.PlainText(r.Text("nl", dialog.T("handoff.title"))) {
				t.Errorf("the title is not in %s: %q", lang, title)
			}
			_, doc := handoff.NewRenderer(r).Document(lang, v)
			parseHandoffDocument(t, doc)
			dir := map[string]string{"ar": "rtl", "tr": "ltr"}[lang]
			if !strings.Contains(string(doc), `<html lang="`+lang+`" dir="`+dir+`">`) {
				t.Errorf("the document is not lang=%s dir=%s", lang, dir)
			}
			golden(t, "handoff_messages_in_"+lang+".golden", strings.Join(msgs, "\n\n~~~~~~~~ next message ~~~~~~~~\n\n"))
			golden(t, "handoff_document_in_"+lang+".golden", string(doc))
			golden(t, "summary_in_"+lang+".golden", r.Summary(lang, dialog.BuildSummary(e.Flow, s)))
		})
	}
}
