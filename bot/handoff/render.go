package handoff

import (
	"crypto/sha256"
	"encoding/hex"
	"html"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/intakebot/intakebot/bot/render"

	"golang.org/x/text/unicode/norm"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Renderer renders what a director receives: the summary messages
// and the printable document.
type Renderer struct{ *render.Renderer }

// View is what a director receives about one intake.
type View struct {
	Case domain.Case
	// Summary holds the answers by topic, the skipped questions, the dates
	// and the young person's language.
	Summary dialog.Summary
	// Age is the age bracket option ID as the young person chose it:
	// "16_17", "18_21", "22_27", or "" when unknown.
	Age string
	// Flags are flag names from the flow ("safety", "income", "urgency"),
	// maybe none. Those of Summary.Flags are shown too.
	Flags []string
	// ProView is the professional's own view on the scale of question
	// ProViewOf (0: none given); it stands beside the young person's.
	ProView    int
	ProViewOf  string
	ProViewMax int
}

// flagOrder is the order known flags are shown in, whatever order the flow
// raised them in: acute risk comes first, then a safety concern. Other
// flags follow in their own order.
var flagOrder = []string{dialog.FlagAcute, "safety", "urgency", "income"}

// blockSep separates the header, the topics and the skipped questions
// within a message.
const blockSep = "\n\n"

// Messages renders an intake as Telegram HTML messages for a
// director reading lang: labels in lang, the young person's answers
// verbatim (escaped). The first message starts with a header (first name,
// age, date, language, and the flags first of all); then come the topics
// in flow order and at the end the skipped questions. Messages break only
// between these parts; a part longer than a message on its own is cut with
// Split. When there is more than one message, each ends with "part N of
// M". Every message is at most render.MaxMessageLen UTF-16 units.
func (r Renderer) Messages(lang string, v View) []string {
	topics := r.DirectorTopics(lang, v)
	blocks := make([]string, 0, len(topics)+2)
	blocks = append(blocks, r.handoffHeader(lang, v))
	for _, t := range topics {
		blocks = append(blocks, r.topicBlocks(lang, t)...)
	}
	blocks = append(blocks, r.handoffSkipped(lang, v.Summary))

	msgs := packBlocks(blocks, render.MaxMessageLen)
	if len(msgs) <= 1 {
		return msgs
	}
	// Make room for the part line, as wide as the largest number needs;
	// the room itself may add a message, and a digit.
	total := len(msgs)
	for {
		reserve := render.Len(blockSep + r.partLine(lang, total, total))
		msgs = packBlocks(blocks, render.MaxMessageLen-reserve)
		if len(strconv.Itoa(len(msgs))) <= len(strconv.Itoa(total)) {
			break
		}
		total = len(msgs)
	}
	for i := range msgs {
		msgs[i] += blockSep + r.partLine(lang, i+1, len(msgs))
	}
	return msgs
}

func (r Renderer) partLine(lang string, n, total int) string {
	return "<i>" + r.Text(lang, dialog.T("handoff.part", "N", n, "Total", total)) + "</i>"
}

// packBlocks puts blocks into as few messages of at most limit UTF-16
// units as it can, keeping each block whole; a block over the limit on its
// own is cut with Split, and what follows it may share its last piece.
func packBlocks(blocks []string, limit int) []string {
	var out []string
	cur := ""
	for _, b := range blocks {
		if strings.TrimSpace(render.PlainText(b)) == "" {
			continue
		}
		if cur != "" && render.Len(cur)+render.Len(blockSep)+render.Len(b) <= limit {
			cur += blockSep + b
			continue
		}
		if cur != "" {
			out = append(out, cur)
			cur = ""
		}
		if render.Len(b) <= limit {
			cur = b
			continue
		}
		pieces := render.Split(b, limit)
		if len(pieces) == 0 {
			continue
		}
		out = append(out, pieces[:len(pieces)-1]...)
		cur = pieces[len(pieces)-1]
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// handoffFacts are the header lines in the director's language, as
// Telegram HTML.
type handoffFacts struct {
	title      string
	flagsTitle string
	flags      []string
	name       string // escaped; "" when unknown
	nameLabel  string
	noName     string
	ageLabel   string
	age        string
	date       string // "Sent: ..." line
	language   string // "Language: ..." line
}

func (r Renderer) handoffFacts(lang string, v View) handoffFacts {
	f := handoffFacts{
		title:      r.Text(lang, dialog.T("handoff.title")),
		flagsTitle: r.Text(lang, dialog.T("handoff.flags_title")),
		name:       render.Isolate(lang, render.UserText(strings.TrimSpace(v.Case.FirstName))),
		nameLabel:  r.Text(lang, dialog.T("handoff.first_name")),
		noName:     r.Text(lang, dialog.T("handoff.no_name")),
		ageLabel:   r.Text(lang, dialog.T("handoff.age")),
	}
	for _, name := range orderFlags(slices.Concat(v.Flags, v.Summary.Flags)) {
		if name == dialog.FlagAcute {
			f.flags = append(f.flags, r.acuteFlag(lang, v.Summary.Signals))
		} else if slices.Contains(flagOrder, name) {
			// The flag says what it is about: the answers that raised it.
			f.flags = append(f.flags, r.Text(lang, dialog.T("flag."+name, "Answer", flaggedBy(v.Summary, name))))
		} else {
			// A flag of a flow of its own, without a text: its name.
			f.flags = append(f.flags, "⚠️ "+html.EscapeString(name))
		}
	}
	if young, ok := youngView(v); ok && v.ProView > 0 && (young-v.ProView >= 2 || v.ProView-young >= 2) {
		f.flags = append(f.flags, r.Text(lang, dialog.T("flag.view_gap", "Young", young, "Pro", v.ProView, "Max", v.ProViewMax)))
	}
	switch {
	case v.Age == "":
		f.age = r.Text(lang, dialog.T("handoff.unknown"))
	case slices.Contains(dialog.AgeBrackets, v.Age):
		f.age = r.Text(lang, dialog.T("age."+v.Age))
	default:
		f.age = html.EscapeString(v.Age)
	}
	sum := v.Summary
	switch {
	case !sum.Submitted.IsZero():
		f.date = r.Text(lang, dialog.T("summary.submitted", "Date", r.Date(sum.Submitted)))
	case !sum.Started.IsZero():
		f.date = r.Text(lang, dialog.T("summary.started", "Date", r.Date(sum.Started)))
	}
	f.language = r.Text(lang, r.LanguageLine(sum.Lang))
	return f
}

// acuteFlag is the line on top of a summary with signals of acute risk:
// when and where each came, never what was said.
func (r Renderer) acuteFlag(lang string, signals []dialog.SummarySignal) string {
	at := make([]dialog.Text, len(signals))
	for i, sg := range signals {
		at[i] = dialog.T("flag.acute.at", "Date", sg.At, "Where", r.about(lang, sg.Where))
	}
	return r.Text(lang, dialog.T("flag.acute", "Signals", at))
}

// youngView is the young person's own answer on the scale the
// professional answered too (View.ProViewOf).
func youngView(v View) (int, bool) {
	for _, t := range v.Summary.Topics {
		for _, it := range t.Items {
			if it.QuestionID == v.ProViewOf && !it.Skipped && !it.Open && len(it.Values) == 1 {
				n, ok := it.Values[0].Vars["Value"].(int)
				return n, ok
			}
		}
	}
	return 0, false
}

// flaggedBy are the answers of a summary that raised flag name.
func flaggedBy(sum dialog.Summary, name string) []dialog.Text {
	var out []dialog.Text
	for _, t := range sum.Topics {
		for _, it := range t.Items {
			if slices.Contains(it.Flags, name) {
				out = append(out, it.Values...)
			}
		}
	}
	return out
}

// DirectorTopics orders a summary for the director: first the essentials
// (Summary.Essentials, in their order, under handoff.essentials_title),
// then the other answers by topic, each topic named about the young person
// (topic.<id>.about, where the locales have it). Skipped and open questions are left to the list at
// the end, so each is named once.
func (r Renderer) DirectorTopics(lang string, v View) []dialog.SummaryTopic {
	sum := v.Summary
	byID := map[string]dialog.SummaryItem{}
	for _, t := range sum.Topics {
		for _, it := range t.Items {
			byID[it.QuestionID] = it
		}
	}
	first := dialog.SummaryTopic{Topic: dialog.T("handoff.essentials_title")}
	for _, id := range sum.Essentials {
		if it, ok := byID[id]; ok && !it.Skipped && !it.Open {
			it.Label = r.about(lang, it.Label)
			first.Items = append(first.Items, it)
		}
		if id == v.ProViewOf && v.ProView > 0 {
			first.Items = append(first.Items, dialog.SummaryItem{QuestionID: "", Label: dialog.T("handoff.pro_view"), Values: []dialog.Text{dialog.T("answer.scale", "Value", v.ProView, "Max", v.ProViewMax)}})
		}
	}
	out := []dialog.SummaryTopic{first}
	for _, t := range sum.Topics {
		rest := dialog.SummaryTopic{Topic: r.about(lang, t.Topic)}
		for _, it := range t.Items {
			if !it.Skipped && !it.Open && !slices.Contains(sum.Essentials, it.QuestionID) {
				it.Label = r.about(lang, it.Label)
				rest.Items = append(rest.Items, it)
			}
		}
		out = append(out, rest)
	}
	return slices.DeleteFunc(out, func(t dialog.SummaryTopic) bool { return len(t.Items) == 0 })
}

// about is a text as the director reads it: the topic or label that
// speaks about the young person (<id>.about, or .short turned .about)
// where the locales have it, else the text itself; also inside a Text var
// (the question of a signal).
func (r Renderer) about(lang string, t dialog.Text) dialog.Text {
	if t.ID != "" {
		id := strings.TrimSuffix(t.ID, ".short") + ".about"
		if _, err := r.L.Localize(lang, id, nil); err == nil {
			t.ID = id
		}
	}
	for k, v := range t.Vars {
		if inner, ok := v.(dialog.Text); ok {
			t.Vars = maps.Clone(t.Vars)
			t.Vars[k] = r.about(lang, inner)
		}
	}
	return t
}

// orderFlags drops empty and repeated flags and puts the known ones first,
// in flagOrder.
func orderFlags(flags []string) []string {
	var out []string
	for _, name := range flagOrder {
		if slices.Contains(flags, name) {
			out = append(out, name)
		}
	}
	for _, name := range flags {
		if name != "" && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

func (r Renderer) handoffHeader(lang string, v View) string {
	f := r.handoffFacts(lang, v)
	var b strings.Builder
	b.WriteString("<b>" + f.title + "</b>")
	if len(f.flags) > 0 {
		b.WriteString(blockSep + "<b>" + f.flagsTitle + "</b>")
		for _, fl := range f.flags {
			b.WriteString("\n" + fl)
		}
	}
	name := f.name
	if name == "" {
		name = f.noName
	}
	b.WriteString(blockSep + f.nameLabel + ": " + name)
	b.WriteString("\n" + f.ageLabel + ": " + f.age)
	if f.date != "" {
		b.WriteString("\n" + f.date)
	}
	b.WriteString("\n" + f.language)
	return b.String()
}

// topicBlocks renders a topic as one block, or, when it is longer than a
// message, as several that break between its questions, each under the
// topic's name (a single answer longer than a message is cut by Split).
func (r Renderer) topicBlocks(lang string, t dialog.SummaryTopic) []string {
	whole := r.handoffTopic(lang, t)
	if render.Len(whole) <= render.MaxMessageLen-200 {
		return []string{whole}
	}
	var out []string
	part := dialog.SummaryTopic{Topic: t.Topic}
	for _, it := range t.Items {
		next := part
		next.Items = append(slices.Clone(part.Items), it)
		if len(part.Items) > 0 && render.Len(r.handoffTopic(lang, next)) > render.MaxMessageLen-200 {
			out = append(out, r.handoffTopic(lang, part))
			next.Items = []dialog.SummaryItem{it}
		}
		part = next
	}
	return append(out, r.handoffTopic(lang, part))
}

// handoffTopic renders one topic: its name in bold, then each question's
// short label with the answer, a list as bullets.
func (r Renderer) handoffTopic(lang string, t dialog.SummaryTopic) string {
	var b strings.Builder
	b.WriteString("<b>" + r.Text(lang, t.Topic) + "</b>")
	for _, it := range t.Items {
		b.WriteString("\n<i>" + r.Text(lang, it.Label) + "</i>:")
		switch {
		case it.Open:
			b.WriteString(" -")
		case it.Skipped:
			for _, v := range it.Values {
				b.WriteString(" <i>" + r.Text(lang, v) + "</i>")
			}
		case len(it.Values) > 1:
			for _, v := range it.Values {
				b.WriteString("\n• " + r.Text(lang, v))
			}
		default:
			for _, v := range it.Values {
				b.WriteString(" " + r.Text(lang, v))
			}
		}
	}
	return b.String()
}

func (r Renderer) handoffSkipped(lang string, sum dialog.Summary) string {
	var b strings.Builder
	b.WriteString("<b>" + r.Text(lang, dialog.T("summary.skipped_title")) + "</b>")
	if len(sum.Skipped) == 0 {
		b.WriteString("\n" + r.Text(lang, dialog.T("summary.none_skipped")))
	}
	for _, it := range sum.Skipped {
		b.WriteString("\n• " + r.Text(lang, it.Label))
		for _, n := range keptNotes(it) {
			b.WriteString("\n  " + r.Text(lang, n))
		}
	}
	return b.String()
}

// handoffCSS is the whole style of the document: no external resources.
const handoffCSS = `:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; font-size: 11pt; line-height: 1.45; color: #111; background: #fff; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6em; margin: 0 0 .2em; }
h2 { font-size: 1.15em; margin: 1.6em 0 .5em; padding-bottom: .15em; border-bottom: 1px solid #888; }
.confidential { font-size: .9em; font-weight: bold; color: #444; margin: 0 0 1em; }
.flags { border: 2px solid #a00; border-radius: 4px; padding: .5em 1em; margin: 1em 0; }
.flags h2 { color: #a00; border: 0; margin: 0 0 .3em; padding: 0; }
.flags ul { margin: 0; padding-inline-start: 1.2em; }
.flags li { font-weight: bold; }
.facts { list-style: none; margin: 1em 0; padding: 0; }
dl { margin: 0; }
dt { font-weight: bold; margin-top: .7em; }
dd { margin: .15em 0 0; }
dd ul { margin: 0; padding-inline-start: 1.2em; }
.answer { white-space: pre-wrap; overflow-wrap: anywhere; }
.skipped { font-style: italic; color: #555; }
footer { margin-top: 2.5em; padding-top: .5em; border-top: 1px solid #888; font-size: .9em; font-weight: bold; color: #444; }
@page { margin: 2cm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; }
  h1, h2, dt { break-after: avoid; page-break-after: avoid; }
  .flags, .facts { break-inside: avoid; page-break-inside: avoid; }
  .answer { orphans: 3; widows: 3; }
  .flags { border-color: #000; }
  .flags h2 { color: #000; }
}
`

// Document renders an intake as a self-contained, printable HTML5
// document (written well-formed, so an XML parser can check it too) for the dossier, in the director's language lang: the same
// header, flags, topics and skipped questions as Messages, with a
// confidentiality line. It loads nothing and runs nothing: inline CSS, no
// scripts, and a Content-Security-Policy that forbids both. Every text is
// escaped; each answer has dir="auto", so a right-to-left answer reads
// right. filename is "intake-<date>-<first name>.html" in [a-z0-9.-] only
// (see handoffFilename).
func (r Renderer) Document(lang string, v View) (filename string, doc []byte) {
	// Locale texts are Telegram HTML: their plain text, escaped for HTML.
	// The elements carry their own direction (dir), so the isolates of
	// the Telegram texts go.
	plain := func(s string) string { return html.EscapeString(render.PlainText(render.StripIsolates(s))) }
	// A person's text of several lines starts on a line of its own in a
	// message (render.UserText); in the document it starts the answer.
	text := func(t dialog.Text) string { return plain(strings.TrimPrefix(r.Text(lang, t), "\n")) }
	f := r.handoffFacts(lang, v)

	name := plain(f.name)
	nameAttr := ` dir="auto"`
	if name == "" {
		name, nameAttr = plain(f.noName), ""
	}
	confidential := text(dialog.T("handoff.confidential"))

	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n")
	dir := "ltr"
	if render.RightToLeft(lang) {
		dir = "rtl"
	}
	b.WriteString(`<html lang="` + html.EscapeString(lang) + `" dir="` + dir + `">` + "\n")
	b.WriteString("<head>\n")
	b.WriteString(`<meta charset="utf-8" />` + "\n")
	b.WriteString(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'" />` + "\n")
	b.WriteString(`<meta name="viewport" content="width=device-width, initial-scale=1" />` + "\n")
	b.WriteString(`<meta name="robots" content="noindex, nofollow" />` + "\n")
	b.WriteString("<title>" + plain(f.title) + " — " + name + "</title>\n")
	b.WriteString("<style>\n" + handoffCSS + "</style>\n")
	b.WriteString("</head>\n<body>\n<header>\n")
	b.WriteString("<h1>" + plain(f.title) + "</h1>\n")
	b.WriteString(`<p class="confidential">` + confidential + "</p>\n")
	if len(f.flags) > 0 {
		b.WriteString(`<section class="flags">` + "\n")
		b.WriteString("<h2>" + plain(f.flagsTitle) + "</h2>\n<ul>\n")
		for _, fl := range f.flags {
			b.WriteString("<li>" + plain(fl) + "</li>\n")
		}
		b.WriteString("</ul>\n</section>\n")
	}
	b.WriteString(`<ul class="facts">` + "\n")
	b.WriteString("<li>" + plain(f.nameLabel) + ": <span" + nameAttr + ">" + name + "</span></li>\n")
	b.WriteString("<li>" + plain(f.ageLabel) + ": " + plain(f.age) + "</li>\n")
	if f.date != "" {
		b.WriteString("<li>" + plain(f.date) + "</li>\n")
	}
	b.WriteString(`<li class="language">` + plain(f.language) + "</li>\n")
	b.WriteString("</ul>\n</header>\n<main>\n")

	for _, t := range r.DirectorTopics(lang, v) {
		b.WriteString("<section>\n<h2>" + text(t.Topic) + "</h2>\n<dl>\n")
		for _, it := range t.Items {
			b.WriteString("<dt>" + text(it.Label) + "</dt>\n")
			switch {
			case it.Open:
				b.WriteString(`<dd class="skipped">-</dd>` + "\n")
			case it.Skipped:
				vals := make([]string, len(it.Values))
				for i, val := range it.Values {
					vals[i] = text(val)
				}
				b.WriteString(`<dd class="skipped">` + strings.Join(vals, " ") + "</dd>\n")
			case len(it.Values) > 1:
				b.WriteString(`<dd dir="auto"><ul>` + "\n")
				for _, val := range it.Values {
					b.WriteString(`<li class="answer" dir="auto">` + text(val) + "</li>\n")
				}
				b.WriteString("</ul></dd>\n")
			default:
				vals := make([]string, len(it.Values))
				for i, val := range it.Values {
					vals[i] = text(val)
				}
				b.WriteString(`<dd class="answer" dir="auto">` + strings.Join(vals, " ") + "</dd>\n")
			}
		}
		b.WriteString("</dl>\n</section>\n")
	}

	b.WriteString("<section>\n<h2>" + text(dialog.T("summary.skipped_title")) + "</h2>\n")
	if len(v.Summary.Skipped) == 0 {
		b.WriteString("<p>" + text(dialog.T("summary.none_skipped")) + "</p>\n")
	} else {
		b.WriteString("<ul>\n")
		for _, it := range v.Summary.Skipped {
			b.WriteString("<li>" + text(it.Label))
			for _, n := range keptNotes(it) {
				b.WriteString("<br>" + text(n))
			}
			b.WriteString("</li>\n")
		}
		b.WriteString("</ul>\n")
	}
	b.WriteString("</section>\n</main>\n")
	b.WriteString("<footer>\n<p>" + confidential + "</p>\n</footer>\n")
	b.WriteString("</body>\n</html>\n")
	return r.handoffFilename(v), []byte(b.String())
}

// Caption is the caption of the Document when
// it is sent to the director: what it is and that it is confidential, as
// Telegram HTML (well under Telegram's 1,024 characters for a caption).
func (r Renderer) Caption(lang string) string {
	return r.Text(lang, dialog.T("handoff.document_caption")) + "\n<i>" + r.Text(lang, dialog.T("handoff.confidential")) + "</i>"
}

// handoffFilename is "intake-<date>-<who>.html": the date the intake was
// sent (or started), who by first name, else by 8 hex digits of a hash of
// the case key, all in [a-z0-9-]. The case key is the young person's
// Telegram chat ID, which a file kept in a dossier should not show.
func (r Renderer) handoffFilename(v View) string {
	parts := []string{"intake"}
	at := v.Summary.Submitted
	if at.IsZero() {
		at = v.Summary.Started
	}
	if !at.IsZero() {
		if r.Loc != nil {
			at = at.In(r.Loc)
		}
		parts = append(parts, at.Format(time.DateOnly))
	}
	who := slug(v.Case.FirstName)
	if who == "" && v.Case.Key != "" {
		sum := sha256.Sum256([]byte("intake-case:" + v.Case.Key))
		who = hex.EncodeToString(sum[:4])
	}
	if who != "" {
		parts = append(parts, who)
	}
	return strings.Join(parts, "-") + ".html"
}

// maxSlug bounds the length of a name in a file name.
const maxSlug = 40

// slug turns s into lower-case [a-z0-9] words joined by "-", accents
// dropped ("Zoë" → "zoe"); letters without a Latin form are left out.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, c):
			continue
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		default:
			dash = b.Len() > 0
			continue
		}
		if dash && b.Len()+2 > maxSlug || b.Len()+1 > maxSlug {
			break
		}
		if dash {
			b.WriteByte('-')
			dash = false
		}
		b.WriteRune(c)
	}
	return b.String()
}

// NewRenderer renders handoffs with r.
func NewRenderer(r *render.Renderer) Renderer { return Renderer{r} }

// keptNotes are the messages the young person typed on a question that
// were kept beside it (dialog.Session.Notes): the skipped list shows them.
func keptNotes(it dialog.SummaryItem) []dialog.Text {
	var out []dialog.Text
	for _, v := range it.Values {
		if v.ID == "answer.note" {
			out = append(out, v)
		}
	}
	return out
}
