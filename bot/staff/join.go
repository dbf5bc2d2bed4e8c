package staff

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/intakebot/intakebot/bot/chat"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Becoming staff: the opener of a staff link gives their name and is a
// director or counsellor under that name from then on.

// openStaffLink asks the opener of a staff link for their name; People
// keeps the link for an hour meanwhile.
func (b *Office) openStaffLink(ctx context.Context, a chat.Actor, l domain.Link) error {
	if l.Role != domain.RoleDirector && l.Role != domain.RoleCounsellor {
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("link.invalid"))
		return nil
	}
	// A young person's own account does not become a staff account: the
	// two would mix.
	if _, found, err := b.o.Sessions.Load(ctx, chat.SessionKey(a.ID)); err != nil {
		return err
	} else if found {
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("staff.link_has_intake"))
		return nil
	}
	if err := b.o.Staff.SetPendingStaff(ctx, a.ID, l); err != nil {
		return err
	}
	b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("staff.ask_name", "Role", chat.RoleText(l.Role)))
	return nil
}

// takeName makes the sender a staff member under the name they wrote.
func (b *Office) takeName(ctx context.Context, in chat.Request, a chat.Actor, l domain.Link) error {
	name := strings.Join(strings.Fields(in.Event.Text), " ")
	if name == "" || utf8.RuneCountInString(name) > maxNameRunes || strings.Contains(in.Event.Text, "\n") {
		if err := b.o.Staff.SetPendingStaff(ctx, a.ID, l); err != nil {
			return err
		}
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("staff.name_invalid"))
		return nil
	}
	m := domain.StaffMember{UserID: a.ID, Role: l.Role, Name: name, Lang: in.Event.Lang, Added: b.o.Now(), AddedBy: l.CreatedBy}
	if err := b.o.Staff.AddStaff(ctx, m); err != nil {
		// Keep the link, so that the name sent again works.
		if perr := b.o.Staff.SetPendingStaff(ctx, a.ID, l); perr != nil {
			b.o.Log.Error("can't keep a staff link pending", "err", perr)
		}
		return err
	}
	b.auditor.Record(ctx, a.ID, "staff.added", "")
	b.o.Log.Info("staff member added", "staff", b.pseudo.Of(a.ID), "role", string(m.Role))
	a.Member, a.Staff, a.Lang = true, m, b.o.Dir.LangOf(m)
	b.SetStaffMenu(ctx, a.ID, a.Lang, a.Admin, m.Role)
	b.staffHelp(ctx, a, dialog.T("staff.welcome", "Name", name, "Role", chat.RoleText(m.Role)))
	if l.CreatedBy != 0 && l.CreatedBy != a.ID {
		lang := b.o.Engine.MatchLanguage("")
		if creator, ok, err := b.o.Staff.Staff(ctx, l.CreatedBy); err == nil && ok {
			lang = b.o.Dir.LangOf(creator)
		}
		b.out.Say(ctx, l.CreatedBy, lang, nil, dialog.T("staff.added_notice", "Name", name, "Role", chat.RoleText(m.Role)))
	}
	return nil
}
