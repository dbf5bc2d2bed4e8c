package staff

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"

	"github.com/intakebot/intakebot/bot/chat"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// The audit trail records who opened or acted on which intake, and when,
// never what it says. It must not identify the young person either: an
// entry may be kept after their intake was erased (/delete, retention), so
// the case is stored as a keyed-hash pseudonym of its key, and an action of
// the young person themself has actor 0, not their Telegram ID. Only
// someone with the key can tell which case a pseudonym stands for, by
// computing the pseudonyms of the cases that still exist; /audit does
// exactly that to show an admin the first names.

// auditShown is how many entries /audit shows.
const auditShown = 30

// Actions of the trail, one name per kind of event (each has a text
// audit.action.<name>): summary.delivered (the director received it),
// summary.opened (staff opened it again), summary.acknowledged,
// summary.reminded, summary.escalated, case.linked, case.moved,
// case.relink_created, invite.created, staff.link_created, staff.added,
// staff.revoked, data.exported (/mydata), intake.withdrawn (/delete),
// intake.expired (retention), alert.raised, alert.escalated,
// alert.unanswered, alert.taken, oncall.added, oncall.removed. Actor 0 is
// the young person for their own actions (youngPersonActions), and the bot
// for the others: alert.raised too, as it follows a signal as well as /urgent.
var youngPersonActions = []string{"data.exported", "intake.withdrawn", "case.linked", "case.moved"}

// casePseudonym stands for a case (a session key) where its key must not
// be kept: the audit trail. For the usual key, the chat ID in decimal, it
// equals pseudonym of that chat, so audit entries and log lines of one
// case match. Empty for no case.
func (b *Office) casePseudonym(key string) string {
	if key == "" {
		return ""
	}
	m := hmac.New(sha256.New, b.o.PseudonymKey)
	m.Write([]byte(key))
	return hex.EncodeToString(m.Sum(nil)[:6])
}

// AuditTrail shows an admin the last entries of the audit trail, newest
// first; the caller checked that the actor is an admin.
func (b *Office) AuditTrail(ctx context.Context, a chat.Actor) error {
	entries, err := b.o.Audit.AuditLog(ctx, auditShown)
	if err != nil {
		return err
	}
	staff, err := b.o.Staff.ListStaff(ctx)
	if err != nil {
		return err
	}
	members := make(map[int64]domain.StaffMember, len(staff))
	cases := map[string]domain.Case{} // by pseudonym
	for _, m := range staff {
		members[m.UserID] = m
		if m.Role != domain.RoleDirector && m.Role != domain.RoleCounsellor {
			continue
		}
		of, err := b.o.Cases.CasesOf(ctx, m.UserID)
		if err != nil {
			return err
		}
		for _, c := range of {
			cases[b.pseudo.OfKey(c.Key)] = c
		}
	}
	b.SetStaffMenu(ctx, a.ID, a.Lang, true, a.Staff.Role)
	if len(entries) == 0 {
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("audit.title", "Count", 0), dialog.T("audit.none"))
		return nil
	}
	lines := make([]dialog.Text, 0, len(entries))
	for _, e := range entries {
		lines = append(lines, b.auditLine(a.Lang, e, members, cases))
	}
	body := b.o.Renderer.Join(a.Lang, "", dialog.T("audit.title", "Count", len(entries))) + "\n\n" + b.o.Renderer.Join(a.Lang, "\n", lines...)
	b.out.SayHTML(ctx, a.ID, a.Lang, nil, body, false)
	return nil
}

// auditLine is one entry in words: when, who, what, which case.
func (b *Office) auditLine(lang string, e domain.AuditEntry, members map[int64]domain.StaffMember, cases map[string]domain.Case) dialog.Text {
	var who dialog.Text
	m, isMember := members[e.Actor]
	switch {
	case e.Actor == 0 && slices.Contains(youngPersonActions, e.Action):
		who = dialog.T("audit.who.young")
	case e.Actor == 0:
		who = dialog.T("audit.who.bot")
	case isMember:
		who = dialog.T("audit.who.staff", "Name", m.Name, "Role", chat.RoleText(m.Role))
	case slices.Contains(b.o.Admins, e.Actor):
		who = dialog.T("audit.who.admin")
	default:
		// Removed from the staff since: a pseudonym, as in the logs.
		who = dialog.T("audit.who.former", "Pseudonym", b.pseudo.Of(e.Actor))
	}
	action := dialog.T("audit.action." + e.Action)
	if h, ok := b.o.Renderer.L.(interface{ Has(lang, id string) bool }); ok && !h.Has(lang, action.ID) {
		action = dialog.T("audit.action.other", "Action", e.Action)
	}
	if e.Case == "" {
		return dialog.T("audit.entry", "Date", e.At, "Who", who, "Action", action)
	}
	p := e.Case
	if isChatKey(p) {
		p = b.pseudo.OfKey(p) // an entry written before cases were pseudonymised
	}
	c, exists := cases[p]
	var what dialog.Text
	if exists && c.FirstName != "" {
		what = dialog.T("audit.case_named", "Pseudonym", p, "Name", c.FirstName)
	} else {
		what = dialog.T("audit.case", "Pseudonym", p)
	}
	return dialog.T("audit.entry_case", "Date", e.At, "Who", who, "Action", action, "Case", what)
}

// isChatKey reports whether key is a raw session key (a chat ID), as
// entries held before cases were pseudonymised: all digits, and not 12
// characters long like a pseudonym.
func isChatKey(key string) bool {
	if len(key) == 12 || key == "" {
		return false
	}
	_, err := strconv.ParseInt(key, 10, 64)
	return err == nil
}
