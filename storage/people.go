package storage

import (
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/storage/quarantine"
)

// Windows and limits of the people stores (their unexported fields let
// tests shorten them).
const (
	// LinkFailureWindow is how long failed link attempts are counted,
	// from the first failure on.
	LinkFailureWindow = time.Hour
	// PendingStaffTTL is how long SetPendingStaff remembers a staff link
	// whose opener has not given their name yet.
	PendingStaffTTL = time.Hour
	// AuditMaxLen is about how many audit entries are kept; older ones are
	// trimmed (approximately, as Redis trims streams efficiently).
	AuditMaxLen = 100_000
)

// People is the set of stores that keep, beside the sessions, what the bot
// knows about people: staff, single-use links, cases with their due
// times, alerts, the on-call roster and the audit trail, one store per
// aggregate, plus Erasure for a young person's traces across them. It has
// no methods of its own: each consumer takes the store, or the few
// methods, it needs.
//
// All of them work alike. Whatever a person wrote (a staff member's name,
// a young person's first name, a note) is sealed with the Codec, with the
// record's Redis key as AAD; plain fields hold IDs, roles, languages and
// times only, for indexes and scripts. Where a plain field matters for
// authorisation (a staff member's role, a case's director and counsellor),
// the sealed copy is the truth and a record whose plain copy disagrees is
// refused as corrupt. No error says which person, token or case it was
// about. The key layout is in the package comment. Every store is safe for
// concurrent use.
type People struct {
	Staff   *Staff
	Links   *Links
	Cases   *Cases
	Alerts  *Alerts
	OnCall  *OnCall
	Audit   *Audit
	Erasure *Erasure
}

// ReportSkipped has f hear of list entries left out as unreadable.
func (p *People) ReportSkipped(f func(kind string)) { p.Staff.skipped.Report(f) }

// NewPeople returns the people stores of a deployment on client, sealing
// with codec (neither may be nil). An empty prefix means DefaultPrefix, a
// nil now means time.Now. now stamps records that come without a time
// (StaffMember.Added, Case.Linked, AuditEntry.At) and decides whether a
// link has expired, together with Redis's own expiry.
func NewPeople(client redis.UniversalClient, codec *Codec, prefix string, now func() time.Time) *People {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if now == nil {
		now = time.Now
	}
	b := base{keys: newKeys(prefix, codec), client: client, codec: codec, now: now, skipped: &quarantine.Skipped{}}
	return &People{
		Staff:   &Staff{base: b, pendingTTL: PendingStaffTTL},
		Links:   &Links{base: b, failWindow: LinkFailureWindow},
		Cases:   &Cases{base: b},
		Alerts:  &Alerts{base: b},
		OnCall:  &OnCall{base: b},
		Audit:   &Audit{base: b, auditMax: AuditMaxLen},
		Erasure: &Erasure{base: b},
	}
}
