package privacy

import (
	"context"
	"slices"
	"strings"

	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/dialog"
)

// Checkins keeps the weekly check-in sessions (the reminders room's
// CheckinStore): /mydata shows the one stored.
type Checkins interface {
	LoadFresh(ctx context.Context, key string) (s dialog.Session, found bool, err error)
}

// checkinFor loads the young person's check-in, past any cache; nil when
// there is none.
func (p *Privacy) checkinFor(ctx context.Context, key string) (*dialog.Session, error) {
	s, found, err := p.o.Checkins.LoadFresh(ctx, key)
	if err != nil || !found || s.State == dialog.StateNew {
		return nil, err
	}
	return &s, nil
}

// withCheckin adds the check-in's section at the end of the export doc.
func (p *Privacy) withCheckin(doc []byte, lang string, s *dialog.Session) []byte {
	var w strings.Builder
	p.exportCheckin(&w, lang, s)
	return append(doc, w.String()...)
}

// exportCheckin writes the stored check-in: under way (not sent, its
// answers so far and a message kept after a pause) or sent to the
// counsellor and the director, with what was sent. Only the latest
// check-in is stored (the next one starts over), which the text says.
func (p *Privacy) exportCheckin(w *strings.Builder, lang string, s *dialog.Session) {
	if s == nil {
		return
	}
	plain := func(t dialog.Text) string { return strings.TrimSpace(render.PlainText(p.o.Renderer.Text(lang, t))) }
	title := plain(dialog.T("checkin.mydata.title"))
	w.WriteString("\n" + title + "\n" + strings.Repeat("=", len([]rune(title))) + "\n")
	if s.State == dialog.StateSubmitted {
		w.WriteString(plain(dialog.T("checkin.mydata.sent", "Date", s.Submitted)) + "\n")
	} else {
		w.WriteString(plain(dialog.T("checkin.mydata.open")) + "\n")
	}
	for _, q := range p.o.CheckinFlow.Questions {
		a, ok := s.Answers[q.ID]
		if !ok {
			continue
		}
		w.WriteString("\n" + plain(dialog.T(dialog.QuestionMessageID(q.ID))) + "\n")
		for _, v := range exportValues(&q, a) {
			w.WriteString("  " + indent(plain(v)) + "\n")
		}
	}
	if draft := slices.DeleteFunc(append(slices.Clone(s.Draft), s.Pending), func(d string) bool { return d == "" }); len(draft) > 0 {
		w.WriteString("\n" + plain(dialog.T("mydata.draft")) + "\n")
		for _, d := range draft {
			w.WriteString("  " + indent(d) + "\n")
		}
	}
	if len(s.Signals) > 0 {
		// When and where, as for the intake; never what was said.
		w.WriteString("\n" + plain(dialog.T("mydata.signals")) + "\n")
		for _, sg := range s.Signals {
			id := "mydata.signal"
			if sg.Quiet {
				id = "mydata.signal_quiet"
			}
			w.WriteString("- " + plain(dialog.T(id, "Date", sg.At, "Where", dialog.SignalWhere(p.o.CheckinFlow, sg.Source))) + "\n")
		}
	}
	w.WriteString("\n" + plain(dialog.T("checkin.mydata.kept", "Value", days(p.o.IdleTTL))) + "\n")
}
