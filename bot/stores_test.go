package bot_test

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog/checkin"
	"github.com/intakebot/intakebot/storage/memory"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// people are the in-memory stores of storage/memory (held to the same
// contract as the Redis ones) as the bot gets them, with what the tests
// add: hooks on the cases, where a test lands a concurrent change, and
// views of what is stored. Every test and the bot reach the cases and
// links through the wrappers, so that the views see every write.
type people struct {
	*memory.People
	// Cases and Links hide the memory stores of the same name.
	Cases *hookedCases
	Links *countedLinks
	// Reminders are the staff's reminders (a store of its own in memory
	// too).
	Reminders *memory.Reminders
	// Checkins are the check-in sessions, apart from the intake's.
	Checkins *memStore
}

func newPeople(now func() time.Time) *people {
	p := memory.NewPeople(now)
	return &people{
		People:    p,
		Cases:     &hookedCases{Cases: p.Cases, keys: map[string]bool{}, due: map[string]time.Time{}},
		Links:     &countedLinks{Links: p.Links},
		Reminders: memory.NewReminders(now),
		Checkins:  newMemStore(),
	}
}

// into sets the stores in the bot's options, the trail among them.
func (p *people) into(o *bot.Options) {
	o.Staff, o.Links, o.Cases, o.Audit = p.Staff, p.Links, p.Cases, p.Audit
	o.Alerts, o.OnCall, o.Erasure, o.Trail = p.Alerts, p.OnCall, p.Erasure, p.Trail
	m := o.Metrics
	p.People.ReportSkipped(func(string) { m.SkippedRecords.Add(1) })
	o.Reminders = p.Reminders
	flow, err := checkin.Flow(nil, nil)
	if err != nil {
		panic(err) // the embedded flow parses (dialog/checkin's tests)
	}
	o.CheckinFlow, o.CheckinStore = flow, p.Checkins
}

// Views for the tests.

func (p *people) caseOf(key string) (domain.Case, bool) {
	c, ok, err := p.Cases.Cases.Case(context.Background(), key)
	if err != nil {
		panic(err) // the memory store does not fail
	}
	return c, ok
}

func (p *people) dueAt(key string) (time.Time, bool) { return p.Cases.dueAt(key) }

func (p *people) caseCount() int {
	n := 0
	for _, k := range p.Cases.seen() {
		if _, ok := p.caseOf(k); ok {
			n++
		}
	}
	return n
}

// auditEntries returns the audit trail, oldest first.
func (p *people) auditEntries() []domain.AuditEntry {
	entries, err := p.Audit.AuditLog(context.Background(), storeAll)
	if err != nil {
		panic(err)
	}
	slices.Reverse(entries)
	return entries
}

// storeAll is more entries than any test makes.
const storeAll = 1 << 20

func (p *people) actions() []string {
	var out []string
	for _, e := range p.auditEntries() {
		out = append(out, e.Action)
	}
	return out
}

func (p *people) linkCount() int { return p.Links.count() }

func (p *people) staffCount() int {
	staff, err := p.Staff.ListStaff(context.Background())
	if err != nil {
		panic(err)
	}
	return len(staff)
}

// hookedCases is the memory Cases with the hooks of the race tests, and a
// record of the keys written and of the due times set, which the store
// keeps to itself: every due time it keeps was set through ScheduleDue or
// moved by ClaimDue or MoveCase here, and is gone after CancelDue or
// DeleteCase.
type hookedCases struct {
	*memory.Cases

	mu sync.Mutex
	// updated, when set, is called after ChangeCase changed a case.
	updated func(context.Context, domain.Case)
	// read, when set, is called after Case or ChangeCase read a case: a
	// test lands a concurrent change there.
	read func(key string)
	keys map[string]bool
	due  map[string]time.Time
}

// onRead sets the function called after Case or ChangeCase read a case.
func (c *hookedCases) onRead(f func(key string)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.read = f
}

// onUpdate sets the function called after ChangeCase changed a case.
func (c *hookedCases) onUpdate(f func(context.Context, domain.Case)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.updated = f
}

func (c *hookedCases) hooks() (func(string), func(context.Context, domain.Case)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.read, c.updated
}

// changeDirectly changes a stored case at once, as another replica would
// (without the hooks).
func (c *hookedCases) changeDirectly(key string, change func(*domain.Case)) {
	if _, err := c.Cases.ChangeCase(context.Background(), key, func(cs *domain.Case) bool { change(cs); return true }); err != nil {
		panic(err)
	}
}

func (c *hookedCases) Case(ctx context.Context, key string) (domain.Case, bool, error) {
	cs, ok, err := c.Cases.Case(ctx, key)
	if read, _ := c.hooks(); ok && read != nil {
		read(key)
	}
	return cs, ok, err
}

func (c *hookedCases) ChangeCase(ctx context.Context, key string, change func(*domain.Case) bool) (bool, error) {
	read, updated := c.hooks()
	var written domain.Case
	wrote, err := c.Cases.ChangeCase(ctx, key, func(cs *domain.Case) bool {
		if read != nil {
			read(key)
		}
		if !change(cs) {
			return false
		}
		written = *cs
		return true
	})
	if wrote && updated != nil {
		written.Key = key
		updated(ctx, written)
	}
	return wrote, err
}

func (c *hookedCases) SaveCase(ctx context.Context, cs domain.Case) error {
	err := c.Cases.SaveCase(ctx, cs)
	if err == nil {
		c.mu.Lock()
		c.keys[cs.Key] = true
		c.mu.Unlock()
	}
	return err
}

func (c *hookedCases) MoveCase(ctx context.Context, oldKey, newKey string) error {
	err := c.Cases.MoveCase(ctx, oldKey, newKey)
	if err == nil {
		c.mu.Lock()
		c.keys[newKey] = true
		if at, ok := c.due[oldKey]; ok {
			delete(c.due, oldKey)
			c.due[newKey] = at
		}
		c.mu.Unlock()
	}
	return err
}

func (c *hookedCases) DeleteCase(ctx context.Context, key string) error {
	err := c.Cases.DeleteCase(ctx, key)
	if err == nil {
		c.mu.Lock()
		delete(c.due, key)
		c.mu.Unlock()
	}
	return err
}

// ScheduleDue keeps a due time only while the case exists, as the store
// does.
func (c *hookedCases) ScheduleDue(ctx context.Context, key string, at time.Time) error {
	err := c.Cases.ScheduleDue(ctx, key, at)
	if err == nil {
		c.mu.Lock()
		if _, ok, _ := c.Cases.Case(ctx, key); ok {
			c.due[key] = at
		}
		c.mu.Unlock()
	}
	return err
}

func (c *hookedCases) CancelDue(ctx context.Context, key string) error {
	err := c.Cases.CancelDue(ctx, key)
	if err == nil {
		c.mu.Lock()
		delete(c.due, key)
		c.mu.Unlock()
	}
	return err
}

// ClaimDue pushes what it claims back by the lease.
func (c *hookedCases) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error) {
	keys, err := c.Cases.ClaimDue(ctx, now, lease, limit)
	c.mu.Lock()
	for _, k := range keys {
		c.due[k] = now.Add(lease)
	}
	c.mu.Unlock()
	return keys, err
}

func (c *hookedCases) dueAt(key string) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.due[key]
	return at, ok
}

// seen lists every key a case was written under.
func (c *hookedCases) seen() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for k := range c.keys {
		out = append(out, k)
	}
	return out
}

// countedLinks is the memory Links, counting the links made and not taken
// yet (used, or deleted with their case).
type countedLinks struct {
	*memory.Links
	mu   sync.Mutex
	live int
}

func (l *countedLinks) CreateLink(ctx context.Context, link domain.Link) (string, error) {
	token, err := l.Links.CreateLink(ctx, link)
	if err == nil {
		l.add(1)
	}
	return token, err
}

func (l *countedLinks) UseLink(ctx context.Context, token string) (domain.Link, error) {
	link, err := l.Links.UseLink(ctx, token)
	if err == nil {
		l.add(-1)
	}
	return link, err
}

func (l *countedLinks) DeleteCaseLinks(ctx context.Context, caseKey string, directors ...int64) (int, error) {
	n, err := l.Links.DeleteCaseLinks(ctx, caseKey, directors...)
	l.add(-n)
	return n, err
}

func (l *countedLinks) add(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.live += n
}

func (l *countedLinks) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.live
}
