package storage

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage/quarantine"
)

// Cases, one hash per case under the case key (the young person's session
// key):
//
//	director      plain   user ID, for the indexes and authorisation
//	counsellor    plain   user ID, 0 when the director invited them
//	linked        plain   unix seconds; the dates are 0 when unset
//	delivered, acknowledged, reminded, escalated   plain   unix seconds
//	ack_by        plain   user ID
//	data          sealed  the whole domain.Case as JSON (first name and
//	                      note are only here)
//
// Each case is listed in <prefix>staff:<id>:cases of its director and, if
// any, its counsellor, scored by the linked time in unix milliseconds.
//
// Redis Cluster wants every key a script touches declared, but which lists
// a case leaves when it is reassigned depends on what is stored. So the
// writing script answers the director and counsellor it replaced, and a
// second script takes the case off their lists unless it is (again) theirs.
// Between the two, and if a process dies between them, CasesOf does not
// show the case (it checks every case against the record) and tidies the
// entry away. Nothing here ever retries: a case write cannot fail for
// being concurrent.

// Cases keeps the cases (a young person linked to their director and,
// if any, counsellor), the staff's lists of them and the due times of
// their pending handoffs (due.go). It is safe for concurrent use.
type Cases struct{ base }

// casAttempts bounds the optimistic attempts of MoveCase and ChangeCase
// when the same case is changed concurrently (see backoff).
const casAttempts = 10

// errCaseChanged is MoveCase's answer when it lost every race.
var errCaseChanged = errors.New("case kept changing concurrently")

// indexKeys lists the index keys of a case with these plain director and
// counsellor fields, each once; fields that are not a positive ID have
// none.
func (cs *Cases) indexKeys(director, counsellor string) []string {
	var keys []string
	for _, s := range []string{director, counsellor} {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n == 0 {
			continue
		}
		if k := cs.casesKey(n); len(keys) == 0 || keys[0] != k {
			keys = append(keys, k)
		}
	}
	return keys
}

// caseFields are the HSET arguments of c, sealed for the Redis key rkey.
func (cs *Cases) caseFields(c domain.Case, rkey string) ([]any, error) {
	sealed, err := cs.sealJSON(c, rkey)
	if err != nil {
		return nil, err
	}
	return []any{
		"director", itoa(c.Director),
		"counsellor", itoa(c.Counsellor),
		"linked", unixOrZero(c.Linked),
		"delivered", unixOrZero(c.Delivered),
		"acknowledged", unixOrZero(c.Acknowledged),
		"ack_by", itoa(c.AckBy),
		"reminded", unixOrZero(c.Reminded),
		"escalated", unixOrZero(c.Escalated),
		"data", sealed,
	}, nil
}

// backoff waits before attempt (from 0) of MoveCase's optimistic write:
// not before the first two, then a random while below 2 ms, 4 ms, 8 ms ...,
// so that writers who keep colliding spread out.
func backoff(ctx context.Context, attempt int) error {
	if attempt < 2 {
		return ctx.Err()
	}
	wait := time.Duration(rand.Int64N(int64(time.Millisecond) << (attempt - 1)))
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// saveCaseScript writes a case and lists it for its staff.
//
//	KEYS[1] case   KEYS[2 ..] the lists of its director and counsellor
//	ARGV[1] case key (list member)   ARGV[2] score   ARGV[3 ..] HSET field/value pairs
//
// It answers the director and counsellor it replaced ("" when new).
var saveCaseScript = loadScript("save_case")

// unlistScript takes a case off staff lists that are no longer its own.
//
//	KEYS[1] case   KEYS[2 ..] lists   ARGV[1] case key
//	ARGV[2 ..] the staff ID of each list
var unlistScript = loadScript("unlist_case")

// unlist takes key off the lists of the staff in replaced (plain director
// and counsellor values) except those in keep, unless the case is theirs
// by the time the script runs.
func (cs *Cases) unlist(ctx context.Context, rkey, key string, replaced []any, keep []string) error {
	if len(replaced) != 2 {
		return errors.New("unexpected answer from script")
	}
	keys := []string{rkey}
	args := []any{key}
	for _, v := range replaced {
		s, _ := str(v)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n == 0 {
			continue
		}
		k := cs.casesKey(n)
		if slices.Contains(keep, k) || slices.Contains(keys, k) {
			continue
		}
		keys = append(keys, k)
		args = append(args, itoa(n))
	}
	if len(keys) == 1 {
		return nil
	}
	return unlistScript.Run(ctx, cs.client, keys, args...).Err()
}

// SaveCase stores c under c.Key and lists it for its director and
// counsellor; if they changed, the case is then taken off the old ones'
// lists. A zero c.Linked is set to now. One round trip, two for a
// reassigned case.
func (cs *Cases) SaveCase(ctx context.Context, c domain.Case) error {
	if c.Key == "" {
		return errors.New("can't save case: it has no key")
	}
	if c.Director == 0 {
		return errors.New("can't save case: it has no director")
	}
	if c.Linked.IsZero() {
		c.Linked = cs.now()
	}
	rkey := cs.caseKey(c.Key)
	fields, err := cs.caseFields(c, rkey)
	if err != nil {
		return fmt.Errorf("can't save case: %w", err)
	}
	lists := cs.indexKeys(itoa(c.Director), itoa(c.Counsellor))
	replaced, err := saveCaseScript.Run(ctx, cs.client, append([]string{rkey}, lists...),
		append([]any{c.Key, c.Linked.UnixMilli()}, fields...)...).Slice()
	if err != nil {
		return fmt.Errorf("can't save case: %w", err)
	}
	if err := cs.unlist(ctx, rkey, c.Key, replaced, lists); err != nil {
		// The case is saved and CasesOf hides the old entry; saving again
		// is harmless.
		return fmt.Errorf("can't save case: %w", err)
	}
	return nil
}

// Case returns the case under key; false when there is none.
func (cs *Cases) Case(ctx context.Context, key string) (domain.Case, bool, error) {
	rkey := cs.caseKey(key)
	vals, err := cs.client.HMGet(ctx, rkey, "director", "counsellor", "data").Result()
	if err != nil {
		return domain.Case{}, false, fmt.Errorf("can't load case: %w", err)
	}
	c, ok, err := cs.openCase(rkey, key, vals)
	if err != nil {
		return domain.Case{}, false, fmt.Errorf("can't load case: %w", err)
	}
	return c, ok, nil
}

// openCase turns HMGET director, counsellor, data into a case.
func (cs *Cases) openCase(rkey, key string, vals []any) (domain.Case, bool, error) {
	dir, dirOK := str(vals[0])
	couns, _ := str(vals[1])
	data, dataOK := str(vals[2])
	if !dirOK && !dataOK {
		return domain.Case{}, false, nil
	}
	if !dataOK {
		return domain.Case{}, false, fmt.Errorf("%w: record lacks a field", ErrCorrupt)
	}
	var c domain.Case
	if err := cs.openJSON(data, rkey, &c); err != nil {
		return domain.Case{}, false, err
	}
	if c.Key != key || itoa(c.Director) != dir || itoa(c.Counsellor) != couns {
		return domain.Case{}, false, fmt.Errorf("%w: plain fields disagree with the sealed record", ErrCorrupt)
	}
	return c, true, nil
}

// CasesOf lists the cases of a director, or of a counsellor (the ones they
// invited), newest (by Linked) first. Two round trips; entries whose case
// is gone or not theirs are tidied away (a third), unreadable ones skipped.
func (cs *Cases) CasesOf(ctx context.Context, staff int64) ([]domain.Case, error) {
	ikey := cs.casesKey(staff)
	keys, err := cs.client.ZRevRange(ctx, ikey, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("can't list cases: %w", err)
	}
	if len(keys) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.SliceCmd, len(keys))
	_, err = cs.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = pipe.HMGet(ctx, cs.caseKey(k), "director", "counsellor", "data")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("can't list cases: %w", err)
	}
	var (
		out  []domain.Case
		gone []any
	)
	for i, cmd := range cmds {
		c, ok, err := cs.openCase(cs.caseKey(keys[i]), keys[i], cmd.Val())
		if err != nil {
			cs.skipped.Add("case") // never hides the others
			continue
		}
		// Never show a case that is not theirs, whatever the list says.
		if !ok || staff == 0 || (c.Director != staff && c.Counsellor != staff) {
			gone = append(gone, keys[i])
			continue
		}
		out = append(out, c)
	}
	if len(gone) > 0 {
		// Tidying only: an error changes nothing for the caller.
		tkeys := []string{ikey}
		for _, k := range gone {
			tkeys = append(tkeys, cs.caseKey(k.(string)))
		}
		_ = tidyCasesScript.Run(ctx, cs.client, tkeys, append([]any{itoa(staff)}, gone...)...).Err()
	}
	return out, nil
}

// QuarantineCase sets the case aside (storage/quarantine); false if none.
func (cs *Cases) QuarantineCase(ctx context.Context, key string) (bool, error) {
	return quarantine.Move(ctx, cs.client, cs.caseKey(key), cs.quarantineKey(cs.caseKey(key)), cs.now())
}

// tidyCasesScript takes cases off a staff member's list unless, by now,
// they are theirs (a case may have been saved since CasesOf read it).
//
//	KEYS[1] list   KEYS[2 ..] case records   ARGV[1] staff ID
//	ARGV[2 ..] the case key of each record
var tidyCasesScript = loadScript("tidy_cases")

// moveCaseScript re-keys a case: the hash (sealed anew for its new key by
// the caller), its index entries and its due time.
//
//	KEYS[1] old case   KEYS[2] new case   KEYS[3] due   KEYS[4 ..] indexes
//	ARGV[1] the old sealed data as read   ARGV[2] old key   ARGV[3] new key
//	ARGV[4] score   ARGV[5 ..] HSET field/value pairs of the new record
//
// It answers 1 when done, 0 when the case changed since it was read (every
// save seals anew, with a fresh nonce), -1 when the new key is taken.
var moveCaseScript = loadScript("move_case")

// MoveCase re-keys a case (a young person's new Telegram account): the
// record, its entries in the staff's lists and its due time move in one
// step. It fails with domain.ErrCaseNotFound when there is no case under
// oldKey and with domain.ErrCaseExists, changing nothing, when newKey holds
// one. Moving a case onto its own key changes nothing. The session is not moved; that is
// the session store's business. Two round trips (the record is read to be
// sealed anew: its key is its AAD).
func (cs *Cases) MoveCase(ctx context.Context, oldKey, newKey string) error {
	if oldKey == "" || newKey == "" {
		return errors.New("can't move case: empty key")
	}
	if oldKey == newKey {
		return nil
	}
	oldRKey, newRKey := cs.caseKey(oldKey), cs.caseKey(newKey)
	for attempt := range casAttempts {
		if err := backoff(ctx, attempt+1); err != nil {
			return fmt.Errorf("can't move case: %w", err)
		}
		vals, err := cs.client.HMGet(ctx, oldRKey, "director", "counsellor", "data").Result()
		if err != nil {
			return fmt.Errorf("can't move case: %w", err)
		}
		c, ok, err := cs.openCase(oldRKey, oldKey, vals)
		if err != nil {
			return fmt.Errorf("can't move case: %w", err)
		}
		if !ok {
			return fmt.Errorf("can't move case: %w", domain.ErrCaseNotFound)
		}
		c.Key = newKey
		fields, err := cs.caseFields(c, newRKey)
		if err != nil {
			return fmt.Errorf("can't move case: %w", err)
		}
		oldData, _ := str(vals[2])
		keys := append([]string{oldRKey, newRKey, cs.dueKey()}, cs.indexKeys(itoa(c.Director), itoa(c.Counsellor))...)
		args := append([]any{oldData, oldKey, newKey, c.Linked.UnixMilli()}, fields...)
		n, err := moveCaseScript.Run(ctx, cs.client, keys, args...).Int()
		switch {
		case err != nil:
			return fmt.Errorf("can't move case: %w", err)
		case n == -1:
			return fmt.Errorf("can't move case: %w", domain.ErrCaseExists)
		case n == 1:
			return nil
		}
	}
	return fmt.Errorf("can't move case: %w", errCaseChanged)
}

// deleteCaseScript erases a case and its due time.
//
//	KEYS[1] case   KEYS[2] due   KEYS[3] the case set aside   ARGV[1] case key
//
// It answers the director and counsellor it erased ("" when none).
var deleteCaseScript = loadScript("delete_case")

// DeleteCase erases the case under key, its due time and its entries in
// the staff's lists, for a young person who asks to be forgotten or whose
// summary has been filed (bot.Eraser), and a copy set aside. Erasing none
// is not an error. Two round trips.
func (cs *Cases) DeleteCase(ctx context.Context, key string) error {
	rkey := cs.caseKey(key)
	erased, err := deleteCaseScript.Run(ctx, cs.client, []string{rkey, cs.dueKey(), cs.quarantineKey(rkey)}, key).Slice()
	if err != nil {
		return fmt.Errorf("can't delete case: %w", err)
	}
	if err := cs.unlist(ctx, rkey, key, erased, nil); err != nil {
		return fmt.Errorf("can't delete case: %w", err)
	}
	return nil
}

// changeCaseScript writes a case that is still as it was read.
//
//	KEYS[1] case   KEYS[2 ..] the lists of its director and counsellor
//	ARGV[1] the sealed data as read   ARGV[2] case key (list member)
//	ARGV[3] score   ARGV[4 ..] HSET field/value pairs
//
// It answers 0, writing nothing, when the case changed or went since it
// was read (every save seals anew, with a fresh nonce), else the director
// and counsellor it replaced.
var changeCaseScript = loadScript("change_case")

// ChangeCase reads the case under key, lets change alter it and writes it
// back only if nobody wrote the case in between; else it reads it again
// and change decides anew. change returns false to write nothing (say,
// the case was acknowledged meanwhile). It reports whether it wrote: false
// when the case is gone (erased by /delete or retention, on any replica)
// or change declined. So a reminder never writes over an acknowledgement
// made while it was being sent, and a delivery never reverts a
// reassignment. Two round trips, more when the case keeps changing.
func (cs *Cases) ChangeCase(ctx context.Context, key string, change func(*domain.Case) bool) (bool, error) {
	rkey := cs.caseKey(key)
	for attempt := range casAttempts {
		if err := backoff(ctx, attempt); err != nil {
			return false, fmt.Errorf("can't change case: %w", err)
		}
		vals, err := cs.client.HMGet(ctx, rkey, "director", "counsellor", "data").Result()
		if err != nil {
			return false, fmt.Errorf("can't change case: %w", err)
		}
		c, ok, err := cs.openCase(rkey, key, vals)
		if err != nil {
			return false, fmt.Errorf("can't change case: %w", err)
		}
		if !ok || !change(&c) {
			return false, nil
		}
		c.Key = key
		if c.Director == 0 {
			return false, errors.New("can't change case: it has no director")
		}
		fields, err := cs.caseFields(c, rkey)
		if err != nil {
			return false, fmt.Errorf("can't change case: %w", err)
		}
		read, _ := str(vals[2])
		lists := cs.indexKeys(itoa(c.Director), itoa(c.Counsellor))
		res, err := changeCaseScript.Run(ctx, cs.client, append([]string{rkey}, lists...),
			append([]any{read, key, c.Linked.UnixMilli()}, fields...)...).Result()
		if err != nil {
			return false, fmt.Errorf("can't change case: %w", err)
		}
		replaced, written := res.([]any)
		if !written {
			continue
		}
		if err := cs.unlist(ctx, rkey, key, replaced, lists); err != nil {
			return true, fmt.Errorf("can't change case: %w", err)
		}
		return true, nil
	}
	return false, fmt.Errorf("can't change case: %w", errCaseChanged)
}
