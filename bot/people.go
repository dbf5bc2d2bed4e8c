package bot

import (
	"context"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

// People keeps staff, single-use links, cases, the audit trail and the
// handoff's due reminders (storage.People implements it).
type People interface {
	Staff(ctx context.Context, userID int64) (domain.StaffMember, bool, error)
	AddStaff(ctx context.Context, m domain.StaffMember) error
	ListStaff(ctx context.Context) ([]domain.StaffMember, error)
	RemoveStaff(ctx context.Context, userID int64) error

	// CreateLink stores l under a new random token (at least 128 bits)
	// and returns the token; only its hash is stored. The link expires at
	// l.Expires.
	CreateLink(ctx context.Context, l domain.Link) (token string, err error)
	// UseLink returns the link of token and makes it unusable, atomically:
	// of two people opening one link at once, one gets it.
	UseLink(ctx context.Context, token string) (domain.Link, error)
	// PendingInvites lists a director's invites not used yet.
	PendingInvites(ctx context.Context, director int64) ([]domain.Link, error)
	// LinkFailure counts a failed link for userID and returns the count
	// within the last hour, to slow down guessing.
	LinkFailure(ctx context.Context, userID int64) (int, error)
	// LinkFailures returns that count without adding to it.
	LinkFailures(ctx context.Context, userID int64) (int, error)

	// SetPendingStaff remembers, for an hour, that userID opened a staff
	// link and is asked for their name; TakePendingStaff returns it once.
	SetPendingStaff(ctx context.Context, userID int64, l domain.Link) error
	TakePendingStaff(ctx context.Context, userID int64) (domain.Link, bool, error)

	SaveCase(ctx context.Context, c domain.Case) error
	// ChangeCase reads the case under key, lets change alter it and writes
	// it back only if nobody wrote it in between, else asks change again
	// on the fresh copy; change returns false to write nothing. It reports
	// whether it wrote (false: the case is gone, or change declined). Work
	// that changes a few fields (a delivery, a reminder, an
	// acknowledgement) uses it, so that it never writes over what another
	// did meanwhile (an acknowledgement, a reassignment).
	ChangeCase(ctx context.Context, key string, change func(*domain.Case) bool) (bool, error)
	Case(ctx context.Context, key string) (domain.Case, bool, error)
	// CasesOf lists the cases of a director, or of a counsellor (the ones
	// they invited), newest first.
	CasesOf(ctx context.Context, staff int64) ([]domain.Case, error)
	// MoveCase re-keys a case (a young person's new Telegram account).
	MoveCase(ctx context.Context, oldKey, newKey string) error

	Audit(ctx context.Context, e domain.AuditEntry) error
	AuditLog(ctx context.Context, limit int) ([]domain.AuditEntry, error)

	// ScheduleDue sets (or moves) the time at which the case's pending
	// handoff needs attention, only while the case exists (atomically: an
	// erasure meanwhile leaves no due time behind); CancelDue removes it.
	ScheduleDue(ctx context.Context, caseKey string, at time.Time) error
	CancelDue(ctx context.Context, caseKey string) error
	// ClaimDue returns up to limit cases due at now and pushes each back by
	// lease, atomically, so that several replicas never take the same one
	// and a crash makes it due again after the lease.
	ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error)
}

// Eraser is what People must also do: erase what it keeps about a young
// person besides the session, for /delete and the retention (the privacy
// room's Cases, Links and Erasure; storage.People has it).
type Eraser interface {
	// DeleteCase erases the case, its due time and its list entries.
	DeleteCase(ctx context.Context, key string) error
	// DeleteCaseLinks deletes the directors' links that would re-attach
	// the case to another account.
	DeleteCaseLinks(ctx context.Context, caseKey string, directors ...int64) (int, error)
	// EraseTraces erases the failed-link counter, a pending staff link,
	// the /exit trail and an urgent alert of the person.
	EraseTraces(ctx context.Context, userID int64, key string) error
}
