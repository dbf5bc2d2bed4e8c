// Package remindstore keeps the staff's reminders to young people in Redis
// (bot/reminders): sealed records, the indexes of their makers and young
// people, and their job queue, claimed with a lease.
package remindstore

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage"
)

// Reminders of counsellors and directors to young people (bot/reminders):
//
//	<prefix>reminder:<id>             hash:
//	    staff   plain   user ID of its maker
//	    key     plain   the young person's session key
//	    rev     plain   the version: 1 when made, one more with every save
//	    data    sealed  the reminder, JSON (its texts are what staff typed)
//	<prefix>staff:<user ID>:reminders set: IDs of the reminders a staff member made
//	<prefix>person:<key>:reminders    set: IDs of the reminders to a young person
//	<prefix>jobs:reminder             sorted set: IDs by due time (unix ms), the
//	                                  job queue of bot/jobs, claimed with a lease
//
// A reminder that is not in the queue (sent once, done, stopped, failed,
// cancelled, a draft) keeps its hash for ReminderKeep, so that its maker sees how it ended, and
// then expires; the sets lose its ID when they are next read. A save names
// the version it was loaded at and is refused over a newer one, and puts
// the reminder in the job queue (or takes it out) in the same script, so
// the queue never names a reminder that is not live. Erasing a young
// person (DeleteRemindersFor) removes all of theirs.

// ReminderKeep is how long a finished reminder is kept for its maker's
// overview.
const ReminderKeep = 30 * 24 * time.Hour

// Reminders keeps reminders and their due times. It is safe for concurrent
// use.
type Reminders struct {
	client redis.UniversalClient
	codec  *storage.Codec
	prefix string
	keep   time.Duration
}

// NewReminders returns the reminders of a deployment on client, sealed with
// codec, under prefix (DefaultPrefix if empty); now (nil: time.Now) is
// the clock.
func New(client redis.UniversalClient, codec *storage.Codec, prefix string) *Reminders {
	if prefix == "" {
		prefix = storage.DefaultPrefix
	}
	return &Reminders{client: client, codec: codec, prefix: prefix, keep: ReminderKeep}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func str(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

func (rs *Reminders) sealJSON(v any, rkey string) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(rs.codec.Seal(plain, []byte(rkey))), nil
}

// openJSON opens sealed into v; its errors never quote the content.
func (rs *Reminders) openJSON(sealed, rkey string, v any) error {
	plain, err := rs.codec.Open([]byte(sealed), []byte(rkey))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return fmt.Errorf("%w: data is not the expected record", storage.ErrCorrupt)
	}
	return nil
}

//go:embed lua/*.lua
var luaFiles embed.FS

// loadScript returns the script in lua/<name>.lua; a missing file is a
// mistake in this package and panics at init.
func loadScript(name string) *redis.Script {
	src, err := luaFiles.ReadFile("lua/" + name + ".lua")
	if err != nil {
		panic("remindstore: no embedded script " + name + ": " + err.Error())
	}
	return redis.NewScript(string(src))
}

// claimScript takes up to ARGV[3] members due at ARGV[1] (unix ms), the
// earliest first, and moves each to ARGV[2].
//
//	KEYS[1] the queue   ARGV[1] now   ARGV[2] now+lease   ARGV[3] limit
var claimScript = loadScript("claim")

func (rs *Reminders) reminderKey(id string) string { return rs.prefix + "reminder:" + id }
func (rs *Reminders) staffRemindersKey(staff int64) string {
	return rs.prefix + "staff:" + itoa(staff) + ":reminders"
}
func (rs *Reminders) personRemindersKey(key string) string {
	return rs.prefix + "person:" + key + ":reminders"
}
func (rs *Reminders) reminderJobsKey() string { return rs.prefix + "jobs:reminder" }

// saveReminderScript saves a reminder if its version is ARGV[2] (0: new).
//
//	KEYS[1] reminder   KEYS[2] jobs   KEYS[3] staff's set   KEYS[4] person's set
//	ARGV[1] ID   ARGV[2] version   ARGV[3] data   ARGV[4] due (unix ms, "" for none)
//	ARGV[5] staff   ARGV[6] key   ARGV[7] keep (ms; 0 keeps it for good)
var saveReminderScript = loadScript("save_reminder")

// SaveReminder stores r if r.Rev is the stored version (0: it must be new),
// and returns it with its new version; over a newer one it returns
// domain.ErrConflict. A live reminder with a due time is put in the job
// queue at that time; any other is taken out and kept for ReminderKeep.
// One round trip.
func (rs *Reminders) SaveReminder(ctx context.Context, r domain.Reminder) (domain.Reminder, error) {
	if r.ID == "" || r.Key == "" || r.Staff == 0 {
		return r, errors.New("can't save reminder: no ID, young person or maker")
	}
	rkey := rs.reminderKey(r.ID)
	sealed, err := rs.sealJSON(r, rkey)
	if err != nil {
		return r, fmt.Errorf("can't save reminder: %w", err)
	}
	due, keep := "", int64(0)
	if r.Status.Live() && !r.Due.IsZero() {
		due = itoa(r.Due.UnixMilli())
	}
	if due == "" {
		keep = rs.keep.Milliseconds()
	}
	rev, err := saveReminderScript.Run(ctx, rs.client,
		[]string{rkey, rs.reminderJobsKey(), rs.staffRemindersKey(r.Staff), rs.personRemindersKey(r.Key)},
		r.ID, r.Rev, sealed, due, r.Staff, r.Key, keep).Int64()
	if err != nil {
		return r, fmt.Errorf("can't save reminder: %w", err)
	}
	if rev < 0 {
		return r, fmt.Errorf("can't save reminder: %w", domain.ErrConflict)
	}
	r.Rev = rev
	return r, nil
}

// Reminder returns the reminder with this ID, and false if there is none.
// One round trip.
func (rs *Reminders) Reminder(ctx context.Context, id string) (domain.Reminder, bool, error) {
	if id == "" {
		return domain.Reminder{}, false, nil
	}
	rkey := rs.reminderKey(id)
	vals, err := rs.client.HMGet(ctx, rkey, "data", "rev").Result()
	if err != nil {
		return domain.Reminder{}, false, fmt.Errorf("can't load reminder: %w", err)
	}
	return rs.decode(rkey, vals)
}

func (rs *Reminders) decode(rkey string, vals []any) (domain.Reminder, bool, error) {
	data, ok := str(vals[0])
	if !ok {
		return domain.Reminder{}, false, nil
	}
	revS, _ := str(vals[1])
	rev, err := strconv.ParseInt(revS, 10, 64)
	if err != nil {
		return domain.Reminder{}, false, fmt.Errorf("can't load reminder: %w: the version is not a number", storage.ErrCorrupt)
	}
	var r domain.Reminder
	if err := rs.openJSON(data, rkey, &r); err != nil {
		return domain.Reminder{}, false, fmt.Errorf("can't load reminder: %w", err)
	}
	r.Rev = rev
	return r, true, nil
}

// RemindersOf returns the reminders staff made that are still kept, the
// next due first, then the most recently made. Two round trips.
func (rs *Reminders) RemindersOf(ctx context.Context, staff int64) ([]domain.Reminder, error) {
	return rs.list(ctx, rs.staffRemindersKey(staff))
}

// RemindersFor returns the reminders to the young person with session key
// key that are still kept, in the order of RemindersOf. Two round trips.
func (rs *Reminders) RemindersFor(ctx context.Context, key string) ([]domain.Reminder, error) {
	return rs.list(ctx, rs.personRemindersKey(key))
}

func (rs *Reminders) list(ctx context.Context, set string) ([]domain.Reminder, error) {
	ids, err := rs.client.SMembers(ctx, set).Result()
	if err != nil {
		return nil, fmt.Errorf("can't list reminders: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	pipe := rs.client.Pipeline()
	cmds := make([]*redis.SliceCmd, len(ids))
	for i, id := range ids {
		cmds[i] = pipe.HMGet(ctx, rs.reminderKey(id), "data", "rev")
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("can't list reminders: %w", err)
	}
	var out []domain.Reminder
	var gone []any
	for i, c := range cmds {
		r, ok, err := rs.decode(rs.reminderKey(ids[i]), c.Val())
		if err != nil {
			return nil, fmt.Errorf("can't list reminders: %w", err)
		}
		if !ok {
			gone = append(gone, ids[i])
			continue
		}
		out = append(out, r)
	}
	if len(gone) > 0 {
		// Expired ones: tidy the set (a failure here changes nothing read).
		_ = rs.client.SRem(ctx, set, gone...).Err()
	}
	domain.SortReminders(out)
	return out, nil
}

// ClaimReminders returns up to limit IDs of reminders due at now, the
// earliest first, and pushes each back to now+lease in one script: two
// replicas never take the same reminder within a lease, and one whose
// claimer died before saving it is due again after the lease. One round
// trip.
func (rs *Reminders) ClaimReminders(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error) {
	if lease <= 0 {
		return nil, errors.New("can't claim reminders: lease must be positive")
	}
	if limit < 1 {
		return nil, nil
	}
	ids, err := claimScript.Run(ctx, rs.client, []string{rs.reminderJobsKey()},
		now.UnixMilli(), now.Add(lease).UnixMilli(), limit).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("can't claim reminders: %w", err)
	}
	return ids, nil
}

// CountRemindersDue counts the reminders due at t (claimed ones under
// their lease are not due). One round trip.
func (rs *Reminders) CountRemindersDue(ctx context.Context, t time.Time) (int64, error) {
	n, err := rs.client.ZCount(ctx, rs.reminderJobsKey(), "-inf", itoa(t.UnixMilli())).Result()
	if err != nil {
		return 0, fmt.Errorf("can't count due reminders: %w", err)
	}
	return n, nil
}

// DeleteRemindersFor removes every reminder to the young person with
// session key key, with their due times, and returns how many there were
// (erasure). The makers' sets lose them when next read. A reminder saved
// meanwhile makes it start again, up to a few times.
func (rs *Reminders) DeleteRemindersFor(ctx context.Context, key string) (int, error) {
	set := rs.personRemindersKey(key)
	n := 0
	for range 5 {
		err := rs.client.Watch(ctx, func(tx *redis.Tx) error {
			ids, err := tx.SMembers(ctx, set).Result()
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
				for _, id := range ids {
					pipe.Del(ctx, rs.reminderKey(id))
					pipe.ZRem(ctx, rs.reminderJobsKey(), id)
				}
				pipe.Del(ctx, set)
				return nil
			})
			n = len(ids)
			return err
		}, set)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("can't delete reminders: %w", err)
		}
		return n, nil
	}
	return 0, errors.New("can't delete reminders: they kept changing")
}
