package memory

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage/remindstore"
)

// Reminders is the in-memory twin of remindstore.Reminders: the same versions,
// job queue and keeping of finished reminders. It is safe for concurrent
// use.
type Reminders struct {
	mu   sync.Mutex
	now  func() time.Time
	keep time.Duration
	recs map[string]storedReminder
	due  map[string]int64 // ID -> unix ms
}

type storedReminder struct {
	r       domain.Reminder
	expires time.Time // zero: kept for good
}

// NewReminders returns an empty store on the clock now (nil: time.Now).
func NewReminders(now func() time.Time) *Reminders {
	if now == nil {
		now = time.Now
	}
	return &Reminders{now: now, keep: remindstore.ReminderKeep, recs: map[string]storedReminder{}, due: map[string]int64{}}
}

// get returns the reminder id unless it expired; mu is held.
func (m *Reminders) get(id string) (domain.Reminder, bool) {
	s, ok := m.recs[id]
	if ok && !s.expires.IsZero() && !m.now().Before(s.expires) {
		delete(m.recs, id)
		return domain.Reminder{}, false
	}
	return s.r, ok
}

// roundTrip gives r what a JSON round trip gives it in storage: times to
// the nanosecond in UTC-or-zone as decoded, monotonic clock dropped.
func roundTrip(r domain.Reminder) domain.Reminder {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // a Reminder always marshals
	}
	return fromJSON[domain.Reminder](b)
}

// SaveReminder stores r if r.Rev is the stored version (0: new), as
// remindstore.Reminders.SaveReminder does.
func (m *Reminders) SaveReminder(_ context.Context, r domain.Reminder) (domain.Reminder, error) {
	if r.ID == "" || r.Key == "" || r.Staff == 0 {
		return r, errors.New("can't save reminder: no ID, young person or maker")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.get(r.ID)
	if (ok && old.Rev != r.Rev) || (!ok && r.Rev != 0) {
		return r, fmt.Errorf("can't save reminder: %w", domain.ErrConflict)
	}
	r.Rev++
	s := storedReminder{r: roundTrip(r)}
	s.r.Rev = r.Rev
	if r.Status.Live() && !r.Due.IsZero() {
		m.due[r.ID] = r.Due.UnixMilli()
	} else {
		delete(m.due, r.ID)
		s.expires = m.now().Add(m.keep)
	}
	m.recs[r.ID] = s
	return r, nil
}

// Reminder returns the reminder with this ID, and false if there is none.
func (m *Reminders) Reminder(_ context.Context, id string) (domain.Reminder, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.get(id)
	return r, ok, nil
}

// RemindersOf returns the reminders staff made that are still kept.
func (m *Reminders) RemindersOf(_ context.Context, staff int64) ([]domain.Reminder, error) {
	return m.list(func(r domain.Reminder) bool { return r.Staff == staff }), nil
}

// RemindersFor returns the reminders to the young person with key.
func (m *Reminders) RemindersFor(_ context.Context, key string) ([]domain.Reminder, error) {
	return m.list(func(r domain.Reminder) bool { return r.Key == key }), nil
}

func (m *Reminders) list(match func(domain.Reminder) bool) []domain.Reminder {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []domain.Reminder
	for id := range m.recs {
		if r, ok := m.get(id); ok && match(r) {
			out = append(out, r)
		}
	}
	domain.SortReminders(out)
	return out
}

// ClaimReminders returns up to limit IDs due at now, the earliest first,
// and pushes each back to now+lease.
func (m *Reminders) ClaimReminders(_ context.Context, now time.Time, lease time.Duration, limit int) ([]string, error) {
	if lease <= 0 {
		return nil, errors.New("can't claim reminders: lease must be positive")
	}
	if limit < 1 {
		return nil, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var ids []string
	for id, at := range m.due {
		if at <= now.UnixMilli() {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool {
		if m.due[ids[i]] != m.due[ids[j]] {
			return m.due[ids[i]] < m.due[ids[j]]
		}
		return ids[i] < ids[j]
	})
	if len(ids) > limit {
		ids = ids[:limit]
	}
	for _, id := range ids {
		m.due[id] = now.Add(lease).UnixMilli()
	}
	return ids, nil
}

// CountRemindersDue counts the reminders due at t.
func (m *Reminders) CountRemindersDue(_ context.Context, t time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	for _, at := range m.due {
		if at <= t.UnixMilli() {
			n++
		}
	}
	return n, nil
}

// DeleteRemindersFor removes every reminder to the young person with key.
func (m *Reminders) DeleteRemindersFor(_ context.Context, key string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for id, s := range m.recs {
		if s.r.Key == key {
			delete(m.recs, id)
			delete(m.due, id)
			n++
		}
	}
	return n, nil
}
