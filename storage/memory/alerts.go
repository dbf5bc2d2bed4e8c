package memory

import (
	"context"
	"errors"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Alerts keeps the open alerts and their escalation times, as
// storage.Alerts does: an alert expires by itself (OpenAlert's ttl,
// shortened by a take), while its escalation stays until it is taken,
// ended, erased or saved without a next time. It is safe for concurrent
// use.
type Alerts struct{ d *data }

// storedAlert is an alert as storage keeps it: times to the millisecond,
// and the notices as their JSON.
type storedAlert struct {
	kind    dialog.AlertKind
	level   int
	started int64 // unix ms
	takenBy int64
	taken   int64 // unix ms
	rev     int64
	notices []byte
}

func (s storedAlert) alert(key string) domain.Alert {
	a := domain.Alert{Key: key, Kind: s.kind, Level: s.level, Started: unixMilli(s.started), Rev: s.rev}
	if s.takenBy != 0 {
		a.TakenBy, a.Taken = s.takenBy, unixMilli(s.taken)
	}
	a.Notices = fromJSON[domain.Alert](s.notices).Notices
	return a
}

// openAlert is the alert of key that has not expired. d.mu is held.
func (d *data) openAlert(key string) (storedAlert, bool) {
	e, ok := d.alerts[key]
	if ok && !e.live(d.now()) {
		delete(d.alerts, key)
		ok = false
	}
	return e.v, ok
}

// OpenAlert stores a as the open alert of a.Key, due to escalate at next,
// unless one is open already: then it returns that one and false. The
// alert expires after ttl; a new one has version 1.
func (al *Alerts) OpenAlert(_ context.Context, a domain.Alert, next time.Time, ttl time.Duration) (domain.Alert, bool, error) {
	if a.Key == "" || a.Kind == dialog.AlertNone || ttl <= 0 {
		return a, false, errors.New("can't open alert: no key, kind or lifetime")
	}
	d := al.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if open, ok := d.openAlert(a.Key); ok {
		return open.alert(a.Key), false, nil
	}
	s := storedAlert{kind: a.Kind, level: a.Level, started: a.Started.UnixMilli(), rev: 1, notices: mustJSON(a)}
	d.alerts[a.Key] = expiring[storedAlert]{v: s, until: d.now().Add(ttl)}
	d.escalations[a.Key] = next.UnixMilli()
	a.Rev = 1
	return a, true, nil
}

// Alert returns the open alert of the young person with session key key;
// false when there is none.
func (al *Alerts) Alert(_ context.Context, key string) (domain.Alert, bool, error) {
	al.d.mu.Lock()
	defer al.d.mu.Unlock()
	s, ok := al.d.openAlert(key)
	if !ok {
		return domain.Alert{}, false, nil
	}
	return s.alert(key), true, nil
}

// SaveAlert stores a's level and messages and schedules its next
// escalation at next (zero, or a taken alert: none), if the alert is still
// at the version a was loaded at (a.Rev). It never changes the take, and
// an alert that is gone stays gone. It reports false when it saved
// nothing.
func (al *Alerts) SaveAlert(_ context.Context, a domain.Alert, next time.Time) (bool, error) {
	d := al.d
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.openAlert(a.Key)
	if !ok {
		delete(d.escalations, a.Key)
		return false, nil
	}
	if s.rev != a.Rev {
		return false, nil
	}
	s.level, s.notices, s.rev = a.Level, mustJSON(a), s.rev+1
	e := d.alerts[a.Key]
	e.v = s
	d.alerts[a.Key] = e
	if next.IsZero() || s.takenBy != 0 {
		delete(d.escalations, a.Key)
	} else {
		d.escalations[a.Key] = next.UnixMilli()
	}
	return true, nil
}

// TakeAlert gives the open alert of key to staff: the first caller wins
// and the escalation stops; the alert then stays for at most hold. A later
// caller gets false and who took it; false and 0 mean the alert ended,
// expired or was erased.
func (al *Alerts) TakeAlert(_ context.Context, key string, staff int64, at time.Time, hold time.Duration) (bool, int64, error) {
	if staff == 0 || hold <= 0 {
		return false, 0, errors.New("can't take alert: no staff member or hold")
	}
	d := al.d
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.openAlert(key)
	if !ok {
		return false, 0, nil
	}
	if s.takenBy != 0 {
		return false, s.takenBy, nil
	}
	e := d.alerts[key]
	e.v.takenBy, e.v.taken = staff, at.UnixMilli()
	if until := d.now().Add(hold); e.until.After(until) {
		e.until = until
	}
	d.alerts[key] = e
	delete(d.escalations, key)
	return true, staff, nil
}

// EndAlert removes the alert of key and its escalation.
func (al *Alerts) EndAlert(_ context.Context, key string) error {
	al.d.mu.Lock()
	defer al.d.mu.Unlock()
	delete(al.d.alerts, key)
	delete(al.d.escalations, key)
	return nil
}

// ClaimAlerts returns up to limit alerts due to escalate at now, the
// earliest first, and pushes each back to now+lease (see Cases.ClaimDue).
func (al *Alerts) ClaimAlerts(_ context.Context, now time.Time, lease time.Duration, limit int) ([]string, error) {
	if lease <= 0 {
		return nil, errors.New("can't claim alerts: lease must be positive")
	}
	al.d.mu.Lock()
	defer al.d.mu.Unlock()
	return claim(al.d.escalations, now, lease, limit), nil
}
