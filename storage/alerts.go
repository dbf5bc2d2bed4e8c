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

// Alerts of the on-call service, one open alert per young person, under
// the name of their session key:
//
//	<prefix>alert:{<name>}   hash:
//	    level     plain   0 first recipients, 1 the next on call and the admins
//	    rev       plain   the version: 1 when opened, one more with every save
//	    data      sealed  the session key, the kind, when it started and the
//	                      alert messages sent (chat and message IDs), JSON
//	    taken_by  sealed  who took it and when; absent until then (AAD: the
//	                      hash's key and ":taken_by")
//	<prefix>alerts           sorted set: names of open alerts by next escalation (unix ms)
//
// The hash expires by itself (OpenAlert's ttl, shortened by a take).
// taken_by is set with HSETNX: of two staff members pressing at once, one
// gets it. Escalations are claimed with a lease (see Cases.ClaimDue). A
// save is a compare-and-set on rev. Scripts touch the hash only (its
// Cluster slot); the index is written beside or after them, and an entry
// whose alert is gone is dropped when claimed.

// Alerts keeps the open alerts and their escalation times. Erasure
// removes both keys of a young person too. It is safe for concurrent use.
type Alerts struct{ base }

// alertRecord is what an alert's data field seals.
type alertRecord struct {
	Key     string               `json:"key"`
	Kind    dialog.AlertKind     `json:"kind"`
	Started time.Time            `json:"started"`
	Notices []domain.AlertNotice `json:"notices,omitempty"`
}

// alertTaken is what an alert's taken_by field seals.
type alertTaken struct {
	By int64     `json:"by"`
	At time.Time `json:"at"`
}

func (al *Alerts) sealAlert(a domain.Alert, rkey string) (string, error) {
	return al.sealJSON(alertRecord{Key: a.Key, Kind: a.Kind, Started: a.Started, Notices: a.Notices}, rkey)
}

// openAlertScript creates an alert unless one is open.
//
//	KEYS[1] alert   ARGV[1] ttl (ms)   ARGV[2 ..] HSET pairs
var openAlertScript = loadScript("open_alert")

// OpenAlert stores a as the open alert of a.Key, due to escalate at next,
// unless one is open already: then it returns that one and false. The
// alert expires after ttl; a new one has version 1. One round trip on a
// single node, two when one is open.
func (al *Alerts) OpenAlert(ctx context.Context, a domain.Alert, next time.Time, ttl time.Duration) (domain.Alert, bool, error) {
	if a.Key == "" || a.Kind == dialog.AlertNone || ttl <= 0 {
		return a, false, errors.New("can't open alert: no key, kind or lifetime")
	}
	rkey := al.alertKey(a.Key)
	sealed, err := al.sealAlert(a, rkey)
	if err != nil {
		return a, false, fmt.Errorf("can't open alert: %w", err)
	}
	member := al.member(a.Key)
	for range 3 {
		// NX: an open alert keeps its escalation time; a taken one that
		// gets an entry this way is dropped from the index when claimed.
		res, err := runWith(ctx, al.client, openAlertScript, []string{rkey},
			[]any{ttl.Milliseconds(), "level", a.Level, "rev", 1, "data", sealed}, func(pipe redis.Pipeliner) {
				pipe.ZAddNX(ctx, al.alertsKey(), redis.Z{Score: float64(next.UnixMilli()), Member: member})
			})
		if err != nil {
			return a, false, fmt.Errorf("can't open alert: %w", err)
		}
		if created, _ := res.(int64); created == 1 {
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
	vals, err := al.client.HMGet(ctx, rkey, "level", "taken_by", "data", "rev").Result()
	if err != nil {
		return domain.Alert{}, false, fmt.Errorf("can't load alert: %w", err)
	}
	data, ok := str(vals[2])
	if !ok {
		return domain.Alert{}, false, nil
	}
	var rec alertRecord
	if err := al.openJSON(data, rkey, &rec); err != nil {
		return domain.Alert{}, false, fmt.Errorf("can't load alert: %w", err)
	}
	if rec.Key != key {
		return domain.Alert{}, false, fmt.Errorf("can't load alert: %w: another alert's record", ErrCorrupt)
	}
	a := domain.Alert{Key: key, Kind: rec.Kind, Started: rec.Started.UTC(), Notices: rec.Notices}
	level, _ := str(vals[0])
	var err1, err2 error
	a.Level, err1 = strconv.Atoi(level)
	if rev, ok := str(vals[3]); ok {
		a.Rev, err2 = strconv.ParseInt(rev, 10, 64)
	}
	if err := errors.Join(err1, err2); err != nil {
		return domain.Alert{}, false, fmt.Errorf("can't load alert: %w: a plain field is not a number", ErrCorrupt)
	}
	if by, ok := str(vals[1]); ok {
		t, err := al.openTaken(rkey, by)
		if err != nil {
			return domain.Alert{}, false, fmt.Errorf("can't load alert: %w", err)
		}
		a.TakenBy, a.Taken = t.By, t.At.UTC()
	}
	return a, true, nil
}

func (al *Alerts) openTaken(rkey, sealed string) (alertTaken, error) {
	var t alertTaken
	err := al.openJSON(sealed, rkey+":taken_by", &t)
	return t, err
}

// saveAlertScript updates an open alert's level and data, one version on.
// It answers 0 when the alert is gone (taken and expired, or erased): it
// is not made again; -1, changing nothing, when the alert is not at version
// ARGV[3] any more; 1 when saved and 2 when saved but taken (then it does
// not escalate any more).
//
//	KEYS[1] alert   ARGV[1] level   ARGV[2] data
//	ARGV[3] the version the alert was loaded at
var saveAlertScript = loadScript("save_alert")

// SaveAlert stores a's level and messages and schedules its next
// escalation at next (zero: none), if the alert is still at version a.Rev;
// it never touches taken_by, and a gone alert stays gone. False: nothing
// saved (gone, or saved by another since). Two round trips.
func (al *Alerts) SaveAlert(ctx context.Context, a domain.Alert, next time.Time) (bool, error) {
	rkey := al.alertKey(a.Key)
	sealed, err := al.sealAlert(a, rkey)
	if err != nil {
		return false, fmt.Errorf("can't save alert: %w", err)
	}
	n, err := saveAlertScript.Run(ctx, al.client, []string{rkey}, a.Level, sealed, a.Rev).Int()
	if err != nil {
		return false, fmt.Errorf("can't save alert: %w", err)
	}
	// The index (another slot on Cluster) follows the script's outcome; a
	// crash in between leaves the entry as claimed, back after the lease.
	member := al.member(a.Key)
	switch {
	case n == 1 && !next.IsZero():
		err = al.client.ZAdd(ctx, al.alertsKey(), redis.Z{Score: float64(next.UnixMilli()), Member: member}).Err()
	case n != -1:
		err = al.client.ZRem(ctx, al.alertsKey(), member).Err()
	}
	if err != nil {
		return false, fmt.Errorf("can't save alert: %w", err)
	}
	return n == 1 || n == 2, nil
}

// takeAlertScript gives an open alert to the first who asks.
//
//	KEYS[1] alert   ARGV[1] sealed taker   ARGV[2] hold (ms)
var takeAlertScript = loadScript("take_alert")

// TakeAlert gives the open alert of key to staff, atomically: the first
// caller wins and the escalation stops; the alert then stays (so that the
// young person can hear who took it) for at most hold. A later caller
// gets false and who took it; false and 0 mean the alert ended, expired or
// was erased. One round trip on a single node.
func (al *Alerts) TakeAlert(ctx context.Context, key string, staff int64, at time.Time, hold time.Duration) (bool, int64, error) {
	if staff == 0 || hold <= 0 {
		return false, 0, errors.New("can't take alert: no staff member or hold")
	}
	rkey := al.alertKey(key)
	sealed, err := al.sealJSON(alertTaken{By: staff, At: at}, rkey+":taken_by")
	if err != nil {
		return false, 0, fmt.Errorf("can't take alert: %w", err)
	}
	out, err := runWith(ctx, al.client, takeAlertScript, []string{rkey}, []any{sealed, hold.Milliseconds()}, func(pipe redis.Pipeliner) {
		// Taken, taken before or gone: in every case it escalates no more.
		pipe.ZRem(ctx, al.alertsKey(), al.member(key))
	})
	if err != nil {
		return false, 0, fmt.Errorf("can't take alert: %w", err)
	}
	res, _ := out.([]any)
	if len(res) != 2 {
		return false, 0, errors.New("can't take alert: unexpected answer from script")
	}
	code, _ := res[0].(int64)
	if code == -1 {
		return false, 0, nil
	}
	s, _ := str(res[1])
	t, err := al.openTaken(rkey, s)
	if err != nil {
		return false, 0, fmt.Errorf("can't take alert: %w", err)
	}
	return code == 1, t.By, nil
}

// EndAlert removes the alert of key and its escalation. One round trip on
// a single node.
func (al *Alerts) EndAlert(ctx context.Context, key string) error {
	_, err := al.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Del(ctx, al.alertKey(key))
		pipe.ZRem(ctx, al.alertsKey(), al.member(key))
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
// and one whose claimer crashed is due again after it. The session keys are
// read from the alerts' records; entries of alerts that are gone are
// dropped. Two round trips, three when an entry is dropped.
func (al *Alerts) ClaimAlerts(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error) {
	if lease <= 0 {
		return nil, errors.New("can't claim alerts: lease must be positive")
	}
	if limit < 1 {
		return nil, nil
	}
	names, err := claimDueScript.Run(ctx, al.client, []string{al.alertsKey()},
		now.UnixMilli(), now.Add(lease).UnixMilli(), limit).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("can't claim alerts: %w", err)
	}
	keys, gone, err := resolveNames(ctx, al.client, names, al.alertKeyOf, func(rkey, name, data string) (string, error) {
		var rec alertRecord
		if err := al.openJSON(data, rkey, &rec); err != nil {
			return "", err
		}
		if al.member(rec.Key) != name {
			return "", fmt.Errorf("%w: another alert's record", ErrCorrupt)
		}
		return rec.Key, nil
	})
	if err != nil {
		return nil, fmt.Errorf("can't claim alerts: %w", err)
	}
	if len(gone) > 0 {
		_ = al.client.ZRem(ctx, al.alertsKey(), gone...).Err() // tidying only
	}
	return keys, nil
}
