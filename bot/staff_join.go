package bot

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Becoming staff: the opener of a staff link gives their name and is a
// director or counsellor under that name from then on.

// openStaffLink asks the opener of a staff link for their name; People
// keeps the link for an hour meanwhile.
func (b *Bot) openStaffLink(ctx context.Context, a actor, l domain.Link) error {
	if l.Role != domain.RoleDirector && l.Role != domain.RoleCounsellor {
		b.say(ctx, a.id, a.lang, nil, dialog.T("link.invalid"))
		return nil
	}
	// A young person's own account does not become a staff account: the
	// two would mix.
	if _, found, err := b.o.Store.Load(ctx, sessionKey(a.id)); err != nil {
		return err
	} else if found {
		b.say(ctx, a.id, a.lang, nil, dialog.T("staff.link_has_intake"))
		return nil
	}
	if err := b.o.People.SetPendingStaff(ctx, a.id, l); err != nil {
		return err
	}
	b.say(ctx, a.id, a.lang, nil, dialog.T("staff.ask_name", "Role", roleText(l.Role)))
	return nil
}

// takeName makes the sender a staff member under the name they wrote.
func (b *Bot) takeName(ctx context.Context, in incoming, a actor, l domain.Link) error {
	name := strings.Join(strings.Fields(in.ev.Text), " ")
	if name == "" || utf8.RuneCountInString(name) > maxNameRunes || strings.Contains(in.ev.Text, "\n") {
		if err := b.o.People.SetPendingStaff(ctx, a.id, l); err != nil {
			return err
		}
		b.say(ctx, a.id, a.lang, nil, dialog.T("staff.name_invalid"))
		return nil
	}
	m := domain.StaffMember{UserID: a.id, Role: l.Role, Name: name, Lang: in.ev.Lang, Added: b.o.Now(), AddedBy: l.CreatedBy}
	if err := b.o.People.AddStaff(ctx, m); err != nil {
		// Keep the link, so that the name sent again works.
		if perr := b.o.People.SetPendingStaff(ctx, a.id, l); perr != nil {
			b.o.Log.Error("can't keep a staff link pending", "err", perr)
		}
		return err
	}
	b.audit(ctx, a.id, "staff.added", "")
	b.o.Log.Info("staff member added", "staff", b.pseudonym(a.id), "role", string(m.Role))
	a.isMember, a.member, a.lang = true, m, b.staffLang(m)
	b.setStaffMenu(ctx, a.id, a.lang, a.admin, m.Role)
	b.staffHelp(ctx, a.id, a, dialog.T("staff.welcome", "Name", name, "Role", roleText(m.Role)))
	if l.CreatedBy != 0 && l.CreatedBy != a.id {
		lang := b.o.Engine.MatchLanguage("")
		if creator, ok, err := b.o.People.Staff(ctx, l.CreatedBy); err == nil && ok {
			lang = b.staffLang(creator)
		}
		b.say(ctx, l.CreatedBy, lang, nil, dialog.T("staff.added_notice", "Name", name, "Role", roleText(m.Role)))
	}
	return nil
}
