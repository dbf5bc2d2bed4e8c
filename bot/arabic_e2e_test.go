package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/dialog/langtag"
	"github.com/intakebot/intakebot/locales"
)

// arabicCatalog is the real catalog, which must speak Arabic: this test
// is about the real translation, never a stand-in.
func arabicCatalog(t *testing.T) *locales.Catalog {
	t.Helper()
	cat := catalog(t)
	if langtag.Match(cat.Languages(), "ar") != "ar" {
		t.Fatalf("the catalog has no Arabic: %v", cat.Languages())
	}
	return cat
}

// An intake in Arabic through the real client and the fake Bot API: the
// young person's Telegram says ar-SA, the bot speaks Arabic, the answers
// (Arabic with a Latin name and numbers) reach a Dutch-speaking director as
// written, under Dutch labels, with the language named at the top.
func TestArabicIntakeEndToEnd(t *testing.T) {
	cat := arabicCatalog(t)
	r := newRoles(t, func(o *bot.Options) {
		o.Engine.Languages, o.Engine.Match = cat.Languages(), cat.Match
		o.Engine.Words = cat.CommandWords()
		o.Renderer = &render.Renderer{L: cat, Log: o.Log, Loc: time.UTC}
	})
	r.r = &render.Renderer{L: cat, Log: r.log, Loc: time.UTC}
	r.staff(director2ID, domain.RoleDirector, "Omar", "nl")
	invite := r.invite(director2ID, 0, "يوسف")

	r.send(youngID, "/start "+invite, "ar-SA")
	if s := r.session(youngID); s.Lang != "ar" {
		t.Fatalf("session language %q for ar-SA, want ar", s.Lang)
	}
	r.press(youngID, r.visible("ar", "btn.consent_yes"))
	r.press(youngID, r.visible("ar", "age.18_21"))
	r.press(youngID, r.visible("ar", "btn.start"))
	r.expectLast(youngID, r.visible("ar", "q.dreams"))

	answers := map[string]string{
		"dreams":        "أريد بيتًا صغيرًا في Utrecht مع 2 قطط",
		"worked":        "مرشد ثابت اسمه Bram كان يسمعني",
		"not_worked":    "كل مرة أشخاص جدد (5 في سنة واحدة)",
		"anything_else": "شكرًا، لا شيء آخر",
	}
	for range 100 {
		s := r.session(youngID)
		if s.State == dialog.StateReview {
			break
		}
		if a, ok := answers[s.Current]; ok {
			r.send(youngID, a, "ar-SA")
		} else {
			r.press(youngID, r.visible("ar", "btn.skip"))
		}
	}
	s := r.session(youngID)
	if s.State != dialog.StateReview {
		t.Fatalf("state %s, want the review", s.State)
	}
	for q, a := range answers {
		if s.Answers[q].Text != a {
			t.Errorf("answer to %s stored as %q, want %q", q, s.Answers[q].Text, a)
		}
	}
	// The review the young person reads is in Arabic, their answers as
	// written, a Latin word in an Arabic line isolated.
	review := r.last(youngID)
	if !strings.Contains(review.Source, render.FSI) {
		t.Errorf("no direction isolates in the Arabic review: %q", review.Source)
	}

	mark := r.lastID(director2ID)
	r.press(youngID, r.visible("ar", "btn.send"))
	var shown strings.Builder
	for _, m := range r.sentSince(director2ID, mark) {
		shown.WriteString(render.StripIsolates(m.Text) + "\n")
	}
	got := shown.String()
	for _, want := range []string{
		r.visible("nl", "handoff.title"),
		"Taal van de jongere: العربية (Arabisch)",
		r.visible("nl", "q.dreams.short"),
		"يوسف",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the director's messages lack %q:\n%s", want, got)
		}
	}
	for _, a := range answers {
		if !strings.Contains(got, a) {
			t.Errorf("the director does not read %q as written:\n%s", a, got)
		}
	}
	if i, j := strings.Index(got, "Taal van de jongere"), strings.Index(got, r.visible("nl", "q.dreams.short")); i < 0 || i > j {
		t.Error("the language is not named at the top")
	}
}
