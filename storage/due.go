package storage

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Due times of pending handoffs are one sorted set, <prefix>due: member the
// case key, score the due time in unix ms. A claim pushes the score back by
// a lease instead of removing the member, so that a replica that dies
// between claiming and finishing leaves the case to be claimed again after
// the lease: at-least-once, and never by two replicas within one lease.

// scheduleDueScript sets a due time while the case exists.
//
//	KEYS[1] case   KEYS[2] due   ARGV[1] score   ARGV[2] case key
var scheduleDueScript = loadScript("schedule_due")

// ScheduleDue sets (or moves) the time at which the case's pending handoff
// needs attention. It does nothing when the case is gone: work that wrote
// the case just before a /delete (on any replica) must not bring back a
// due entry, whose member is the person's chat ID. One round trip.
func (cs *Cases) ScheduleDue(ctx context.Context, caseKey string, at time.Time) error {
	if caseKey == "" {
		return errors.New("can't schedule due time: no case key")
	}
	if err := scheduleDueScript.Run(ctx, cs.client, []string{cs.caseKey(caseKey), cs.dueKey()},
		at.UnixMilli(), caseKey).Err(); err != nil {
		return fmt.Errorf("can't schedule due time: %w", err)
	}
	return nil
}

// CancelDue removes the case's due time; a case without one is not an
// error. One round trip.
func (cs *Cases) CancelDue(ctx context.Context, caseKey string) error {
	if err := cs.client.ZRem(ctx, cs.dueKey(), caseKey).Err(); err != nil {
		return fmt.Errorf("can't cancel due time: %w", err)
	}
	return nil
}

// claimDueScript takes up to ARGV[3] members due at ARGV[1] (unix ms), the
// earliest first, and moves each to ARGV[2].
var claimDueScript = loadScript("claim_due")

// ClaimDue returns up to limit cases due at now, the earliest first, and
// pushes each back to now+lease, in one script: several replicas never
// take the same case within a lease, and a case whose claimer crashes
// before CancelDue or ScheduleDue is due again after the lease. A limit
// below 1 claims nothing. One round trip.
func (cs *Cases) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error) {
	if lease <= 0 {
		return nil, errors.New("can't claim due cases: lease must be positive")
	}
	if limit < 1 {
		return nil, nil
	}
	keys, err := claimDueScript.Run(ctx, cs.client, []string{cs.dueKey()},
		now.UnixMilli(), now.Add(lease).UnixMilli(), limit).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("can't claim due cases: %w", err)
	}
	return keys, nil
}
