package staff

import (
	"context"
	"errors"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/team"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// /cases: a director's or counsellor's young people with the status of
// their intake. Only a director (their own cases) or an admin may open a
// summary or make a link that moves an intake to a new account; a
// counsellor sees the status of the young people they invited, never what
// they wrote.

// maxCasesShown bounds the list, and so its keyboard, newest first.
const maxCasesShown = 30

func (b *Office) Caseload(ctx context.Context, a chat.Actor) error {
	cases, err := b.o.Cases.CasesOf(ctx, a.ID)
	if err != nil {
		return err
	}
	invites, err := b.pendingInvites(ctx, a)
	if err != nil {
		return err
	}
	var lines []dialog.Text
	for _, l := range invites {
		lines = append(lines, dialog.T("cases.invited", "Who", team.Who(l.FirstName), "Date", l.Expires))
	}
	var rows [][]dialog.Button
	for i, c := range cases {
		if i == maxCasesShown {
			lines = append(lines, dialog.T("cases.more", "N", maxCasesShown))
			break
		}
		n := i + 1
		status, submitted, err := b.caseStatus(ctx, c, n)
		if err != nil {
			return err
		}
		lines = append(lines, status)
		var row []dialog.Button
		if submitted {
			// Both views of the support, side by side.
			if s, found, err := b.o.Sessions.Load(ctx, c.Key); err == nil && found {
				if l, ok := b.viewsLine(c, s); ok {
					lines = append(lines, l)
				}
			}
			row = append(row, dialog.Button{Label: dialog.T("cases.btn_view", "N", n), Data: chat.ButtonData(chat.ActProView, "0:"+c.Key)})
		}
		if rem, err := b.o.Reminders.StatusOf(ctx, c.Key); err != nil {
			return err
		} else if rem.ID != "" {
			lines = append(lines, rem)
		}
		if !a.Director() {
			if len(row) > 0 {
				rows = append(rows, row)
			}
			continue
		}
		if submitted {
			row = append(row, dialog.Button{Label: dialog.T("cases.btn_open", "N", n), Data: chat.ButtonData(chat.ActOpenSummary, c.Key)})
		}
		row = append(row, dialog.Button{Label: dialog.T("cases.btn_link", "N", n), Data: chat.ButtonData(chat.ActNewLink, c.Key)})
		if len(row) > 0 {
			rows = append(rows, row)
		}
	}
	if len(lines) == 0 {
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("cases.none"))
		return nil
	}
	body := b.o.Renderer.Join(a.Lang, "", dialog.T("cases.title")) + "\n\n" + b.o.Renderer.Join(a.Lang, "\n", lines...)
	b.out.SayHTML(ctx, a.ID, a.Lang, rows, body, false)
	return nil
}

// pendingInvites are the invites not opened yet that a director will get
// or a counsellor made; links that move an intake are not invitations.
func (b *Office) pendingInvites(ctx context.Context, a chat.Actor) ([]domain.Link, error) {
	var directors []int64
	if a.Director() {
		directors = []int64{a.ID}
	} else {
		ds, err := b.directors(ctx)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			directors = append(directors, d.UserID)
		}
	}
	var out []domain.Link
	for _, d := range directors {
		links, err := b.o.Links.PendingInvites(ctx, d)
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			if l.CaseKey == "" && (a.Director() || l.Counsellor == a.ID) {
				out = append(out, l)
			}
		}
	}
	return out, nil
}

// caseStatus is the line of case number n, and whether its intake was
// sent.
func (b *Office) caseStatus(ctx context.Context, c domain.Case, n int) (dialog.Text, bool, error) {
	s, found, err := b.o.Sessions.Load(ctx, c.Key)
	if errors.Is(err, domain.ErrUnreadable) {
		// One intake that does not open never hides the others; it is
		// set aside when the young person writes next.
		b.o.Metrics.SkippedRecords.Add(1)
		found, err = false, nil
	}
	if err != nil {
		return dialog.Text{}, false, err
	}
	name := team.Who(c.FirstName)
	switch {
	case !c.Acknowledged.IsZero():
		return dialog.T("cases.acknowledged", "N", n, "Who", name, "Date", c.Acknowledged), true, nil
	case !c.Delivered.IsZero():
		return dialog.T("cases.delivered", "N", n, "Who", name, "Date", c.Delivered), true, nil
	case found && s.State == dialog.StateSubmitted:
		return dialog.T("cases.delivered", "N", n, "Who", name, "Date", s.Submitted), true, nil
	case !found || s.State == dialog.StateNew || s.State == dialog.StateConsent || s.State == dialog.StateAge || s.State == dialog.StateWelcome:
		return dialog.T("cases.not_started", "N", n, "Who", name, "Date", c.Linked), false, nil
	}
	done, total := b.o.Engine.Flow.Progress(s)
	return dialog.T("cases.in_progress", "N", n, "Who", name, "Value", done, "Max", total, "Date", s.Updated), false, nil
}

// CaseButton handles the buttons about one case: acknowledge, open the
// summary, a link to a new account. Only the case's director and admins
// may press them; anyone else gets a refusal and nothing happens.
func (b *Office) CaseButton(ctx context.Context, in chat.Request, a chat.Actor, act, key string) (dialog.Text, error) {
	if !a.Admin && !a.Director() {
		return b.refused(in, a), nil
	}
	c, found, err := b.caseOf(ctx, key)
	if err != nil {
		return dialog.Text{}, err
	}
	if !found {
		return dialog.T("staff.gone"), nil
	}
	if !a.Admin && c.Director != a.ID {
		return b.refused(in, a), nil
	}
	switch act {
	case chat.ActAcknowledge:
		return b.o.Handoff.Acknowledge(ctx, in, a, c)
	case chat.ActOpenSummary:
		return b.openSummary(ctx, a, c)
	}
	return b.newLink(ctx, a, c)
}

// openSummary sends the intake again to the director or admin who asked.
func (b *Office) openSummary(ctx context.Context, a chat.Actor, c domain.Case) (dialog.Text, error) {
	s, found, err := b.o.Sessions.Load(ctx, c.Key)
	if err != nil {
		return dialog.Text{}, err
	}
	if !found || s.State != dialog.StateSubmitted {
		return dialog.T("cases.not_sent"), nil
	}
	b.auditor.Record(ctx, a.ID, "summary.opened", c.Key)
	b.o.Log.Info("summary opened", "case", b.pseudo.Of(chat.ParseSessionKey(c.Key)), "by", b.pseudo.Of(a.ID))
	b.o.Handoff.SendSummary(ctx, a.ID, a.Lang, c, s)
	return dialog.Text{}, nil
}

// newLink makes a link that moves the intake to the account that opens it.
func (b *Office) newLink(ctx context.Context, a chat.Actor, c domain.Case) (dialog.Text, error) {
	now := b.o.Now()
	l := domain.Link{
		Kind: domain.LinkInvite, CreatedBy: a.ID, Director: c.Director, Counsellor: c.Counsellor,
		FirstName: c.FirstName, Note: c.Note, CaseKey: c.Key, Created: now, Expires: now.Add(b.o.InviteTTL),
	}
	token, err := b.o.Links.CreateLink(ctx, l)
	if err != nil {
		return dialog.Text{}, err
	}
	b.auditor.Record(ctx, a.ID, "case.relink_created", c.Key)
	b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("cases.new_link", "Who", team.Who(c.FirstName), "Link", b.startLink(token), "Date", l.Expires))
	return dialog.Text{}, nil
}
