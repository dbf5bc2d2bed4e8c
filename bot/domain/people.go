package domain

import (
	"cmp"
	"errors"
	"time"

	"github.com/intakebot/intakebot/dialog"
)

// Role is what a staff member may do. Young people have no role: anyone
// who is not staff is one.
type Role string

const (
	// RoleAdmin comes from the configuration (INTAKEBOT_ADMINS), never
	// from a link.
	RoleAdmin Role = "admin"
	// RoleDirector receives intakes and invites young people.
	RoleDirector Role = "director"
	// RoleCounsellor invites young people and sees the status of their
	// intakes, not the content.
	RoleCounsellor Role = "counsellor"
)

// StaffMember is a director or counsellor, known by Telegram user ID.
type StaffMember struct {
	UserID  int64     `json:"user_id"`
	Role    Role      `json:"role"`
	Name    string    `json:"name"` // as they gave it when they opened their link
	Lang    string    `json:"lang"` // the language of what the bot sends them
	Added   time.Time `json:"added"`
	AddedBy int64     `json:"added_by"`
}

// LinkKind says what a single-use /start link does.
type LinkKind string

const (
	// LinkStaff makes its opener a staff member with Link.Role.
	LinkStaff LinkKind = "staff"
	// LinkInvite links its opener, a young person, to Link.Director.
	LinkInvite LinkKind = "invite"
)

// Link is a single-use /start link as stored (the token itself is never
// stored, only its hash).
type Link struct {
	Kind      LinkKind `json:"kind"`
	Role      Role     `json:"role,omitempty"`     // staff links
	CreatedBy int64    `json:"created_by"`         // who made it
	Director  int64    `json:"director,omitempty"` // invites: the young person's director
	// Counsellor made the invite (0 when the director did).
	Counsellor int64  `json:"counsellor,omitempty"`
	FirstName  string `json:"first_name,omitempty"` // invites: for the staff's own overview
	Note       string `json:"note,omitempty"`
	// CaseKey, when set, re-attaches an existing intake to the account
	// that opens the link (a young person with a new phone).
	CaseKey string    `json:"case_key,omitempty"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// Case ties a young person's intake (session key) to their director and,
// when a counsellor invited them, that counsellor. It holds the dates of
// the handoff; the answers stay in the session.
type Case struct {
	Key        string    `json:"key"`
	Director   int64     `json:"director"`
	Counsellor int64     `json:"counsellor,omitempty"`
	FirstName  string    `json:"first_name,omitempty"`
	Note       string    `json:"note,omitempty"`
	Linked     time.Time `json:"linked"`
	// Delivered is when the summary reached the director.
	Delivered time.Time `json:"delivered,omitzero"`
	// Acknowledged is when the director pressed "I'll contact them".
	Acknowledged time.Time `json:"acknowledged,omitzero"`
	AckBy        int64     `json:"ack_by,omitempty"`
	// Reminded and Escalated are when the director, and later the
	// admins, were told that the summary waits for an acknowledgement.
	Reminded  time.Time `json:"reminded,omitzero"`
	Escalated time.Time `json:"escalated,omitzero"`
	// ProView is the professional's own view of how intensive the support
	// should be, on the young person's scale (dialog.Flow.ProView), 0 when
	// not given; ProViewBy is the director or counsellor who gave it.
	ProView   int       `json:"pro_view,omitempty"`
	ProViewBy int64     `json:"pro_view_by,omitempty"`
	ProViewAt time.Time `json:"pro_view_at,omitzero"`
}

// AuditEntry records who opened or acted on which intake, and when; never
// what it says.
type AuditEntry struct {
	At     time.Time `json:"at"`
	Actor  int64     `json:"actor"`
	Action string    `json:"action"` // e.g. "summary.delivered", "summary.opened", "summary.acknowledged"
	Case   string    `json:"case"`
}

// DeliveredFor reports whether the case's director got submission s: a
// young person who started over sends a new one.
func DeliveredFor(c Case, s dialog.Session) bool {
	return !c.Delivered.IsZero() && !c.Delivered.Before(s.Submitted)
}

// Unanswered reports whether the admins were told of the case's current
// submission (sent or not) and nobody acknowledged it. A young person who
// started over has a new intake; one who sent it again, a new submission.
// found tells whether the session s exists.
func Unanswered(c Case, s dialog.Session, found bool) bool {
	switch {
	case c.Escalated.IsZero() || !c.Acknowledged.IsZero():
		return false
	case !found:
		return true
	}
	return s.State == dialog.StateSubmitted && !c.Escalated.Before(s.Submitted)
}

// CompareStaff orders a list of staff: admins, directors, counsellors,
// then anything else; within a role by the time they were added, then by
// user ID.
func CompareStaff(a, b StaffMember) int {
	return cmp.Or(cmp.Compare(a.Role.rank(), b.Role.rank()), a.Added.Compare(b.Added), cmp.Compare(a.UserID, b.UserID))
}

func (r Role) rank() int {
	switch r {
	case RoleAdmin:
		return 0
	case RoleDirector:
		return 1
	case RoleCounsellor:
		return 2
	}
	return 3
}

// Check refuses a link that can't be made: one without expiry, a staff
// link without role, an invite without director, or an unknown kind.
func (l Link) Check() error {
	switch {
	case l.Expires.IsZero():
		return errors.New("it has no expiry")
	case l.Kind == LinkStaff && l.Role == "":
		return errors.New("a staff link needs a role")
	case l.Kind == LinkInvite && l.Director == 0:
		return errors.New("an invite needs a director")
	case l.Kind != LinkStaff && l.Kind != LinkInvite:
		return errors.New("unknown kind")
	}
	return nil
}
