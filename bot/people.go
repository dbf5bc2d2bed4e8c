package bot

import (
	"github.com/intakebot/intakebot/bot/handoff"
	"github.com/intakebot/intakebot/bot/privacy"
	"github.com/intakebot/intakebot/bot/staff"
	"github.com/intakebot/intakebot/bot/team"
)

// The stores of what the bot knows about people, one per aggregate, as
// the rooms declare them: each is the union of what the rooms that share
// it need (storage.People holds one of each). The on-call roster, the
// alerts, the erasure and the /exit trail are each one room's, and are
// typed by that room's interface in Options.

// StaffStore keeps the staff and the staff links waiting for a name (the
// office's, and the directory the rooms find staff members in).
type StaffStore interface {
	staff.StaffStore
	team.StaffStore
}

// LinkStore keeps single-use links (the office's, and the privacy room's
// erasure of a case's links).
type LinkStore interface {
	staff.LinkStore
	privacy.Links
}

// CaseStore keeps the cases and their due times (the office's, the
// handoff's and the privacy room's).
type CaseStore interface {
	staff.CaseStore
	handoff.Cases
	privacy.Cases
}

// AuditStore writes the audit trail (every room) and reads it (the
// office's /audit).
type AuditStore interface {
	team.AuditStore
	staff.AuditLog
}
