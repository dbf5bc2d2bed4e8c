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

// Reminders of counsellors and directors to young people (bot/reminders).
// No key, member or plain field holds a Telegram ID: a young person and a
// staff member are named by Codec.Name of their session key or user ID,
// as in package storage, and that name is the Redis Cluster hash tag of
// their keys.
//
//	<prefix>reminder:<id>              hash (the ID is random, bot/reminders):
//	    rev     plain   the version: 1 when made, one more with every save
//	    data    sealed  the reminder, JSON, with its young person's session
//	                    key and its maker (its texts are what staff typed)
//	<prefix>reminders:{<name>}:made    set: IDs of the reminders a staff member made
//	<prefix>reminders:{<name>}:for     set: IDs of the reminders to a young person
//	<prefix>jobs:reminder              sorted set: IDs by due time (unix ms), the
//	                                   job queue of bot/jobs, claimed with a lease
//
// (The family "reminders" is not one that storage/rekey's Migrate moves:
// reminders never had a layout by Telegram ID.)
//
// Every script touches one key, so it runs on Redis Cluster: the save
// script compares and sets the reminder's hash alone; the two sets and the
// queue are updated beside it, in the same pipeline (one round trip on a
// single node), or, where the update must follow the outcome (taking a
// finished reminder out of the queue), after it. So the indexes can be
// briefly stale, and readers repair them: lists drop IDs whose reminder is
// gone, claims drop queue entries whose reminder is gone, and a claimed
// reminder that is not live any more is saved again by bot/reminders,
// which takes it out. A save refused as a conflict puts the queue back as
// the stored version says.
//
// A reminder that is not in the queue (sent once, done, stopped, failed,
// cancelled, a draft) keeps its hash for ReminderKeep, so that its maker
// sees how it ended, and then expires; the sets lose its ID when they are
// next read. A save names the version it was loaded at and is refused over
// a newer one. Erasing a young person (DeleteRemindersFor) removes all of
// theirs.

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
	return rs.prefix + "reminders:{" + rs.codec.Name(itoa(staff)) + "}:made"
}
func (rs *Reminders) personRemindersKey(key string) string {
	return rs.prefix + "reminders:{" + rs.codec.Name(key) + "}:for"
}
func (rs *Reminders) reminderJobsKey() string { return rs.prefix + "jobs:reminder" }

// saveReminderScript saves a reminder if its version is ARGV[1] (0: new).
//
//	KEYS[1] reminder
//	ARGV[1] version   ARGV[2] data   ARGV[3] keep (ms; 0 keeps it for good)
var saveReminderScript = loadScript("save_reminder")

// SaveReminder stores r if r.Rev is the stored version (0: it must be new),
// and returns it with its new version; over a newer one it returns
// domain.ErrConflict. A live reminder with a due time is put in the job
// queue at that time (beside the save: one round trip); any other is
// taken out after the save (two) and kept for ReminderKeep.
func (rs *Reminders) SaveReminder(ctx context.Context, r domain.Reminder) (domain.Reminder, error) {
	if r.ID == "" || r.Key == "" || r.Staff == 0 {
		return r, errors.New("can't save reminder: no ID, young person or maker")
	}
	rkey := rs.reminderKey(r.ID)
	sealed, err := rs.sealJSON(r, rkey)
	if err != nil {
		return r, fmt.Errorf("can't save reminder: %w", err)
	}
	live := r.Status.Live() && !r.Due.IsZero()
	keep := int64(0)
	if !live {
		keep = rs.keep.Milliseconds()
	}
	var queued *redis.IntCmd
	res, err := storage.RunWith(ctx, rs.client, saveReminderScript, []string{rkey}, []any{r.Rev, sealed, keep}, func(pipe redis.Pipeliner) {
		// A reminder keeps its maker and young person: adding its ID
		// again changes nothing, and an ID left by a refused save is
		// dropped when its set is read.
		pipe.SAdd(ctx, rs.staffRemindersKey(r.Staff), r.ID)
		pipe.SAdd(ctx, rs.personRemindersKey(r.Key), r.ID)
		if live {
			queued = pipe.ZAdd(ctx, rs.reminderJobsKey(), redis.Z{Score: float64(r.Due.UnixMilli()), Member: r.ID})
		}
	})
	if err != nil {
		return r, fmt.Errorf("can't save reminder: %w", err)
	}
	rev, ok := res.(int64)
	if !ok {
		return r, fmt.Errorf("can't save reminder: %w: the script returned %T", storage.ErrCorrupt, res)
	}
	if rev < 0 {
		if live {
			// The due time above was not the stored one's.
			rs.requeue(ctx, r.ID)
		}
		return r, fmt.Errorf("can't save reminder: %w", domain.ErrConflict)
	}
	if live && queued.Err() != nil {
		// Saved but not queued (on Cluster the queue is on another
		// node): nothing would claim it, so queue it now or say so.
		z := redis.Z{Score: float64(r.Due.UnixMilli()), Member: r.ID}
		if err := rs.client.ZAdd(ctx, rs.reminderJobsKey(), z).Err(); err != nil {
			return r, fmt.Errorf("can't save reminder: saved, but not queued: %w", err)
		}
	}
	if !live {
		// After the save only, or a newer live version could lose its
		// place. If this fails, the entry is claimed in time, and the
		// reminder, not live, is saved again by its claimer, which takes
		// it out then.
		_ = rs.client.ZRem(ctx, rs.reminderJobsKey(), r.ID).Err()
	}
	r.Rev = rev
	return r, nil
}

// requeue makes the queue entry of reminder id what its stored version
// says: its due time if it is live, none otherwise. Its errors leave the
// entry as it was (a claimer re-reads the reminder).
func (rs *Reminders) requeue(ctx context.Context, id string) {
	cur, ok, err := rs.Reminder(ctx, id)
	if err != nil {
		return
	}
	if ok && cur.Status.Live() && !cur.Due.IsZero() {
		_ = rs.client.ZAdd(ctx, rs.reminderJobsKey(), redis.Z{Score: float64(cur.Due.UnixMilli()), Member: id}).Err()
		return
	}
	_ = rs.client.ZRem(ctx, rs.reminderJobsKey(), id).Err()
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
		rs.tidy(ctx, set, gone)
	}
	domain.SortReminders(out)
	return out, nil
}

// tidy drops the IDs of gone reminders from set, and adds back any that a
// save made meanwhile (its ID was added beside it). A failure here
// changes nothing read.
func (rs *Reminders) tidy(ctx context.Context, set string, gone []any) {
	if rs.client.SRem(ctx, set, gone...).Err() != nil {
		return
	}
	pipe := rs.client.Pipeline()
	exists := make([]*redis.IntCmd, len(gone))
	for i, id := range gone {
		exists[i] = pipe.Exists(ctx, rs.reminderKey(id.(string)))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return
	}
	var back []any
	for i, c := range exists {
		if c.Val() > 0 {
			back = append(back, gone[i])
		}
	}
	if len(back) > 0 {
		_ = rs.client.SAdd(ctx, set, back...).Err()
	}
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
	if len(ids) == 0 {
		return nil, nil
	}
	// The queue is updated beside the saves and erasures, not with them:
	// drop the entries whose reminder is gone.
	pipe := rs.client.Pipeline()
	exists := make([]*redis.IntCmd, len(ids))
	for i, id := range ids {
		exists[i] = pipe.Exists(ctx, rs.reminderKey(id))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("can't claim reminders: %w", err)
	}
	live := ids[:0]
	var gone []any
	for i, c := range exists {
		if c.Val() > 0 {
			live = append(live, ids[i])
		} else {
			gone = append(gone, ids[i])
		}
	}
	if len(gone) > 0 {
		// A failure leaves them claimed again after the lease, and dropped then.
		_ = rs.client.ZRem(ctx, rs.reminderJobsKey(), gone...).Err()
	}
	return live, nil
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
// (erasure). The makers' sets lose them when next read. On Redis Cluster
// the reminders, the queue and the person's set are in different slots,
// so this is no transaction: a reminder saved meanwhile makes it go round
// again, up to a few times.
func (rs *Reminders) DeleteRemindersFor(ctx context.Context, key string) (int, error) {
	set := rs.personRemindersKey(key)
	n := 0
	for range 5 {
		ids, err := rs.client.SMembers(ctx, set).Result()
		if err != nil {
			return n, fmt.Errorf("can't delete reminders: %w", err)
		}
		if len(ids) == 0 {
			return n, nil
		}
		members := make([]any, len(ids))
		for i, id := range ids {
			members[i] = id
		}
		// The IDs leave the set first: a save that makes one of them
		// again after its DEL below adds it (beside, after its script)
		// after this SREM, and the next round finds it.
		pipe := rs.client.Pipeline()
		pipe.SRem(ctx, set, members...)
		for _, id := range ids {
			pipe.Del(ctx, rs.reminderKey(id))
		}
		pipe.ZRem(ctx, rs.reminderJobsKey(), members...)
		if _, err := pipe.Exec(ctx); err != nil {
			// Put the IDs back, so that trying again finds them.
			_ = rs.client.SAdd(ctx, set, members...).Err()
			return n, fmt.Errorf("can't delete reminders: %w", err)
		}
		n += len(ids)
	}
	return n, errors.New("can't delete reminders: they kept changing")
}
