package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
)

// The audit trail is one Redis stream, <prefix>audit, with plain fields
// only: who (actor, a staff user ID; 0 for the young person themself or
// the bot), did what (action), to which case (a pseudonym of the case key,
// which the bot computes: no Telegram ID) and when (at, unix ms). It never
// holds content, by design: an access log (NEN 7513) records access
// events, not what was seen. It keeps about AuditMaxLen entries, and
// TrimAudit drops those older than the retention.

// Audit keeps the audit trail. It is safe for concurrent use.
type Audit struct {
	base
	auditMax int64 // AuditMaxLen
}

// Audit appends e to the audit trail; a zero e.At is set to now. One round
// trip.
func (au *Audit) Audit(ctx context.Context, e domain.AuditEntry) error {
	if e.Action == "" {
		return errors.New("can't write audit entry: no action")
	}
	if e.At.IsZero() {
		e.At = au.now()
	}
	err := au.client.XAdd(ctx, &redis.XAddArgs{
		Stream: au.auditKey(),
		MaxLen: au.auditMax,
		Approx: true,
		Values: []any{"at", e.At.UnixMilli(), "actor", e.Actor, "action", e.Action, "case", e.Case},
	}).Err()
	if err != nil {
		return fmt.Errorf("can't write audit entry: %w", err)
	}
	return nil
}

// AuditLog returns up to limit audit entries, newest first; none for a
// limit below 1. Times come back in UTC, to the millisecond. One round trip.
func (au *Audit) AuditLog(ctx context.Context, limit int) ([]domain.AuditEntry, error) {
	if limit < 1 {
		return nil, nil
	}
	msgs, err := au.client.XRevRangeN(ctx, au.auditKey(), "+", "-", int64(limit)).Result()
	if err != nil {
		return nil, fmt.Errorf("can't read audit log: %w", err)
	}
	out := make([]domain.AuditEntry, 0, len(msgs))
	for _, m := range msgs {
		at, _ := str(m.Values["at"])
		actor, _ := str(m.Values["actor"])
		action, _ := str(m.Values["action"])
		caseKey, _ := str(m.Values["case"])
		ms, err1 := strconv.ParseInt(at, 10, 64)
		actorID, err2 := strconv.ParseInt(actor, 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("can't read audit log: %w: entry with a bad number", ErrCorrupt)
		}
		out = append(out, domain.AuditEntry{
			At:     time.UnixMilli(ms).UTC(),
			Actor:  actorID,
			Action: action,
			Case:   caseKey,
		})
	}
	return out, nil
}
