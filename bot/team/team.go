// Package team is the staff as every workflow sees them: who a staff
// member is and which language they read (Directory), and the audit trail
// of what staff and young people did to an intake (Auditor). Both are
// small values the house hands to each workflow.
package team

import (
	"context"
	"log/slog"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// StaffStore finds a staff member (storage.Staff).
type StaffStore interface {
	Staff(ctx context.Context, userID int64) (domain.StaffMember, bool, error)
}

// Languages matches a language code to one the bot speaks (dialog.Engine).
type Languages interface {
	MatchLanguage(code string) string
}

// Directory looks staff members up.
type Directory struct {
	Staff     StaffStore
	Languages Languages
	// Country picks the crisis lines ("nl" or "be").
	Country string
}

// LangOf is the language of what the bot sends m.
func (d Directory) LangOf(m domain.StaffMember) string { return d.Languages.MatchLanguage(m.Lang) }

// Lang is the language of what the bot sends the staff member id (an admin
// who is no staff member gets the default).
func (d Directory) Lang(ctx context.Context, id int64) string {
	if m, ok, err := d.Staff.Staff(ctx, id); err == nil && ok {
		return d.LangOf(m)
	}
	return d.Languages.MatchLanguage("")
}

// Name is the name of the staff member id, or "an admin".
func (d Directory) Name(ctx context.Context, id int64) any {
	if m, ok, err := d.Staff.Staff(ctx, id); err == nil && ok {
		return m.Name
	}
	return dialog.T("alert.an_admin")
}

// ActorName is the name of a, or "an admin".
func (d Directory) ActorName(a chat.Actor) any {
	if a.Member {
		return a.Staff.Name
	}
	return dialog.T("alert.an_admin")
}

// Director is the director of c while they still are one.
func (d Directory) Director(ctx context.Context, c domain.Case) (domain.StaffMember, bool, error) {
	if c.Director == 0 {
		return domain.StaffMember{}, false, nil
	}
	m, ok, err := d.Staff.Staff(ctx, c.Director)
	if err != nil || !ok || m.Role != domain.RoleDirector {
		return domain.StaffMember{}, false, err
	}
	return m, true, nil
}

// DirectorName is the name of c's director, or "no director".
func (d Directory) DirectorName(ctx context.Context, c domain.Case) any {
	if m, ok, err := d.Director(ctx, c); err == nil && ok {
		return m.Name
	}
	return dialog.T("ack.no_director")
}

// SessionLang is the language of a young person's session.
func (d Directory) SessionLang(s dialog.Session) string {
	if s.Lang != "" {
		return s.Lang
	}
	return d.Languages.MatchLanguage("")
}

// CrisisLines are the crisis lines of the country for the age of s ("" for
// every age).
func (d Directory) CrisisLines(age string) dialog.Text {
	country := d.Country
	if country == "" {
		country = "nl"
	}
	return dialog.CrisisLines(country, age)
}

// AuditStore appends to the audit trail (storage.Audit).
type AuditStore interface {
	Audit(ctx context.Context, e domain.AuditEntry) error
}

// Auditor writes the audit trail: who did what to which intake and when,
// never what it says. The case is kept as a pseudonym, and an action of
// the young person themself has actor 0 (see bot/audit.go).
type Auditor struct {
	Store      AuditStore
	Pseudonyms chat.Pseudonyms
	Log        *slog.Logger
	Now        func() time.Time
}

// Record writes one entry; a failure is logged, as the action itself is done.
func (a Auditor) Record(ctx context.Context, actor int64, action, caseKey string) {
	if caseKey != "" && chat.SessionKey(actor) == caseKey {
		actor = 0
	}
	if err := a.Store.Audit(ctx, domain.AuditEntry{At: a.Now(), Actor: actor, Action: action, Case: a.Pseudonyms.OfKey(caseKey)}); err != nil {
		a.Log.Error("can't write the audit trail", "action", action, "err", err)
	}
}

// Who is an invite's first name, or "someone" without one.
func Who(firstName string) any {
	if firstName == "" {
		return dialog.T("invite.someone")
	}
	return firstName
}
