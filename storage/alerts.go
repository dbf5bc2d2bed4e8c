package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Alerts of the on-call service, one open alert per young person:
//
//	<prefix>alert:<session key>   hash:
//	    level     plain   0 first recipients, 1 the next on call and the admins
//	    kind      plain   dialog.AlertKind
//	    started   plain   unix ms
//	    taken_by  plain   user ID of the staff member who took it; absent until then
//	    taken     plain   unix ms
//	    rev       plain   the version: 1 when opened, one more with every save
//	    data      sealed  the alert messages sent (chat and message IDs), JSON
//	<prefix>alerts                sorted set: session keys by next escalation (unix ms)
//
// The hash expires by itself (OpenAlert's ttl, shortened by a take), so a
// forgotten alert never outlives a day. taken_by is set with HSETNX: of two
// staff members pressing at once, one gets it. Escalations are claimed
// with a lease, as due times are (see Cases.ClaimDue). A save names the
// version it was loaded at and is refused over a newer one (compare and
// set), so that of two writers, say the first messages of an alert and an
// escalation, neither drops the other's messages. Erasing a young person
// deletes both the hash and the member.

// Alerts keeps the open alerts and their escalation times. Erasure
// removes both keys of a young person too. It is safe for concurrent use.
type Alerts struct{ base }

// openAlertScript creates an alert unless one is open.
//
//	KEYS[1] alert   KEYS[2] escalations
//	ARGV[1] member   ARGV[2] next (unix ms)   ARGV[3] ttl (ms)   ARGV[4 ..] HSET pairs
var openAlertScript = loadScript("open_alert")

// OpenAlert stores a as the open alert of a.Key, due to escalate at next,
// unless one is open already: then it returns that one and false. The
// alert expires after ttl; a new one has version 1. Two round trips when
// one is open.
func (al *Alerts) OpenAlert(ctx context.Context, a domain.Alert, next time.Time, ttl time.Duration) (domain.Alert, bool, error) {
	if a.Key == "" || a.Kind == dialog.AlertNone || ttl <= 0 {
		return a, false, errors.New("can't open alert: no key, kind or lifetime")
	}
	rkey := al.alertKey(a.Key)
	sealed, err := al.sealJSON(a, rkey)
	if err != nil {
		return a, false, fmt.Errorf("can't open alert: %w", err)
	}
	for range 3 {
		created, err := openAlertScript.Run(ctx, al.client, []string{rkey, al.alertsKey()},
			a.Key, next.UnixMilli(), ttl.Milliseconds(),
			"level", a.Level, "kind", string(a.Kind), "started", a.Started.UnixMilli(), "rev", 1, "data", sealed).Int()
		if err != nil {
			return a, false, fmt.Errorf("can't open alert: %w", err)
		}
		if created == 1 {
			a.Rev = 1
			return a, true, nil
		}
		open, found, err := al.Alert(ctx, a.Key)
		if err != nil || found {
			return open, false, err
		}
		// It expired in between: try again.
	}
	return a, false, errors.New("can't open alert: it kept changing")
}

// Alert returns the open alert of the young person with session key key;
// false when there is none. One round trip.
func (al *Alerts) Alert(ctx context.Context, key string) (domain.Alert, bool, error) {
	rkey := al.alertKey(key)
	vals, err := al.client.HMGet(ctx, rkey, "level", "kind", "started", "taken_by", "taken", "data", "rev").Result()
	if err != nil {
		return domain.Alert{}, false, fmt.Errorf("can't load alert: %w", err)
	}
	kind, ok := str(vals[1])
	if !ok {
		return domain.Alert{}, false, nil
	}
	a := domain.Alert{Key: key, Kind: dialog.AlertKind(kind)}
	level, _ := str(vals[0])
	started, _ := str(vals[2])
	data, _ := str(vals[5])
	var err1, err2, err3, err4, err5 error
	a.Level, err1 = strconv.Atoi(level)
	ms, err2 := strconv.ParseInt(started, 10, 64)
	a.Started = time.UnixMilli(ms).UTC()
	if by, ok := str(vals[3]); ok {
		a.TakenBy, err3 = strconv.ParseInt(by, 10, 64)
		at, _ := str(vals[4])
		ms, err4 = strconv.ParseInt(at, 10, 64)
		a.Taken = time.UnixMilli(ms).UTC()
	}
	if rev, ok := str(vals[6]); ok {
		a.Rev, err5 = strconv.ParseInt(rev, 10, 64)
	}
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return domain.Alert{}, false, fmt.Errorf("can't load alert: %w: a plain field is not a number", ErrCorrupt)
	}
	var sealed domain.Alert
	if err := al.openJSON(data, rkey, &sealed); err != nil {
		return domain.Alert{}, false, fmt.Errorf("can't load alert: %w", err)
	}
	a.Notices = sealed.Notices
	return a, true, nil
}

// saveAlertScript updates an open alert's level and data, one version on,
// and sets its next escalation, or removes it when ARGV[2] is empty or the
// alert was taken. It answers 0 when the alert is gone (taken and
// expired, or erased): it is not made again; -1, changing nothing, when
// the alert is not at version ARGV[5] any more.
//
//	KEYS[1] alert   KEYS[2] escalations
//	ARGV[1] member   ARGV[2] next (unix ms) or ""   ARGV[3] level   ARGV[4] data
//	ARGV[5] the version the alert was loaded at
var saveAlertScript = loadScript("save_alert")

// SaveAlert stores a's level and messages and schedules its next
// escalation at next (zero: none), if the alert is still at the version a
// was loaded at (a.Rev). It never sets or clears taken_by (a take does not
// change the version), and an alert that is gone stays gone. It reports
// false when it saved nothing: the alert is gone, or another writer saved
// it since (load it again to tell). One round trip.
func (al *Alerts) SaveAlert(ctx context.Context, a domain.Alert, next time.Time) (bool, error) {
	rkey := al.alertKey(a.Key)
	sealed, err := al.sealJSON(a, rkey)
	if err != nil {
		return false, fmt.Errorf("can't save alert: %w", err)
	}
	at := ""
	if !next.IsZero() {
		at = strconv.FormatInt(next.UnixMilli(), 10)
	}
	n, err := saveAlertScript.Run(ctx, al.client, []string{rkey, al.alertsKey()}, a.Key, at, a.Level, sealed, a.Rev).Int()
	if err != nil {
		return false, fmt.Errorf("can't save alert: %w", err)
	}
	return n == 1, nil
}

// takeAlertScript gives an open alert to the first who asks.
//
//	KEYS[1] alert   KEYS[2] escalations
//	ARGV[1] staff ID   ARGV[2] at (unix ms)   ARGV[3] hold (ms)   ARGV[4] member
var takeAlertScript = loadScript("take_alert")

// TakeAlert gives the open alert of key to staff, atomically: the first
// caller wins and the escalation stops; the alert then stays (so that the
// young person can hear who took it) for at most hold. A later caller
// gets false and who took it; false and 0 mean the alert ended, expired or
// was erased. One round trip.
func (al *Alerts) TakeAlert(ctx context.Context, key string, staff int64, at time.Time, hold time.Duration) (bool, int64, error) {
	if staff == 0 || hold <= 0 {
		return false, 0, errors.New("can't take alert: no staff member or hold")
	}
	res, err := takeAlertScript.Run(ctx, al.client, []string{al.alertKey(key), al.alertsKey()},
		staff, at.UnixMilli(), hold.Milliseconds(), key).Slice()
	if err != nil {
		return false, 0, fmt.Errorf("can't take alert: %w", err)
	}
	if len(res) != 2 {
		return false, 0, errors.New("can't take alert: unexpected answer from script")
	}
	code, _ := res[0].(int64)
	s, _ := str(res[1])
	by, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return false, 0, fmt.Errorf("can't take alert: %w: taken_by is not a number", ErrCorrupt)
	}
	switch code {
	case -1:
		return false, 0, nil
	case 1:
		return true, by, nil
	}
	return false, by, nil
}

// EndAlert removes the alert of key and its escalation. One round trip.
func (al *Alerts) EndAlert(ctx context.Context, key string) error {
	_, err := al.client.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Del(ctx, al.alertKey(key))
		pipe.ZRem(ctx, al.alertsKey(), key)
		return nil
	})
	if err != nil {
		return fmt.Errorf("can't end alert: %w", err)
	}
	return nil
}

// ClaimAlerts returns up to limit alerts due to escalate at now, the
// earliest first, and pushes each back to now+lease, in one script (see
// Cases.ClaimDue): two replicas never escalate the same alert within a lease,
// and one whose claimer crashed is due again after it. One round trip.
func (al *Alerts) ClaimAlerts(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error) {
	if lease <= 0 {
		return nil, errors.New("can't claim alerts: lease must be positive")
	}
	if limit < 1 {
		return nil, nil
	}
	keys, err := claimDueScript.Run(ctx, al.client, []string{al.alertsKey()},
		now.UnixMilli(), now.Add(lease).UnixMilli(), limit).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("can't claim alerts: %w", err)
	}
	return keys, nil
}
