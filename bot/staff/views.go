package staff

import (
	"context"
	"strconv"
	"strings"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// The professional's view (topic 2): the case's director, or the
// counsellor who invited the young person, records how intensive they
// think the support should be, on the young person's scale
// (dialog.Flow.ProView). It stands beside the young person's own view in
// /cases and the summary; a gap of ViewGap steps or more is flagged. The
// young person is never asked.

// ViewGap is the difference between the two views that is flagged.
const ViewGap = 2

// viewPrompt is the question to a professional with a button for each
// step of the scale, for case key; nil when the flow has no such scale.
func viewPrompt(f *dialog.Flow, key string) (dialog.Text, [][]dialog.Button) {
	q, ok := f.Question(f.ProView)
	if !ok || q.Kind != dialog.KindScale {
		return dialog.Text{}, nil
	}
	var row []dialog.Button
	for n := q.Min; n <= q.Max; n++ {
		row = append(row, dialog.Button{Label: dialog.Raw(strconv.Itoa(n)), Data: chat.ButtonData(chat.ActProView, strconv.Itoa(n)+":"+key)})
	}
	return dialog.T("proview.prompt", "Question", dialog.T(dialog.QuestionMessageID(q.ID)), "Min", q.Min, "Max", q.Max), [][]dialog.Button{row}
}

// ViewButton records a professional's view (arg "<value>:<case key>"), or
// with value 0 asks for it. Only the case's director, the counsellor who
// invited and admins may.
func (b *Office) ViewButton(ctx context.Context, in chat.Request, a chat.Actor, _, arg string) (dialog.Text, error) {
	v, key, _ := strings.Cut(arg, ":")
	n, err := strconv.Atoi(v)
	c, found, cerr := b.o.Cases.Case(ctx, key)
	switch {
	case cerr != nil:
		return dialog.Text{}, cerr
	case err != nil || !found:
		return dialog.T("staff.gone"), nil
	case !a.Admin && c.Director != a.ID && (c.Counsellor != a.ID || a.Director()):
		return b.refused(in, a), nil
	}
	q, ok := b.o.Engine.Flow.Question(b.o.Engine.Flow.ProView)
	if n == 0 {
		text, rows := viewPrompt(b.o.Engine.Flow, key)
		b.out.Say(ctx, a.ID, a.Lang, rows, text)
		return dialog.Text{}, nil
	}
	if !ok || n < q.Min || n > q.Max {
		return dialog.T("staff.gone"), nil
	}
	now := b.o.Now()
	if _, err := b.o.Cases.ChangeCase(ctx, key, func(cur *domain.Case) bool {
		cur.ProView, cur.ProViewBy, cur.ProViewAt = n, a.ID, now
		return true
	}); err != nil {
		return dialog.Text{}, err
	}
	b.auditor.Record(ctx, a.ID, "case.view_recorded", key)
	b.out.Edit(ctx, in, a.Lang, nil, dialog.T("proview.saved", "Value", n, "Max", q.Max))
	return dialog.Text{}, nil
}

// viewsLine is the two views of a case side by side, flagged when they are
// ViewGap or more apart; false when the professional gave none.
func (b *Office) viewsLine(c domain.Case, s dialog.Session) (dialog.Text, bool) {
	q, ok := b.o.Engine.Flow.Question(b.o.Engine.Flow.ProView)
	if !ok || c.ProView == 0 {
		return dialog.Text{}, false
	}
	young := "?"
	a, answered := s.Answers[q.ID]
	if answered && !a.Skipped {
		young = strconv.Itoa(a.Scale)
	}
	gap := answered && !a.Skipped && (a.Scale-c.ProView >= ViewGap || c.ProView-a.Scale >= ViewGap)
	return dialog.T("cases.views", "Young", young, "Pro", c.ProView, "Max", q.Max, "Gap", gap), true
}
