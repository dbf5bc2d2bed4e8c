// Package render turns the dialog's texts into Telegram HTML: texts from
// the locales are trusted HTML, and every piece of a person's own text is
// escaped here, once, on its way into a message. It also splits long texts
// at Telegram's limit without breaking the HTML. It knows nothing of the
// Bot API client: the edge and the rooms both use it.
package render

import (
	"html"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/dialog/glyph"
)

// Localizer finds the text of a message in a language. locales.Catalog is one.
type Localizer interface {
	Localize(lang, id string, data map[string]any) (string, error)
	// LanguageNames names language lang for a reader of language reader:
	// its own name ("العربية") and, when the reader's language is another
	// one, its name there ("Arabisch"), else "".
	LanguageNames(lang, reader string) (own, in string)
}

// Renderer turns dialog texts into Telegram HTML. Message texts from the
// locales are trusted HTML; everything else (user answers, raw values) is
// escaped here, once, so no user string can break a message.
type Renderer struct {
	L   Localizer
	Log *slog.Logger
	// Loc is the time zone for dates in summaries.
	Loc *time.Location
}

// Text renders one text in lang.
func (r *Renderer) Text(lang string, t dialog.Text) string {
	if t.ID == "" {
		return Isolate(lang, UserText(t.Raw))
	}
	if t.Lang != "" {
		lang = t.Lang
	}
	var data map[string]any
	if len(t.Vars) > 0 {
		data = make(map[string]any, len(t.Vars))
		for k, v := range t.Vars {
			data[k] = r.value(lang, v)
			if s, ok := data[k].(string); ok {
				data[k] = Isolate(lang, s)
			}
		}
		// Count drives plural forms and must stay a number.
		if c, ok := t.Vars["Count"]; ok {
			data["Count"] = c
		}
	}
	s, err := r.L.Localize(lang, t.ID, data)
	if err != nil && r.Log != nil {
		// The ID is not user data; the text is shown in a fallback language.
		r.Log.Warn("message missing", "id", t.ID, "lang", lang, "err", err)
	}
	return s
}

// LanguageLine is the line that names the language the young person
// used, for a reader: "Taal van de jongere: العربية (Arabisch)". young ""
// is an unknown language.
func (r *Renderer) LanguageLine(young string) dialog.Text {
	if young == "" {
		return dialog.T("summary.language", "Language", dialog.T("handoff.unknown"))
	}
	return dialog.Text{ID: "summary.language", Vars: map[string]any{"Language": languageLabel{young}}}
}

// isolated is a value that has its isolates already (Text adds none).
type isolated string

// languageLabel is a language named for the reader (Localizer.LanguageLabel).
type languageLabel struct{ lang string }

func (r *Renderer) value(lang string, v any) any {
	switch v := v.(type) {
	case string:
		return UserText(v)
	case dialog.Text:
		return r.Text(lang, v)
	case []dialog.Text:
		out := make([]string, len(v))
		for i, t := range v {
			out[i] = r.Text(lang, t)
		}
		return strings.Join(out, ", ")
	case time.Time:
		return r.Date(v)
	case languageLabel:
		// The own name is isolated, not the whole: "⁨العربية⁩ (Arabisch)"
		// keeps the reader's name after it in a left-to-right line.
		own, in := r.L.LanguageNames(v.lang, lang)
		s := Isolate(lang, html.EscapeString(own))
		if in != "" {
			s += " (" + Isolate(lang, html.EscapeString(in)) + ")"
		}
		return isolated(s)
	}
	return v
}

func (r *Renderer) Date(t time.Time) string {
	if r.Loc != nil {
		t = t.In(r.Loc)
	}
	return t.Format("2006-01-02 15:04")
}

// Label renders a button label: plain text, no HTML.
func (r *Renderer) Label(lang string, b dialog.Button) string {
	var s string
	if b.Label.ID == "" {
		s = strings.ReplaceAll(glyph.Visible(b.Label.Raw), "\n", " ")
	} else {
		s = PlainText(r.Text(lang, b.Label))
	}
	if b.Checked {
		s = "✅ " + s
	}
	return s
}

// Message renders the body of a reply as HTML.
func (r *Renderer) Message(lang string, m dialog.Message) string {
	parts := make([]string, 0, len(m.Parts)+1)
	for _, p := range m.Parts {
		parts = append(parts, r.Text(lang, p))
	}
	if m.Summary != nil {
		parts = append(parts, r.SummaryBody(lang, *m.Summary, true))
	}
	return strings.Join(parts, "\n\n")
}

// SummaryBody renders the answers of a summary by topic in lang: labels in
// the reader's language, answers verbatim. numbered adds the numbers the
// young person uses to change an answer in the review.
func (r *Renderer) SummaryBody(lang string, sum dialog.Summary, numbered bool) string {
	var b strings.Builder
	for i, t := range sum.Topics {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString("<b>" + r.Text(lang, t.Topic) + "</b>")
		for _, it := range t.Items {
			b.WriteString("\n")
			if numbered {
				b.WriteString(strconv.Itoa(it.N) + ". ")
			}
			b.WriteString("<i>" + r.Text(lang, it.Label) + "</i>: ")
			switch {
			case it.Open:
				b.WriteString("-")
			case len(it.Values) > 1:
				for _, v := range it.Values {
					b.WriteString("\n  • " + r.Text(lang, v))
				}
			default:
				for _, v := range it.Values {
					b.WriteString(r.Text(lang, v))
				}
			}
		}
	}
	return b.String()
}

// Summary renders a compact summary in lang: the answers by topic and the
// skipped questions. What a director receives is HandoffMessages.
func (r *Renderer) Summary(lang string, sum dialog.Summary) string {
	var b strings.Builder
	b.WriteString("<b>" + r.Text(lang, dialog.T("summary.title")) + "</b>\n")
	b.WriteString(r.Text(lang, dialog.T("summary.started", "Date", r.Date(sum.Started))))
	if !sum.Submitted.IsZero() {
		b.WriteString("\n" + r.Text(lang, dialog.T("summary.submitted", "Date", r.Date(sum.Submitted))))
	}
	b.WriteString("\n" + r.Text(lang, r.LanguageLine(sum.Lang)))
	b.WriteString("\n\n" + r.SummaryBody(lang, sum, false))
	b.WriteString("\n\n<b>" + r.Text(lang, dialog.T("summary.skipped_title")) + "</b>\n")
	if len(sum.Skipped) == 0 {
		b.WriteString(r.Text(lang, dialog.T("summary.none_skipped")))
	}
	for i, it := range sum.Skipped {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("• " + r.Text(lang, it.Label))
	}
	return b.String()
}

// PlainText turns Telegram HTML into the text a person would see: tags
// dropped, entities decoded. It is the fallback when Telegram refuses markup
// and the rendering of the terminal demo.
func PlainText(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i+j+1:]
	}
	return html.UnescapeString(b.String())
}

// Join renders texts in lang, joined by sep.
func (r *Renderer) Join(lang, sep string, texts ...dialog.Text) string {
	parts := make([]string, 0, len(texts))
	for _, t := range texts {
		parts = append(parts, r.Text(lang, t))
	}
	return strings.Join(parts, sep)
}
