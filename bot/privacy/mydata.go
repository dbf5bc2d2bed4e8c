package privacy

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/render"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// /mydata: the young person gets everything the bot stores about them as
// a plain UTF-8 text file in their language (the right of access): their
// answers with the questions, including answers the flow no longer uses
// and unfinished lists, the dates and status of their intake, their
// director, the dates of the handoff, the first name and note of their
// invite, when and where they signalled acute risk, how long it is kept
// and how to erase it. The file name gives
// nothing away. Every export is audited, without content.

// MyData is /mydata: it sends the export, or says that nothing is stored.
func (p *Privacy) MyData(ctx context.Context, in chat.Request, _ chat.Actor) error {
	key := chat.SessionKey(in.Chat)
	if staff, lang, err := p.isStaff(ctx, in); err != nil || staff {
		if staff {
			p.out.Say(ctx, in.Chat, lang, nil, dialog.T("privacy.staff"))
		}
		return err
	}
	st, err := p.storedFor(ctx, in)
	if err != nil {
		return err
	}
	s, found, c, hasCase, lang := st.s, st.found, st.c, st.hasCase, st.lang
	if st.nothing() {
		p.out.Say(ctx, in.Chat, lang, nil, dialog.T("mydata.nothing"))
		// Nothing is kept about someone without an intake, not even this.
		p.DropTrail(ctx, in.Chat)
		return nil
	}
	director := s.DirectorName
	if director == "" && hasCase {
		if m, ok, err := p.o.Dir.Staff.Staff(ctx, c.Director); err == nil && ok {
			director = m.Name
		}
	}
	var sp *dialog.Session
	if found {
		sp = &s
	}
	var cp *domain.Case
	if hasCase {
		cp = &c
	}
	reminders, err := p.reminderLines(ctx, lang, key)
	if err != nil {
		return err
	}
	doc := p.dataExport(lang, sp, cp, director, reminders)
	// The weekly check-in, stored apart (mydata_checkin.go).
	ck, err := p.checkinFor(ctx, key)
	if err != nil {
		return err
	}
	doc = p.withCheckin(doc, lang, ck)
	name := render.PlainText(p.o.Renderer.Text(lang, dialog.T("mydata.filename")))
	caption := p.o.Renderer.Text(lang, dialog.T("mydata.caption"))
	if !p.out.SendDocument(ctx, in.Chat, name, doc, caption) {
		p.out.Say(ctx, in.Chat, lang, nil, dialog.T("error.sorry"))
		return nil
	}
	p.auditor.Record(ctx, 0, "data.exported", key)
	p.o.Log.Info("data exported to the young person", "chat", p.pseudo.Of(in.Chat))
	return nil
}

// dataExport renders the export as plain text in lang. s or c may be nil.
func (p *Privacy) dataExport(lang string, s *dialog.Session, c *domain.Case, director string, reminders []string) []byte {
	r := p.o.Renderer
	// Locale texts are Telegram HTML; the person's words are escaped by
	// the renderer: PlainText gives back both as a person reads them.
	text := func(id string, kv ...any) string {
		return strings.TrimSpace(render.PlainText(r.Text(lang, dialog.T(id, kv...))))
	}
	var w strings.Builder
	line := func(s string) { w.WriteString(s + "\n") }
	heading := func(s string) { line(""); line(s); line(strings.Repeat("=", len([]rune(s)))) }

	line(text("mydata.title"))
	line(text("mydata.made", "Date", p.o.Now()))
	line("")
	line(text("mydata.intro"))

	if s != nil {
		heading(text("mydata.about"))
		line(text("mydata.status", "Value", dialog.T(stateID(s, c))))
		if s.Lang != "" {
			line(text("mydata.language", "Language", dialog.Text{ID: "language.name", Lang: s.Lang}))
		}
		if !s.Consented.IsZero() {
			line(text("mydata.consented", "Date", s.Consented))
		}
		if s.Age != "" {
			var age any = s.Age
			if slices.Contains(dialog.AgeBrackets, s.Age) {
				age = dialog.T("age." + s.Age)
			}
			line(text("mydata.age", "Value", age))
		}
		if !s.Started.IsZero() {
			line(text("mydata.started", "Date", s.Started))
		}
		if !s.Updated.IsZero() {
			line(text("mydata.updated", "Date", s.Updated))
		}
		if !s.Submitted.IsZero() {
			line(text("mydata.submitted", "Date", s.Submitted))
		}
	}
	if director != "" || c != nil {
		heading(text("mydata.case"))
		if director != "" {
			line(text("mydata.director", "Name", director))
		}
		if c != nil {
			if !c.Linked.IsZero() {
				line(text("mydata.linked", "Date", c.Linked))
			}
			if !c.Delivered.IsZero() {
				line(text("mydata.delivered", "Date", c.Delivered))
			}
			if !c.Acknowledged.IsZero() {
				line(text("mydata.acknowledged", "Date", c.Acknowledged))
			}
			if c.FirstName != "" {
				line(text("mydata.first_name", "Name", c.FirstName))
			}
			// The invite's note is the staff's own (README): not theirs
			// to export. Only what they gave or may see is.
		}
	}
	if s != nil {
		heading(text("mydata.answers"))
		p.exportAnswers(&w, lang, *s)
	}
	if s != nil && len(s.Signals) > 0 {
		// When and where, as the director reads them; never what was said.
		heading(text("mydata.signals"))
		line(text("mydata.signals_intro"))
		line("")
		for _, sg := range s.Signals {
			id := "mydata.signal"
			if sg.Quiet {
				id = "mydata.signal_quiet"
			}
			line("- " + text(id, "Date", sg.At, "Where", dialog.SignalWhere(p.o.Engine.Flow, sg.Source)))
		}
	}

	if len(reminders) > 0 {
		heading(text("mydata.reminders"))
		line(text("mydata.reminders_intro"))
		line("")
		for _, r := range reminders {
			line("- " + indent(r))
		}
	}

	heading(text("mydata.keep_title"))
	line(text("mydata.keep_idle", "Value", days(p.o.IdleTTL)))
	line(text("mydata.keep_ack", "Value", days(p.o.AcknowledgedTTL)))
	// Unacknowledged: the admins are told 2*AckAfter after delivery, and
	// the bot's copy goes IdleTTL after that (dueRetention).
	line(text("mydata.keep_unacked", "Value", days(p.o.IdleTTL+2*p.o.AckAfter)))
	line(text("mydata.keep_trail"))
	line("")
	line(text("mydata.erase"))
	return []byte(w.String())
}

// stateID is the message for where the intake is. A sent intake says
// whether it reached the director: a delivery may still be on its way
// (the bot tries again), and without a case there is no director to tell.
func stateID(s *dialog.Session, c *domain.Case) string {
	switch {
	case s.State != dialog.StateSubmitted || c == nil:
		return "mydata.state." + string(s.State)
	case domain.DeliveredFor(*c, *s):
		return "mydata.state.arrived"
	default:
		return "mydata.state.on_the_way"
	}
}

// exportAnswers writes every stored answer under its question, topic by
// topic in flow order, then answers to questions the flow no longer has
// and entries not finished yet.
func (p *Privacy) exportAnswers(w *strings.Builder, lang string, s dialog.Session) {
	r := p.o.Renderer
	plain := func(t dialog.Text) string { return strings.TrimSpace(render.PlainText(r.Text(lang, t))) }
	f := p.o.Engine.Flow
	n := 0
	for _, t := range f.Topics {
		first := true
		for i := range f.Questions {
			q := &f.Questions[i]
			a, ok := s.Answers[q.ID]
			if q.Topic != t.ID || !ok {
				continue
			}
			if first {
				w.WriteString("\n## " + plain(dialog.T(dialog.TopicMessageID(t.ID))) + "\n")
				first = false
			}
			n++
			w.WriteString("\n" + plain(dialog.T(dialog.QuestionMessageID(q.ID))) + "\n")
			for _, v := range exportValues(q, a) {
				w.WriteString("  " + indent(plain(v)) + "\n")
			}
		}
	}
	var gone []string
	for id := range s.Answers {
		if _, ok := f.Question(id); !ok {
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	for _, id := range gone {
		n++
		w.WriteString("\n" + plain(dialog.T("mydata.old_question", "Value", id)) + "\n")
		for _, v := range exportValues(&dialog.Question{ID: id, Kind: dialog.KindText}, s.Answers[id]) {
			w.WriteString("  " + indent(plain(v)) + "\n")
		}
	}
	// A message kept after a pause (Session.Pending) is not an answer yet:
	// it is shown with the entries not finished.
	if draft := append(slices.Clone(s.Draft), slices.DeleteFunc([]string{s.Pending}, func(p string) bool { return p == "" })...); len(draft) > 0 {
		n++
		w.WriteString("\n" + plain(dialog.T("mydata.draft")) + "\n")
		for _, d := range draft {
			w.WriteString("  " + indent(d) + "\n")
		}
	}
	// Messages kept beside a button question (Session.Notes), by question.
	for _, q := range f.Questions {
		if notes := s.Notes[q.ID]; len(notes) > 0 {
			n++
			w.WriteString("\n" + plain(dialog.T(dialog.QuestionMessageID(q.ID))) + "\n")
			for _, note := range notes {
				w.WriteString("  " + indent(plain(dialog.T("answer.note", "Note", dialog.Raw(note)))) + "\n")
			}
		}
	}
	if n == 0 {
		w.WriteString(plain(dialog.T("mydata.no_answers")) + "\n")
	}
}

// exportValues is an answer as texts: option labels, list entries, the
// scale, the text itself, or "skipped". An answer of a question whose kind
// changed shows whatever it holds.
func exportValues(q *dialog.Question, a dialog.Answer) []dialog.Text {
	if a.Skipped {
		return []dialog.Text{dialog.T("answer.skipped")}
	}
	var out []dialog.Text
	for _, c := range a.Choices {
		if slices.Contains(q.Options, c) || c == dialog.Yes || c == dialog.No {
			out = append(out, dialog.T(dialog.OptionMessageID(q.ID, c)))
		} else {
			out = append(out, dialog.Raw(c))
		}
	}
	if a.Scale != 0 {
		out = append(out, dialog.T("answer.scale", "Value", a.Scale, "Max", q.Max))
	}
	for _, it := range a.Items {
		out = append(out, dialog.Raw("- "+it))
	}
	if a.Text != "" {
		out = append(out, dialog.Raw(a.Text))
	}
	return out
}

// indent keeps the lines of a long answer under their question.
func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n  ") }

// days is a lifetime in whole days, at least 1.
func days(d time.Duration) int { return max(1, int((d+12*time.Hour)/(24*time.Hour))) }
