package staff

import (
	"context"
	"strconv"

	"github.com/intakebot/intakebot/bot/chat"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// The admin's /staff: single-use links that make their opener a director
// or counsellor, and the list of staff with a revoke button each.

// StaffOverview lists the staff, with buttons for a new link per role and
// one to revoke each member.
func (b *Office) StaffOverview(ctx context.Context, a chat.Actor) error {
	staff, err := b.o.Staff.ListStaff(ctx)
	if err != nil {
		return err
	}
	// An admin from the configuration gets their menu on first use.
	b.SetStaffMenu(ctx, a.ID, a.Lang, true, a.Staff.Role)
	var list []dialog.Text
	if len(staff) == 0 {
		list = append(list, dialog.T("staff.overview.none"))
	}
	rows := [][]dialog.Button{{
		{Label: dialog.T("btn.staff_director"), Data: chat.ButtonData(chat.ActStaffLink, string(domain.RoleDirector))},
		{Label: dialog.T("btn.staff_counsellor"), Data: chat.ButtonData(chat.ActStaffLink, string(domain.RoleCounsellor))},
	}}
	for _, m := range staff {
		list = append(list, dialog.T("staff.overview.member", "Name", m.Name, "Role", chat.RoleText(m.Role), "Date", m.Added))
		rows = append(rows, []dialog.Button{rawButton("❌ ", m.Name, chat.ButtonData(chat.ActRevokeAsk, strconv.FormatInt(m.UserID, 10)))})
	}
	body := b.o.Renderer.Join(a.Lang, "\n\n", dialog.T("staff.overview.title")) + "\n\n" +
		b.o.Renderer.Join(a.Lang, "\n", list...) + "\n\n" + b.o.Renderer.Join(a.Lang, "", dialog.T("staff.overview.hint"))
	b.out.SayHTML(ctx, a.ID, a.Lang, rows, body, false)
	return nil
}

// AdminButton handles the admin's buttons; the caller checked that
// the actor is an admin.
func (b *Office) AdminButton(ctx context.Context, in chat.Request, a chat.Actor, act, arg string) (dialog.Text, error) {
	switch act {
	case chat.ActStaffLink:
		role := domain.Role(arg)
		if role != domain.RoleDirector && role != domain.RoleCounsellor {
			return dialog.T("staff.gone"), nil
		}
		now := b.o.Now()
		expires := now.Add(b.o.StaffLinkTTL)
		token, err := b.o.Links.CreateLink(ctx, domain.Link{
			Kind: domain.LinkStaff, Role: role, CreatedBy: a.ID, Created: now, Expires: expires,
		})
		if err != nil {
			return dialog.Text{}, err
		}
		b.auditor.Record(ctx, a.ID, "staff.link_created", "")
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("staff.link_created", "Role", chat.RoleText(role), "Link", b.startLink(token), "Date", expires))
		return dialog.Text{}, nil
	case chat.ActRevokeAsk, chat.ActRevokeYes:
		id, err := strconv.ParseInt(arg, 10, 64)
		if err != nil {
			return dialog.T("staff.gone"), nil
		}
		m, ok, err := b.member(ctx, id)
		if err != nil {
			return dialog.Text{}, err
		}
		if !ok {
			b.out.Edit(ctx, in, a.Lang, nil, dialog.T("staff.revoke_none"))
			return dialog.Text{}, nil
		}
		if act == chat.ActRevokeAsk {
			b.out.Say(ctx, a.ID, a.Lang, [][]dialog.Button{
				{{Label: dialog.T("btn.staff_revoke_yes"), Data: chat.ButtonData(chat.ActRevokeYes, arg)}},
				{{Label: dialog.T("btn.staff_revoke_no"), Data: chat.ButtonData(chat.ActRevokeNo, "")}},
			}, dialog.T("staff.revoke_confirm", "Name", m.Name, "Role", chat.RoleText(m.Role)))
			return dialog.Text{}, nil
		}
		if err := b.o.Staff.RemoveStaff(ctx, id); err != nil {
			return dialog.Text{}, err
		}
		b.dropLinksOf(ctx, id)
		b.auditor.Record(ctx, a.ID, "staff.revoked", "")
		b.o.Log.Info("staff access revoked", "staff", b.pseudo.Of(id), "by", b.pseudo.Of(a.ID))
		b.clearStaffMenu(ctx, id)
		b.out.Edit(ctx, in, a.Lang, nil, dialog.T("staff.revoked", "Name", m.Name))
		return dialog.Text{}, nil
	}
	b.out.Edit(ctx, in, a.Lang, nil, dialog.T("staff.revoke_cancelled"))
	return dialog.Text{}, nil
}

// dropLinksOf deletes the links a revoked staff member made to move their
// cases to another account: they die with their access (opening one
// checks that too; an invite for a revoked director is refused when
// opened).
func (b *Office) dropLinksOf(ctx context.Context, id int64) {
	cases, err := b.o.Cases.CasesOf(ctx, id)
	for _, c := range cases {
		if err == nil {
			_, err = b.o.Links.DeleteCaseLinks(ctx, c.Key, id)
		}
	}
	if err != nil {
		b.o.Log.Warn("can't delete the links of a revoked director; they are refused when opened", "err", err)
	}
}

// startLink is the link that opens the bot with a token: Telegram sends
// the bot "/start <token>".
func (b *Office) startLink(token string) string {
	return "https://t.me/" + b.o.Username + "?start=" + token
}
