package memory

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

// Audit keeps the audit trail, as storage.Audit does: entries without
// content, newest last, capped at storage.AuditMaxLen (exactly, where
// Redis trims about there). It is safe for concurrent use.
type Audit struct{ d *data }

// auditRow is an entry and when it was written, by the store's clock, in
// unix ms: what the ID of a Redis stream entry says, and what TrimAudit
// goes by.
type auditRow struct {
	e       domain.AuditEntry
	written int64
}

// Audit appends e to the audit trail; a zero e.At is set to now. Times
// are kept to the millisecond, in UTC.
func (au *Audit) Audit(_ context.Context, e domain.AuditEntry) error {
	if e.Action == "" {
		return errors.New("can't write audit entry: no action")
	}
	d := au.d
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if e.At.IsZero() {
		e.At = now
	}
	e.At = unixMilli(e.At.UnixMilli())
	// Like stream IDs, the written times never go back.
	d.auditLast = max(d.auditLast, now.UnixMilli())
	d.audit = append(d.audit, auditRow{e: e, written: d.auditLast})
	if over := len(d.audit) - d.auditMax; over > 0 {
		d.audit = slices.Delete(d.audit, 0, over)
	}
	return nil
}

// AuditLog returns up to limit audit entries, newest first; none for a
// limit below 1.
func (au *Audit) AuditLog(_ context.Context, limit int) ([]domain.AuditEntry, error) {
	if limit < 1 {
		return nil, nil
	}
	au.d.mu.Lock()
	defer au.d.mu.Unlock()
	out := make([]domain.AuditEntry, 0, min(limit, len(au.d.audit)))
	for i := len(au.d.audit) - 1; i >= 0 && len(out) < limit; i-- {
		out = append(out, au.d.audit[i].e)
	}
	return out, nil
}

// TrimAudit drops the audit entries written (by the store's clock) before
// before and returns how many went.
func (au *Audit) TrimAudit(_ context.Context, before time.Time) (int64, error) {
	au.d.mu.Lock()
	defer au.d.mu.Unlock()
	cut := before.UnixMilli()
	n := 0
	for n < len(au.d.audit) && au.d.audit[n].written < cut {
		n++
	}
	au.d.audit = slices.Delete(au.d.audit, 0, n)
	return int64(n), nil
}
