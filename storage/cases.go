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

// Cases, one hash per case under the case key's name (Codec.Name of the
// young person's session key), <prefix>case:{<name>}:
//
//	director      plain   the director's name (Codec.Name of the user ID),
//	                      for the indexes; never the ID
//	counsellor    plain   the counsellor's name, "" when the director invited them
//	linked        plain   unix seconds; the dates are 0 when unset
//	delivered, acknowledged, reminded, escalated   plain   unix seconds
//	data          sealed  the whole domain.Case as JSON (the IDs of the
//	                      young person, director, counsellor and who
//	                      acknowledged, first name and note are only here)
//
// Each case is listed, by its name, in <prefix>staff:{<name>}:cases of its
// director and, if any, its counsellor, scored by the linked time in unix
// milliseconds.
//
// Every script here touches the case's hash only (its slot on Cluster);
// the lists and the due index are kept beside it. The writing script
// answers the director and counsellor it replaced; a second step takes the
// case off their lists, reads the case again and puts it back where it
// belongs by then (a writer that made it theirs meanwhile listed it after
// its write, or it is put back here). CasesOf never shows a case that is
// not the list owner's, and tidies such entries away.

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
// counsellor fields (names), each once; empty fields have none.
func (cs *Cases) indexKeys(director, counsellor string) []string {
	var keys []string
	for _, n := range []string{director, counsellor} {
		if n == "" {
			continue
		}
		if k := cs.casesKeyOf(n); len(keys) == 0 || keys[0] != k {
			keys = append(keys, k)
		}
	}
	return keys
}

// staffName is the plain director or counsellor field of a user ID: its
// name, "" for 0.
func (cs *Cases) staffName(id int64) string {
	if id == 0 {
		return ""
	}
	return cs.userMember(id)
}

// caseFields are the HSET arguments of c, sealed for the Redis key rkey.
func (cs *Cases) caseFields(c domain.Case, rkey string) ([]any, error) {
	sealed, err := cs.sealJSON(c, rkey)
	if err != nil {
		return nil, err
	}
	return []any{
		"director", cs.staffName(c.Director),
		"counsellor", cs.staffName(c.Counsellor),
		"linked", unixOrZero(c.Linked),
		"delivered", unixOrZero(c.Delivered),
		"acknowledged", unixOrZero(c.Acknowledged),
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

// saveCaseScript writes a case.
//
//	KEYS[1] case   ARGV HSET field/value pairs
//
// It answers the director and counsellor it replaced ("" when new).
var saveCaseScript = loadScript("save_case")

// listZAdds adds the case's member to lists, in pipe.
func listZAdds(ctx context.Context, pipe redis.Pipeliner, lists []string, member string, score int64) {
	for _, l := range lists {
		pipe.ZAdd(ctx, l, redis.Z{Score: float64(score), Member: member})
	}
}

// unlist takes the case (record rkey, list member) off the lists of the
// staff in replaced (plain director and counsellor values from a script)
// except the lists in keep, then, with verify, reads the record again and
// puts the case back on any of those lists whose owner it belongs to by
// then.
func (cs *Cases) unlist(ctx context.Context, rkey, member string, replaced []any, keep []string, verify bool) error {
	if len(replaced) != 2 {
		return errors.New("unexpected answer from script")
	}
	var names []string
	for _, v := range replaced {
		n, _ := str(v)
		if n == "" || slices.Contains(keep, cs.casesKeyOf(n)) || slices.Contains(names, n) {
			continue
		}
		names = append(names, n)
	}
	if !verify {
		if len(names) == 0 {
			return nil
		}
		_, err := cs.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for _, n := range names {
				pipe.ZRem(ctx, cs.casesKeyOf(n), member)
			}
			return nil
		})
		return err
	}
	return cs.unlistNames(ctx, rkey, member, names)
}

// unlistNames takes the case off the lists of these staff names and puts
// it back where it belongs by then (see Cases).
func (cs *Cases) unlistNames(ctx context.Context, rkey, member string, names []string) error {
	if len(names) == 0 {
		return nil
	}
	_, err := cs.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, n := range names {
			pipe.ZRem(ctx, cs.casesKeyOf(n), member)
		}
		return nil
	})
	if err != nil {
		return err
	}
	cur, err := cs.client.HMGet(ctx, rkey, "director", "counsellor", "linked").Result()
	if err != nil {
		return err
	}
	dir, _ := str(cur[0])
	couns, _ := str(cur[1])
	linked, _ := str(cur[2])
	secs, _ := strconv.ParseInt(linked, 10, 64)
	var back []string
	for _, n := range names {
		if n == dir || n == couns {
			back = append(back, cs.casesKeyOf(n))
		}
	}
	if len(back) == 0 {
		return nil
	}
	_, err = cs.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		listZAdds(ctx, pipe, back, member, secs*1000)
		return nil
	})
	return err
}

// SaveCase stores c under c.Key and lists it for its director and
// counsellor; if they changed, the case is then taken off the old ones'
// lists. A zero c.Linked is set to now. One round trip on a single node,
// three for a reassigned case.
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
	member := cs.member(c.Key)
	lists := cs.indexKeys(cs.staffName(c.Director), cs.staffName(c.Counsellor))
	res, err := runWith(ctx, cs.client, saveCaseScript, []string{rkey}, fields, func(pipe redis.Pipeliner) {
		listZAdds(ctx, pipe, lists, member, c.Linked.UnixMilli())
	})
	if err != nil {
		return fmt.Errorf("can't save case: %w", err)
	}
	replaced, _ := res.([]any)
	if err := cs.unlist(ctx, rkey, member, replaced, lists, true); err != nil {
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
	c, ok, err := cs.openCase(rkey, cs.member(key), vals)
	if err != nil {
		return domain.Case{}, false, fmt.Errorf("can't load case: %w", err)
	}
	if ok && c.Key != key {
		return domain.Case{}, false, fmt.Errorf("can't load case: %w: another case's record", ErrCorrupt)
	}
	return c, ok, nil
}

// openCase turns HMGET director, counsellor, data of the record rkey into
// a case, which must be the one named name (Codec.Name of its key).
func (cs *Cases) openCase(rkey, name string, vals []any) (domain.Case, bool, error) {
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
	if cs.member(c.Key) != name || cs.staffName(c.Director) != dir || cs.staffName(c.Counsellor) != couns {
		return domain.Case{}, false, fmt.Errorf("%w: plain fields disagree with the sealed record", ErrCorrupt)
	}
	return c, true, nil
}

// CasesOf lists the cases of a director, or of a counsellor (the ones they
// invited), newest (by Linked) first. Two round trips; list entries whose
// case is gone or not theirs are tidied away (two more), unreadable ones
// skipped and reported.
func (cs *Cases) CasesOf(ctx context.Context, staff int64) ([]domain.Case, error) {
	ikey := cs.casesKey(staff)
	names, err := cs.client.ZRevRange(ctx, ikey, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("can't list cases: %w", err)
	}
	if len(names) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.SliceCmd, len(names))
	_, err = cs.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, n := range names {
			cmds[i] = pipe.HMGet(ctx, cs.caseKeyOf(n), "director", "counsellor", "data")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("can't list cases: %w", err)
	}
	var (
		out  []domain.Case
		gone []string
	)
	for i, cmd := range cmds {
		c, ok, err := cs.openCase(cs.caseKeyOf(names[i]), names[i], cmd.Val())
		if err != nil {
			cs.skipped.Add("case") // never hides the others
			continue
		}
		// Never show a case that is not theirs, whatever the list says.
		if !ok || staff == 0 || (c.Director != staff && c.Counsellor != staff) {
			gone = append(gone, names[i])
			continue
		}
		out = append(out, c)
	}
	// Tidying only: an error changes nothing for the caller.
	for _, n := range gone {
		_ = cs.unlistNames(ctx, cs.caseKeyOf(n), n, []string{cs.userMember(staff)})
	}
	return out, nil
}

// QuarantineCase sets the case aside (storage/quarantine); false if none.
// Its list and due entries go when next read, as those of a case gone.
func (cs *Cases) QuarantineCase(ctx context.Context, key string) (bool, error) {
	rkey := cs.caseKey(key)
	return quarantine.Move(ctx, cs.client, rkey, cs.quarantineKey(rkey), cs.now())
}

// createCaseScript writes a case record unless the key is taken; it
// answers 1 when it wrote, 0 when the key was taken.
//
//	KEYS[1] case   ARGV HSET field/value pairs
var createCaseScript = loadScript("create_case")

// dropCaseScript deletes a case record if its sealed data is still
// ARGV[1] (every save seals anew, with a fresh nonce); it answers 1 when it
// deleted, 0 when the case changed or went.
//
//	KEYS[1] case   ARGV[1] the sealed data as read
var dropCaseScript = loadScript("drop_case")

// MoveCase re-keys a case (a young person's new Telegram account): the
// record, its entries in the staff's lists and its due time move. It fails
// with domain.ErrCaseNotFound when there is no case under oldKey and with
// domain.ErrCaseExists, changing nothing, when newKey holds one. Moving a
// case onto its own key changes nothing. The session is not moved; that
// is the session store's business.
//
// The records are in different slots on Cluster: the new one is written
// (if free), the old one deleted if unchanged since read (else the new one
// is taken back and it starts again), then the entries move. A crash
// between the first two leaves both records. Four round trips, five with a
// due time.
func (cs *Cases) MoveCase(ctx context.Context, oldKey, newKey string) error {
	if oldKey == "" || newKey == "" {
		return errors.New("can't move case: empty key")
	}
	if oldKey == newKey {
		return nil
	}
	oldRKey, newRKey := cs.caseKey(oldKey), cs.caseKey(newKey)
	oldName, newName := cs.member(oldKey), cs.member(newKey)
	for attempt := range casAttempts {
		if err := backoff(ctx, attempt+1); err != nil {
			return fmt.Errorf("can't move case: %w", err)
		}
		vals, err := cs.client.HMGet(ctx, oldRKey, "director", "counsellor", "data").Result()
		if err != nil {
			return fmt.Errorf("can't move case: %w", err)
		}
		c, ok, err := cs.openCase(oldRKey, oldName, vals)
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
		created, err := createCaseScript.Run(ctx, cs.client, []string{newRKey}, fields...).Int()
		if err != nil {
			return fmt.Errorf("can't move case: %w", err)
		}
		if created == 0 {
			return fmt.Errorf("can't move case: %w", domain.ErrCaseExists)
		}
		oldData, _ := str(vals[2])
		dropped, err := dropCaseScript.Run(ctx, cs.client, []string{oldRKey}, oldData).Int()
		if err != nil || dropped == 0 {
			// Take the new record back, unless someone changed it already.
			newData, _ := str(fields[len(fields)-1])
			_ = dropCaseScript.Run(ctx, cs.client, []string{newRKey}, newData).Err()
			if err != nil {
				return fmt.Errorf("can't move case: %w", err)
			}
			continue
		}
		lists := cs.indexKeys(cs.staffName(c.Director), cs.staffName(c.Counsellor))
		var due *redis.FloatCmd
		_, err = cs.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
			for _, l := range lists {
				pipe.ZRem(ctx, l, oldName)
			}
			listZAdds(ctx, pipe, lists, newName, c.Linked.UnixMilli())
			due = pipe.ZScore(ctx, cs.dueKey(), oldName)
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			return fmt.Errorf("can't move case: %w", err)
		}
		if at, derr := due.Result(); derr == nil {
			_, err = cs.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
				pipe.ZAdd(ctx, cs.dueKey(), redis.Z{Score: at, Member: newName})
				pipe.ZRem(ctx, cs.dueKey(), oldName)
				return nil
			})
			if err != nil {
				return fmt.Errorf("can't move case: %w", err)
			}
		}
		return nil
	}
	return fmt.Errorf("can't move case: %w", errCaseChanged)
}

// deleteCaseScript erases a case.
//
//	KEYS[1] case   KEYS[2] the case set aside (same hash tag)
//
// It answers the director and counsellor it erased ("" when none).
var deleteCaseScript = loadScript("delete_case")

// DeleteCase erases the case under key, its due time and its entries in
// the staff's lists, for a young person who asks to be forgotten or whose
// summary has been filed (bot.Eraser), and a copy set aside. Erasing a
// case that does not exist is not an error. One round trip on a single
// node, two when the case was listed.
func (cs *Cases) DeleteCase(ctx context.Context, key string) error {
	rkey := cs.caseKey(key)
	member := cs.member(key)
	res, err := runWith(ctx, cs.client, deleteCaseScript, []string{rkey, cs.quarantineKey(rkey)}, nil, func(pipe redis.Pipeliner) {
		pipe.ZRem(ctx, cs.dueKey(), member)
	})
	if err != nil {
		return fmt.Errorf("can't delete case: %w", err)
	}
	erased, _ := res.([]any)
	if err := cs.unlist(ctx, rkey, member, erased, nil, false); err != nil {
		return fmt.Errorf("can't delete case: %w", err)
	}
	return nil
}

// changeCaseScript writes a case that is still as it was read.
//
//	KEYS[1] case   ARGV[1] the sealed data as read   ARGV[2 ..] HSET field/value pairs
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
// reassignment. Two round trips on a single node, more when the case keeps changing or
// is reassigned.
func (cs *Cases) ChangeCase(ctx context.Context, key string, change func(*domain.Case) bool) (bool, error) {
	rkey := cs.caseKey(key)
	member := cs.member(key)
	for attempt := range casAttempts {
		if err := backoff(ctx, attempt); err != nil {
			return false, fmt.Errorf("can't change case: %w", err)
		}
		vals, err := cs.client.HMGet(ctx, rkey, "director", "counsellor", "data").Result()
		if err != nil {
			return false, fmt.Errorf("can't change case: %w", err)
		}
		c, ok, err := cs.openCase(rkey, member, vals)
		if err != nil {
			return false, fmt.Errorf("can't change case: %w", err)
		}
		dir, couns, linked := cs.staffName(c.Director), cs.staffName(c.Counsellor), c.Linked
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
		res, err := changeCaseScript.Run(ctx, cs.client, []string{rkey}, append([]any{read}, fields...)...).Result()
		if err != nil {
			return false, fmt.Errorf("can't change case: %w", err)
		}
		replaced, written := res.([]any)
		if !written {
			continue
		}
		// The lists are in other slots on Redis Cluster: they change after
		// the write, and only when the case moved or its linked time did
		// (a change of dates leaves them as they are).
		lists := cs.indexKeys(cs.staffName(c.Director), cs.staffName(c.Counsellor))
		if !slices.Equal(cs.indexKeys(dir, couns), lists) || !c.Linked.Equal(linked) {
			_, err := cs.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
				listZAdds(ctx, pipe, lists, member, c.Linked.UnixMilli())
				return nil
			})
			if err != nil {
				return true, fmt.Errorf("can't change case: %w", err)
			}
		}
		if err := cs.unlist(ctx, rkey, member, replaced, lists, true); err != nil {
			return true, fmt.Errorf("can't change case: %w", err)
		}
		return true, nil
	}
	return false, fmt.Errorf("can't change case: %w", errCaseChanged)
}
