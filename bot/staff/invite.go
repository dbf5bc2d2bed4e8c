package staff

import (
	"context"
	"strconv"
	"strings"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/team"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// /invite: a director or counsellor makes a single-use link for a young
// person. A counsellor first picks the director; meanwhile People keeps
// the unfinished invite for an hour (the slot a staff link uses while its
// opener gives their name: a staff member never has one of those).

// Invite handles "/invite [first name] [note]"; the caller checked the
// role.
func (b *Office) Invite(ctx context.Context, a chat.Actor, arg string) error {
	first, note := splitInviteArg(arg)
	l := domain.Link{Kind: domain.LinkInvite, CreatedBy: a.ID, FirstName: first, Note: note}
	if a.Director() {
		l.Director = a.ID
		return b.createInvite(ctx, a, nil, l, a.Staff.Name)
	}
	directors, err := b.directors(ctx)
	if err != nil {
		return err
	}
	if len(directors) == 0 {
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("invite.no_directors"))
		return nil
	}
	l.Counsellor = a.ID
	if err := b.o.Staff.SetPendingStaff(ctx, a.ID, l); err != nil {
		return err
	}
	rows := make([][]dialog.Button, 0, len(directors))
	for _, d := range directors {
		rows = append(rows, []dialog.Button{rawButton("👤 ", d.Name, chat.ButtonData(chat.ActInviteFor, strconv.FormatInt(d.UserID, 10)))})
	}
	b.out.Say(ctx, a.ID, a.Lang, rows, dialog.T("invite.choose_director", "Who", team.Who(first)))
	return nil
}

// InviteFor finishes a counsellor's invite for the director they chose;
// the caller checked that the actor is a counsellor.
func (b *Office) InviteFor(ctx context.Context, in chat.Request, a chat.Actor, arg string) (dialog.Text, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return dialog.T("staff.gone"), nil
	}
	dir, ok, err := b.member(ctx, id)
	if err != nil {
		return dialog.Text{}, err
	}
	if !ok || dir.Role != domain.RoleDirector {
		return dialog.T("invite.director_gone"), nil
	}
	l, ok, err := b.o.Staff.TakePendingStaff(ctx, a.ID)
	if err != nil {
		return dialog.Text{}, err
	}
	if !ok || l.Kind != domain.LinkInvite || l.Counsellor != a.ID {
		b.out.Edit(ctx, in, a.Lang, nil, dialog.T("invite.expired"))
		return dialog.Text{}, nil
	}
	l.Director = id
	return dialog.Text{}, b.createInvite(ctx, a, &in, l, dir.Name)
}

// createInvite stores the invite and shows its link; in, when not nil, is
// the press whose message the link replaces.
func (b *Office) createInvite(ctx context.Context, a chat.Actor, in *chat.Request, l domain.Link, directorName string) error {
	now := b.o.Now()
	l.Created, l.Expires = now, now.Add(b.o.InviteTTL)
	token, err := b.o.Links.CreateLink(ctx, l)
	if err != nil {
		return err
	}
	b.auditor.Record(ctx, a.ID, "invite.created", "")
	text := dialog.T("invite.created", "Who", team.Who(l.FirstName), "Name", directorName, "Link", b.startLink(token), "Date", l.Expires)
	if in != nil {
		b.out.Edit(ctx, *in, a.Lang, nil, text)
	} else {
		b.out.Say(ctx, a.ID, a.Lang, nil, text)
	}
	return nil
}

// directors lists the staff members who are directors.
func (b *Office) directors(ctx context.Context) ([]domain.StaffMember, error) {
	staff, err := b.o.Staff.ListStaff(ctx)
	if err != nil {
		return nil, err
	}
	var out []domain.StaffMember
	for _, m := range staff {
		if m.Role == domain.RoleDirector {
			out = append(out, m)
		}
	}
	return out, nil
}

// splitInviteArg reads "/invite Sam zus van Noor": the first word is the
// first name, the rest a note, both for the staff's own overview.
func splitInviteArg(arg string) (first, note string) {
	fields := strings.Fields(arg)
	if len(fields) == 0 {
		return "", ""
	}
	return cut(fields[0], maxFirstNameRunes), cut(strings.Join(fields[1:], " "), maxNoteRunes)
}

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
