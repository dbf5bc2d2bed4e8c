package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage"
)

// People mirrors storage.People: one store per aggregate, all on the same
// data. Trail is here too, unlike in storage (where storage.NewTrail makes
// it on the same Redis), because Erasure clears a person's trail and so
// must share its data.
type People struct {
	Staff   *Staff
	Links   *Links
	Cases   *Cases
	Alerts  *Alerts
	OnCall  *OnCall
	Audit   *Audit
	Erasure *Erasure
	Trail   *Trail
}

// NewPeople returns empty people stores that share one set of data. now
// (nil: time.Now) stamps records that come without a time and decides
// what has expired, as Redis's clock does for storage.
func NewPeople(now func() time.Time) *People {
	if now == nil {
		now = time.Now
	}
	d := &data{
		now:         now,
		failWindow:  storage.LinkFailureWindow,
		pendingTTL:  storage.PendingStaffTTL,
		auditMax:    storage.AuditMaxLen,
		trailMaxLen: storage.TrailMaxLen,
		trailTTL:    storage.TrailTTL,
		staff:       map[int64]domain.StaffMember{},
		pending:     map[int64]expiring[[]byte]{},
		links:       map[string]expiring[[]byte]{},
		fails:       map[int64]expiring[int]{},
		cases:       map[string]storedCase{},
		due:         map[string]int64{},
		alerts:      map[string]expiring[storedAlert]{},
		escalations: map[string]int64{},
		oncall:      map[int]domain.OnCallWindow{},
		trails:      map[string]expiring[[]string]{},
		badStaff:    map[int64]bool{},
		asideStaff:  map[int64]domain.StaffMember{},
		asideCases:  map[string]storedCase{},
	}
	return &People{
		Staff: &Staff{d}, Links: &Links{d}, Cases: &Cases{d}, Alerts: &Alerts{d},
		OnCall: &OnCall{d}, Audit: &Audit{d}, Erasure: &Erasure{d}, Trail: &Trail{d},
	}
}

// ReportSkipped has f called for every entry a list leaves out because its
// record does not open, as storage.People.ReportSkipped. Call it before
// the stores are used.
func (p *People) ReportSkipped(f func(kind string)) {
	p.Staff.d.mu.Lock()
	defer p.Staff.d.mu.Unlock()
	p.Staff.d.skippedHook = f
}

// skip reports an entry left out. d.mu is held.
func (d *data) skip(kind string) {
	if d.skippedHook != nil {
		d.skippedHook(kind)
	}
}

// DamageStaff makes the record of staff member userID unreadable, as a
// value cut short or moved in Redis is, for the tests of what the bot does
// then.
func DamageStaff(p *People, userID int64) {
	p.Staff.d.mu.Lock()
	defer p.Staff.d.mu.Unlock()
	p.Staff.d.badStaff[userID] = true
}

// DamageCase makes the case under key unreadable (see DamageStaff); false
// when there is none.
func DamageCase(p *People, key string) bool {
	d := p.Cases.d
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.cases[key]
	if ok {
		s.damaged = true
		d.cases[key] = s
	}
	return ok
}

// data is what one deployment keeps, guarded by mu. Every method takes mu
// for the whole of its work but for the caller's function in
// Cases.ChangeCase, which may call the stores itself.
type data struct {
	mu  sync.Mutex
	now func() time.Time

	// The windows and limits of storage, in fields so that this package's
	// tests can shorten them as storage's do.
	failWindow  time.Duration
	pendingTTL  time.Duration
	auditMax    int
	trailMaxLen int
	trailTTL    time.Duration

	staff   map[int64]domain.StaffMember
	pending map[int64]expiring[[]byte]  // JSON of domain.Link, by user ID
	links   map[string]expiring[[]byte] // JSON of domain.Link, by token hash
	fails   map[int64]expiring[int]

	cases map[string]storedCase
	due   map[string]int64 // unix ms, by case key

	alerts      map[string]expiring[storedAlert]
	escalations map[string]int64 // unix ms, by session key

	oncall map[int]domain.OnCallWindow

	audit     []auditRow // oldest first
	auditLast int64      // the newest row's written time, unix ms

	trails map[string]expiring[[]string]

	// What stands for records in Redis that do not open (DamageStaff,
	// DamageCase), the staff records set aside, and who hears of entries
	// that lists leave out.
	badStaff    map[int64]bool
	asideStaff  map[int64]domain.StaffMember
	asideCases  map[string]storedCase
	skippedHook func(kind string)
}

// expiring is a value that is gone from until on, as a Redis key with a
// TTL is.
type expiring[T any] struct {
	v     T
	until time.Time
}

// live reports whether e is there at now; the zero expiring never is.
func (e expiring[T]) live(now time.Time) bool { return now.Before(e.until) }

// jsonCopy is v after the JSON round trip storage makes of a sealed
// record: a deep copy with exactly the fields Redis would keep.
func jsonCopy[T any](v T) T { return fromJSON[T](mustJSON(v)) }

// mustJSON is v as JSON; the records here always marshal.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("memory: can't encode %T: %v", v, err))
	}
	return b
}

// fromJSON decodes what mustJSON encoded.
func fromJSON[T any](b []byte) T {
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		panic(fmt.Sprintf("memory: can't decode %T: %v", v, err))
	}
	return v
}

// unixMilli is a time as storage keeps its plain times: to the
// millisecond, in UTC.
func unixMilli(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// Erasure removes the traces of a young person that belong to no single
// store, as storage.Erasure does. It is safe for concurrent use.
type Erasure struct{ d *data }

// EraseTraces removes the failed-link counter and pending staff link of
// userID and the /exit trail and open alert (with its escalation) of key.
// What does not exist is fine.
func (er *Erasure) EraseTraces(_ context.Context, userID int64, key string) error {
	d := er.d
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.fails, userID)
	delete(d.pending, userID)
	delete(d.trails, key)
	delete(d.alerts, key)
	delete(d.escalations, key)
	return nil
}
