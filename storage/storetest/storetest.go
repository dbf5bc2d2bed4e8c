// Package storetest states once what the stores of package storage
// promise, and checks any implementation of them against it: storage's
// own tests run it on a real Redis, storage/memory's on the in-memory
// twin, so that the twin the bot's tests use is held to what production
// does.
//
// Only behaviour a caller can see through the stores' methods is here.
// What is particular to Redis (encryption at rest, the key layout, TTLs
// as Redis reports them, scripts, outages, the session cache, round
// trips) stays in storage's tests.
package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// The stores, as the small interfaces the contract needs; both storage and
// storage/memory implement each of them.
type (
	// Staff is storage.Staff.
	Staff interface {
		Staff(ctx context.Context, userID int64) (domain.StaffMember, bool, error)
		AddStaff(ctx context.Context, m domain.StaffMember) error
		ListStaff(ctx context.Context) ([]domain.StaffMember, error)
		RemoveStaff(ctx context.Context, userID int64) error
		SetPendingStaff(ctx context.Context, userID int64, l domain.Link) error
		TakePendingStaff(ctx context.Context, userID int64) (domain.Link, bool, error)
		QuarantineStaff(ctx context.Context, userID int64) (bool, error)
	}
	// Links is storage.Links.
	Links interface {
		CreateLink(ctx context.Context, l domain.Link) (string, error)
		UseLink(ctx context.Context, token string) (domain.Link, error)
		PendingInvites(ctx context.Context, director int64) ([]domain.Link, error)
		LinkFailure(ctx context.Context, userID int64) (int, error)
		LinkFailures(ctx context.Context, userID int64) (int, error)
		DeleteCaseLinks(ctx context.Context, caseKey string, directors ...int64) (int, error)
		PeekLink(ctx context.Context, token string) (domain.Link, error)
	}
	// Cases is storage.Cases without the due times (Due).
	Cases interface {
		SaveCase(ctx context.Context, c domain.Case) error
		Case(ctx context.Context, key string) (domain.Case, bool, error)
		CasesOf(ctx context.Context, staff int64) ([]domain.Case, error)
		ChangeCase(ctx context.Context, key string, change func(*domain.Case) bool) (bool, error)
		MoveCase(ctx context.Context, oldKey, newKey string) error
		QuarantineCase(ctx context.Context, key string) (bool, error)
		DeleteCase(ctx context.Context, key string) error
	}
	// Due is storage.Cases' due times of handoffs.
	Due interface {
		ScheduleDue(ctx context.Context, caseKey string, at time.Time) error
		CancelDue(ctx context.Context, caseKey string) error
		ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error)
		CountDue(ctx context.Context, t time.Time) (int64, error)
	}
	// Alerts is storage.Alerts.
	Alerts interface {
		OpenAlert(ctx context.Context, a domain.Alert, next time.Time, ttl time.Duration) (domain.Alert, bool, error)
		Alert(ctx context.Context, key string) (domain.Alert, bool, error)
		SaveAlert(ctx context.Context, a domain.Alert, next time.Time) (bool, error)
		TakeAlert(ctx context.Context, key string, staff int64, at time.Time, hold time.Duration) (bool, int64, error)
		EndAlert(ctx context.Context, key string) error
		ClaimAlerts(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error)
		CountAlertsDue(ctx context.Context, t time.Time) (int64, error)
	}
	// OnCall is storage.OnCall.
	OnCall interface {
		AddOnCall(ctx context.Context, w domain.OnCallWindow) (domain.OnCallWindow, error)
		OnCallRoster(ctx context.Context) ([]domain.OnCallWindow, error)
		RemoveOnCall(ctx context.Context, id int) (bool, error)
		OnCallAt(ctx context.Context, t time.Time, loc *time.Location) ([]int64, error)
	}
	// Audit is storage.Audit.
	Audit interface {
		Audit(ctx context.Context, e domain.AuditEntry) error
		AuditLog(ctx context.Context, limit int) ([]domain.AuditEntry, error)
		TrimAudit(ctx context.Context, before time.Time) (int64, error)
	}
	// Erasure is storage.Erasure.
	Erasure interface {
		EraseTraces(ctx context.Context, userID int64, key string) error
	}
	// Sessions is storage.Sessions without its cache's own methods.
	Sessions interface {
		Load(ctx context.Context, key string) (dialog.Session, error)
		LoadFresh(ctx context.Context, key string) (dialog.Session, error)
		Save(ctx context.Context, sess dialog.Session) (dialog.Session, error)
		Delete(ctx context.Context, key string) error
		Quarantine(ctx context.Context, key string) (bool, error)
		ActiveSince(ctx context.Context, since time.Time) (int64, error)
		PruneActive(ctx context.Context, before time.Time) (int64, error)
	}
	// Trail is storage.Trail.
	Trail interface {
		Push(ctx context.Context, entries map[string][]string) error
		Take(ctx context.Context, key string) ([]string, error)
	}
)

// Stores are the stores of one deployment, all on the same data.
type Stores struct {
	// Clock is the clock the stores go by (Config.Clock, or the
	// implementation's own).
	Clock    Clock
	Staff    Staff
	Links    Links
	Cases    Cases
	Due      Due // the same store as Cases, as a rule
	Alerts   Alerts
	OnCall   OnCall
	Audit    Audit
	Erasure  Erasure
	Sessions Sessions
	Trail    Trail
	// Damage makes a stored record unreadable, as a value cut short or
	// moved to another key is in Redis: kind "session" (key a session
	// key), "staff" (a user ID) or "case" (a case key).
	Damage func(t *testing.T, kind, key string)
	// ReportSkipped is People.ReportSkipped: f hears of every list entry
	// left out as unreadable.
	ReportSkipped func(f func(kind string))
	// Replica opens the stores as another process of the same deployment
	// would, on the same data (for Redis: on a client of its own); nil
	// means these stores serve as their own replica.
	Replica func(t *testing.T) Stores
}

// replica returns s.Replica(t), or s without one.
func (s Stores) replica(t *testing.T) Stores {
	if s.Replica == nil {
		return s
	}
	return s.Replica(t)
}

// Config says how to open the stores for one test.
type Config struct {
	// Clock stamps what comes without a time and decides what has expired.
	// Nil asks for the implementation's own clock, by which the data also
	// expires (Redis: the real time, as Redis expires keys by its own
	// clock; memory: a fake clock), for the tests of expiry.
	Clock Clock
	// Shorter windows than storage's defaults, for the tests of expiry;
	// zero keeps the default.
	LinkFailureWindow time.Duration
	PendingStaffTTL   time.Duration
	SessionIdleTTL    time.Duration
}

// Open returns the stores of a new deployment with no data, for t.
type Open func(t *testing.T, cfg Config) Stores

// Clock is the time the stores live in.
type Clock interface {
	Now() time.Time
	// Pass lets d go by, for the stores and for what expires in them.
	Pass(d time.Duration)
}

// RealClock is the real time: Pass sleeps.
type RealClock struct{}

// Now is time.Now.
func (RealClock) Now() time.Time { return time.Now() }

// Pass sleeps for d.
func (RealClock) Pass(d time.Duration) { time.Sleep(d) }

// FakeClock is a clock that moves only when told. It is safe for
// concurrent use.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock returns a clock at t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now returns the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Pass moves the clock on by d.
func (c *FakeClock) Pass(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixedNow is the time of the tests that do not wait for expiry.
var fixedNow = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

// openFixed opens stores on a fake clock at fixedNow.
func openFixed(t *testing.T, open Open) Stores {
	t.Helper()
	return open(t, Config{Clock: NewFakeClock(fixedNow)})
}

// Run runs the whole contract against the stores open makes, each
// behaviour as a parallel subtest named by its store.
func Run(t *testing.T, open Open) {
	for _, group := range []struct {
		name  string
		tests []contract
	}{
		{"Staff", staffContract},
		{"Links", linksContract},
		{"Cases", casesContract},
		{"Due", dueContract},
		{"Alerts", alertsContract},
		{"OnCall", onCallContract},
		{"Audit", auditContract},
		{"Erasure", erasureContract},
		{"Sessions", sessionsContract},
		{"Trail", trailContract},
		{"Overdue", overdueContract},
	} {
		t.Run(group.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range group.tests {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					c.run(t, open)
				})
			}
		})
	}
}

// contract is one behaviour, stated for any implementation.
type contract struct {
	name string
	run  func(t *testing.T, open Open)
}
