package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
)

// Due times of pending handoffs are one sorted set, <prefix>due: member the
// case's name (Codec.Name of its key, never the key), score the due time in
// unix ms. A claim pushes the score back by a lease instead of removing the
// member, so that a replica that dies between claiming and finishing leaves
// the case to be claimed again after the lease: at-least-once, and never by
// two replicas within one lease.
//
// The set is not in a case's slot on Cluster: an entry whose case is gone
// (erased while being scheduled) is dropped when claimed.

// ScheduleDue sets (or moves) the time at which the case's pending handoff
// needs attention, unless the case is gone (erased on any replica): the
// entry is written, the case checked, the entry taken back if it is gone;
// ClaimDue drops any that slips through. One round trip, two when gone.
func (cs *Cases) ScheduleDue(ctx context.Context, caseKey string, at time.Time) error {
	if caseKey == "" {
		return errors.New("can't schedule due time: no case key")
	}
	member := cs.member(caseKey)
	var exists *redis.IntCmd
	_, err := cs.client.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.ZAdd(ctx, cs.dueKey(), redis.Z{Score: float64(at.UnixMilli()), Member: member})
		exists = pipe.Exists(ctx, cs.caseKey(caseKey))
		return nil
	})
	if err != nil {
		return fmt.Errorf("can't schedule due time: %w", err)
	}
	if exists.Val() == 0 {
		if err := cs.client.ZRem(ctx, cs.dueKey(), member).Err(); err != nil {
			return fmt.Errorf("can't schedule due time: %w", err)
		}
	}
	return nil
}

// CancelDue removes the case's due time; a case without one is not an
// error. One round trip.
func (cs *Cases) CancelDue(ctx context.Context, caseKey string) error {
	if err := cs.client.ZRem(ctx, cs.dueKey(), cs.member(caseKey)).Err(); err != nil {
		return fmt.Errorf("can't cancel due time: %w", err)
	}
	return nil
}

// claimDueScript takes up to ARGV[3] members due at ARGV[1] (unix ms), the
// earliest first, and moves each to ARGV[2], in the same order: the last
// at ARGV[2], each one before it 1/1024 of a millisecond earlier (members
// are names, whose own order means nothing).
var claimDueScript = loadScript("claim_due")

// ClaimDue returns up to limit cases due at now, the earliest first, and
// pushes each back to now+lease, in one script: two replicas never take
// the same case within a lease, and one whose claimer crashed is due again
// after it. The keys are read from the cases' records (entries of gone
// cases are dropped, ones that don't open are left). Two round trips.
func (cs *Cases) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error) {
	if lease <= 0 {
		return nil, errors.New("can't claim due cases: lease must be positive")
	}
	if limit < 1 {
		return nil, nil
	}
	names, err := claimDueScript.Run(ctx, cs.client, []string{cs.dueKey()},
		now.UnixMilli(), now.Add(lease).UnixMilli(), limit).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("can't claim due cases: %w", err)
	}
	keys, gone, err := resolveNames(ctx, cs.client, names, cs.caseKeyOf, func(rkey, name, data string) (string, error) {
		var c domain.Case
		if err := cs.openJSON(data, rkey, &c); err != nil {
			return "", err
		}
		if cs.member(c.Key) != name {
			return "", fmt.Errorf("%w: another case's record", ErrCorrupt)
		}
		return c.Key, nil
	})
	if err != nil {
		return nil, fmt.Errorf("can't claim due cases: %w", err)
	}
	if len(gone) > 0 {
		_ = cs.client.ZRem(ctx, cs.dueKey(), gone...).Err() // tidying only
	}
	return keys, nil
}

// resolveNames turns index members (names) into the keys they stand for,
// read from the sealed data field of each record (recordKey of the name)
// by open, in one pipeline, in order. It answers the names whose record is
// gone apart; a record that does not open is skipped (it stays in the
// index).
func resolveNames(ctx context.Context, c redis.UniversalClient, names []string, recordKey func(string) string,
	open func(rkey, name, data string) (string, error)) (keys []string, gone []any, err error) {
	if len(names) == 0 {
		return nil, nil, nil
	}
	cmds := make([]*redis.StringCmd, len(names))
	_, err = c.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, n := range names {
			cmds[i] = pipe.HGet(ctx, recordKey(n), "data")
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, nil, err
	}
	for i, cmd := range cmds {
		data, err := cmd.Result()
		if errors.Is(err, redis.Nil) {
			gone = append(gone, names[i])
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		key, err := open(recordKey(names[i]), names[i], data)
		if err != nil {
			continue
		}
		keys = append(keys, key)
	}
	return keys, gone, nil
}
