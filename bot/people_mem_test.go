package bot_test

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/domain"
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

// memPeople is an in-memory bot.People with the semantics of the Redis
// one: single-use links that expire by the clock, failed links counted in
// a window of an hour from the first, a pending staff link for an hour,
// due times claimed with a lease.
type memPeople struct {
	mu      sync.Mutex
	now     func() time.Time
	staff   map[int64]domain.StaffMember
	links   map[string]domain.Link // by token
	fails   map[int64]failCount
	pending map[int64]pendingLink
	cases   map[string]domain.Case
	audit   []domain.AuditEntry
	due     map[string]time.Time
	// updated, when set, is called after ChangeCase changed a case.
	updated func(context.Context, domain.Case)
	// read, when set, is called after Case or ChangeCase read a case
	// (without the lock): a test lands a concurrent change there.
	read func(key string)
	// versions counts the writes of each case, for ChangeCase.
	versions map[string]int
}

type failCount struct {
	start time.Time
	n     int
}

type pendingLink struct {
	l     domain.Link
	until time.Time
}

func newMemPeople(now func() time.Time) *memPeople {
	return &memPeople{
		now: now, staff: map[int64]domain.StaffMember{}, links: map[string]domain.Link{},
		fails: map[int64]failCount{}, pending: map[int64]pendingLink{}, cases: map[string]domain.Case{},
		due: map[string]time.Time{}, versions: map[string]int{},
	}
}

var _ bot.People = (*memPeople)(nil)

func (p *memPeople) Staff(_ context.Context, id int64) (domain.StaffMember, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m, ok := p.staff[id]
	return m, ok, nil
}

func (p *memPeople) AddStaff(_ context.Context, m domain.StaffMember) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.staff[m.UserID] = m
	return nil
}

func (p *memPeople) ListStaff(context.Context) ([]domain.StaffMember, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]domain.StaffMember, 0, len(p.staff))
	for _, m := range p.staff {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b domain.StaffMember) int { return cmp.Compare(a.UserID, b.UserID) })
	return out, nil
}

func (p *memPeople) RemoveStaff(_ context.Context, id int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.staff, id)
	return nil
}

func (p *memPeople) CreateLink(_ context.Context, l domain.Link) (string, error) {
	buf := make([]byte, 16)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(buf)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.links[token] = l
	return token, nil
}

func (p *memPeople) UseLink(_ context.Context, token string) (domain.Link, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	l, ok := p.links[token]
	delete(p.links, token)
	if !ok || !p.now().Before(l.Expires) {
		return domain.Link{}, domain.ErrLinkInvalid
	}
	return l, nil
}

func (p *memPeople) PendingInvites(_ context.Context, director int64) ([]domain.Link, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []domain.Link
	for _, l := range p.links {
		if l.Kind == domain.LinkInvite && l.Director == director && p.now().Before(l.Expires) {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b domain.Link) int { return b.Created.Compare(a.Created) })
	return out, nil
}

func (p *memPeople) LinkFailure(_ context.Context, id int64) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.fails[id]
	if f.n == 0 || p.now().Sub(f.start) >= time.Hour {
		f = failCount{start: p.now()}
	}
	f.n++
	p.fails[id] = f
	return f.n, nil
}

func (p *memPeople) LinkFailures(_ context.Context, id int64) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := p.fails[id]
	if p.now().Sub(f.start) >= time.Hour {
		return 0, nil
	}
	return f.n, nil
}

func (p *memPeople) SetPendingStaff(_ context.Context, id int64, l domain.Link) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending[id] = pendingLink{l: l, until: p.now().Add(time.Hour)}
	return nil
}

func (p *memPeople) TakePendingStaff(_ context.Context, id int64) (domain.Link, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pl, ok := p.pending[id]
	delete(p.pending, id)
	if !ok || !p.now().Before(pl.until) {
		return domain.Link{}, false, nil
	}
	return pl.l, true, nil
}

func (p *memPeople) SaveCase(_ context.Context, c domain.Case) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cases[c.Key] = c
	p.versions[c.Key]++
	return nil
}

// ChangeCase is optimistic like the Redis one: the case is read, changed
// without the lock and written only if nobody wrote it meanwhile.
func (p *memPeople) ChangeCase(ctx context.Context, key string, change func(*domain.Case) bool) (bool, error) {
	for {
		p.mu.Lock()
		c, ok := p.cases[key]
		ver, read := p.versions[key], p.read
		p.mu.Unlock()
		if !ok {
			return false, nil
		}
		if read != nil {
			read(key)
		}
		if !change(&c) {
			return false, nil
		}
		c.Key = key
		p.mu.Lock()
		if _, ok := p.cases[key]; !ok || p.versions[key] != ver {
			p.mu.Unlock()
			continue
		}
		p.cases[key] = c
		p.versions[key]++
		hook := p.updated
		p.mu.Unlock()
		if hook != nil {
			hook(ctx, c)
		}
		return true, nil
	}
}

// onRead sets the function called after Case or ChangeCase read a case.
func (p *memPeople) onRead(f func(key string)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.read = f
}

// changeDirectly changes a stored case at once, as another replica would.
func (p *memPeople) changeDirectly(key string, change func(*domain.Case)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.cases[key]; ok {
		change(&c)
		p.cases[key] = c
		p.versions[key]++
	}
}

// onUpdate sets the function called after ChangeCase changed a case.
func (p *memPeople) onUpdate(f func(context.Context, domain.Case)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.updated = f
}

func (p *memPeople) Case(_ context.Context, key string) (domain.Case, bool, error) {
	p.mu.Lock()
	c, ok := p.cases[key]
	read := p.read
	p.mu.Unlock()
	if ok && read != nil {
		read(key)
	}
	return c, ok, nil
}

func (p *memPeople) CasesOf(_ context.Context, staff int64) ([]domain.Case, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []domain.Case
	for _, c := range p.cases {
		if c.Director == staff || c.Counsellor == staff {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b domain.Case) int { return b.Linked.Compare(a.Linked) })
	return out, nil
}

func (p *memPeople) MoveCase(_ context.Context, oldKey, newKey string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.cases[oldKey]
	if !ok {
		return errors.New("case not found")
	}
	if _, taken := p.cases[newKey]; taken {
		return errors.New("a case already exists under the new key")
	}
	delete(p.cases, oldKey)
	c.Key = newKey
	p.cases[newKey] = c
	if at, ok := p.due[oldKey]; ok {
		delete(p.due, oldKey)
		p.due[newKey] = at
	}
	return nil
}

func (p *memPeople) Audit(_ context.Context, e domain.AuditEntry) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.audit = append(p.audit, e)
	return nil
}

func (p *memPeople) AuditLog(_ context.Context, limit int) ([]domain.AuditEntry, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := slices.Clone(p.audit)
	slices.Reverse(out)
	return out[:min(limit, len(out))], nil
}

func (p *memPeople) ScheduleDue(_ context.Context, key string, at time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.cases[key]; !ok {
		return nil
	}
	p.due[key] = at
	return nil
}

func (p *memPeople) CancelDue(_ context.Context, key string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.due, key)
	return nil
}

func (p *memPeople) ClaimDue(_ context.Context, now time.Time, lease time.Duration, limit int) ([]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var keys []string
	for k, at := range p.due {
		if !at.After(now) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int { return p.due[a].Compare(p.due[b]) })
	keys = keys[:min(limit, len(keys))]
	for _, k := range keys {
		p.due[k] = now.Add(lease)
	}
	return keys, nil
}

// Views for the tests.

func (p *memPeople) caseOf(key string) (domain.Case, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.cases[key]
	return c, ok
}

func (p *memPeople) dueAt(key string) (time.Time, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	at, ok := p.due[key]
	return at, ok
}

func (p *memPeople) actions() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, e := range p.audit {
		out = append(out, e.Action)
	}
	return out
}

func (p *memPeople) linkCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.links)
}

func (p *memPeople) caseCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.cases)
}

func (p *memPeople) staffCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.staff)
}

// movableStore is a memStore as the staff tests name it (every memStore
// can move a session now).
type movableStore struct{ *memStore }

func (m *memStore) MoveSession(_ context.Context, oldKey, newKey string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[oldKey]
	if !ok {
		return errors.New("no session to move")
	}
	if _, taken := m.sessions[newKey]; taken {
		return errors.New("a session exists under the new key")
	}
	delete(m.sessions, oldKey)
	s.Key = newKey
	m.sessions[newKey] = s
	return nil
}
