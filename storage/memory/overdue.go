package memory

import (
	"context"
	"time"
)

// CountDue returns how many pending handoffs are due at or before t.
func (cs *Cases) CountDue(_ context.Context, t time.Time) (int64, error) {
	cs.d.mu.Lock()
	defer cs.d.mu.Unlock()
	return countUntil(cs.d.due, t), nil
}

// CountAlertsDue returns how many open alerts nobody took yet are due to
// escalate at or before t.
func (al *Alerts) CountAlertsDue(_ context.Context, t time.Time) (int64, error) {
	al.d.mu.Lock()
	defer al.d.mu.Unlock()
	return countUntil(al.d.escalations, t), nil
}

// countUntil counts the members of a schedule due at or before t. The
// caller holds the lock.
func countUntil(schedule map[string]int64, t time.Time) int64 {
	var n int64
	for _, at := range schedule {
		if at <= t.UnixMilli() {
			n++
		}
	}
	return n
}
