package memory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage"
)

// Cases keeps the cases and the due times of their pending handoffs, as
// storage.Cases does. The staff's lists of cases are not kept apart: they
// are read off the cases, which is what storage's lists come to once they
// are tidied. It is safe for concurrent use.
type Cases struct{ d *data }

// storedCase is a case and its write count, which ChangeCase compares as
// storage compares the sealed record (sealed anew on every write).
type storedCase struct {
	c      domain.Case
	writes int64
	// damaged stands for a record in Redis that does not open (DamageCase);
	// writing the case anew repairs it, as in Redis.
	damaged bool
}

// errDamaged is what reading a damaged case gives.
func errDamaged(what string) error {
	return fmt.Errorf("%s: %w: damaged", what, storage.ErrCorrupt)
}

// casAttempts bounds ChangeCase's optimistic attempts, as in storage.
const casAttempts = 10

// errCaseChanged is ChangeCase's answer when it lost every race.
var errCaseChanged = errors.New("case kept changing concurrently")

// SaveCase stores c under c.Key. A zero c.Linked is set to now.
func (cs *Cases) SaveCase(_ context.Context, c domain.Case) error {
	if c.Key == "" {
		return errors.New("can't save case: it has no key")
	}
	if c.Director == 0 {
		return errors.New("can't save case: it has no director")
	}
	d := cs.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if c.Linked.IsZero() {
		c.Linked = d.now()
	}
	d.writeCase(c)
	return nil
}

// writeCase stores a copy of c. d.mu is held.
func (d *data) writeCase(c domain.Case) {
	d.cases[c.Key] = storedCase{c: jsonCopy(c), writes: d.cases[c.Key].writes + 1}
}

// Case returns the case under key; false when there is none.
func (cs *Cases) Case(_ context.Context, key string) (domain.Case, bool, error) {
	cs.d.mu.Lock()
	defer cs.d.mu.Unlock()
	s, ok := cs.d.cases[key]
	if !ok {
		return domain.Case{}, false, nil
	}
	if s.damaged {
		return domain.Case{}, false, errDamaged("can't load case")
	}
	return jsonCopy(s.c), true, nil
}

// CasesOf lists the cases of a director, or of a counsellor, newest (by
// Linked, to the millisecond) first; among cases linked in the same
// millisecond, as Redis orders them: by key, descending.
func (cs *Cases) CasesOf(_ context.Context, staff int64) ([]domain.Case, error) {
	if staff == 0 {
		return nil, nil
	}
	cs.d.mu.Lock()
	defer cs.d.mu.Unlock()
	var out []domain.Case
	for _, s := range cs.d.cases {
		if s.damaged && (s.c.Director == staff || s.c.Counsellor == staff) {
			cs.d.skip("case")
			continue
		}
		if s.c.Director == staff || s.c.Counsellor == staff {
			out = append(out, jsonCopy(s.c))
		}
	}
	slices.SortFunc(out, func(a, b domain.Case) int {
		return cmp.Or(cmp.Compare(b.Linked.UnixMilli(), a.Linked.UnixMilli()), strings.Compare(b.Key, a.Key))
	})
	return out, nil
}

// MoveCase re-keys a case with its due time. It fails with
// domain.ErrCaseNotFound when there is no case under oldKey and with
// domain.ErrCaseExists, changing nothing, when newKey holds one. Moving a
// case onto its own key changes nothing.
func (cs *Cases) MoveCase(_ context.Context, oldKey, newKey string) error {
	if oldKey == "" || newKey == "" {
		return errors.New("can't move case: empty key")
	}
	if oldKey == newKey {
		return nil
	}
	d := cs.d
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.cases[oldKey]
	if !ok {
		return fmt.Errorf("can't move case: %w", domain.ErrCaseNotFound)
	}
	if s.damaged {
		return errDamaged("can't move case")
	}
	if _, taken := d.cases[newKey]; taken {
		return fmt.Errorf("can't move case: %w", domain.ErrCaseExists)
	}
	delete(d.cases, oldKey)
	s.c.Key = newKey
	d.writeCase(s.c)
	if at, ok := d.due[oldKey]; ok {
		delete(d.due, oldKey)
		d.due[newKey] = at
	}
	return nil
}

// QuarantineCase sets the case under key aside, as storage does with one
// that does not open; false when there is none.
func (cs *Cases) QuarantineCase(_ context.Context, key string) (bool, error) {
	cs.d.mu.Lock()
	defer cs.d.mu.Unlock()
	s, ok := cs.d.cases[key]
	if ok {
		cs.d.asideCases[key] = s
		delete(cs.d.cases, key)
	}
	return ok, nil
}

// DeleteCase erases the case under key and its due time. Erasing a case
// that does not exist is not an error.
func (cs *Cases) DeleteCase(_ context.Context, key string) error {
	cs.d.mu.Lock()
	defer cs.d.mu.Unlock()
	delete(cs.d.cases, key)
	delete(cs.d.due, key)
	delete(cs.d.asideCases, key)
	return nil
}

// ChangeCase reads the case under key, lets change alter it (without the
// lock: change may call the stores) and writes it back only if nobody
// wrote the case in between; else change decides anew on the case as it
// is then. It reports whether it wrote: false when the case is gone or
// change declined.
func (cs *Cases) ChangeCase(_ context.Context, key string, change func(*domain.Case) bool) (bool, error) {
	d := cs.d
	for range casAttempts {
		d.mu.Lock()
		s, ok := d.cases[key]
		d.mu.Unlock()
		if !ok {
			return false, nil
		}
		if s.damaged {
			return false, errDamaged("can't change case")
		}
		c := jsonCopy(s.c)
		if !change(&c) {
			return false, nil
		}
		c.Key = key
		if c.Director == 0 {
			return false, errors.New("can't change case: it has no director")
		}
		d.mu.Lock()
		if cur, ok := d.cases[key]; !ok || cur.writes != s.writes {
			d.mu.Unlock()
			continue
		}
		d.writeCase(c)
		d.mu.Unlock()
		return true, nil
	}
	return false, fmt.Errorf("can't change case: %w", errCaseChanged)
}

// ScheduleDue sets (or moves) the time at which the case's pending handoff
// needs attention. It does nothing when the case is gone.
func (cs *Cases) ScheduleDue(_ context.Context, caseKey string, at time.Time) error {
	if caseKey == "" {
		return errors.New("can't schedule due time: no case key")
	}
	cs.d.mu.Lock()
	defer cs.d.mu.Unlock()
	if _, ok := cs.d.cases[caseKey]; ok {
		cs.d.due[caseKey] = at.UnixMilli()
	}
	return nil
}

// CancelDue removes the case's due time; a case without one is not an
// error.
func (cs *Cases) CancelDue(_ context.Context, caseKey string) error {
	cs.d.mu.Lock()
	defer cs.d.mu.Unlock()
	delete(cs.d.due, caseKey)
	return nil
}

// ClaimDue returns up to limit cases due at now, the earliest first, and
// pushes each back to now+lease, so that no other claimer gets it within
// the lease and it is due again after it unless cancelled or moved.
func (cs *Cases) ClaimDue(_ context.Context, now time.Time, lease time.Duration, limit int) ([]string, error) {
	if lease <= 0 {
		return nil, errors.New("can't claim due cases: lease must be positive")
	}
	cs.d.mu.Lock()
	defer cs.d.mu.Unlock()
	return claim(cs.d.due, now, lease, limit), nil
}

// claim takes up to limit members of a schedule (unix ms by member) due
// at now, the earliest first (then by member, as a Redis sorted set), and
// moves each to now+lease. The caller holds the lock.
func claim(schedule map[string]int64, now time.Time, lease time.Duration, limit int) []string {
	out := []string{}
	if limit < 1 {
		return nil
	}
	for k, at := range schedule {
		if at <= now.UnixMilli() {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(cmp.Compare(schedule[a], schedule[b]), strings.Compare(a, b)) })
	out = out[:min(limit, len(out))]
	for _, k := range out {
		schedule[k] = now.Add(lease).UnixMilli()
	}
	return out
}
