package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/intakebot/intakebot/bot/jobs"
)

// auditTrimmer is the part of the audit store that retention needs.
type auditTrimmer interface {
	TrimAudit(ctx context.Context, before time.Time) (int64, error)
}

// trimAuditJob enforces INTAKEBOT_AUDIT_RETENTION once an hour: audit
// entries older than the retention are dropped.
func trimAuditJob(a auditTrimmer, retention time.Duration, log *slog.Logger) jobs.Periodic {
	return jobs.Periodic{Name: "trim-audit", Every: time.Hour, Run: func(ctx context.Context, now time.Time) error {
		n, err := a.TrimAudit(ctx, now.Add(-retention))
		if n > 0 {
			log.Info("old audit entries dropped", "count", n)
		}
		return err
	}}
}
