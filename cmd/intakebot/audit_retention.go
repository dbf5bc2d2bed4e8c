package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/intakebot/intakebot/storage"
)

// trimAudit enforces INTAKEBOT_AUDIT_RETENTION once an hour: audit entries
// older than the retention are dropped.
func trimAudit(ctx context.Context, a *storage.Audit, retention time.Duration, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := a.TrimAudit(ctx, time.Now().Add(-retention)); err != nil && ctx.Err() == nil {
			log.Warn("can't trim the audit trail", "err", err)
		} else if n > 0 {
			log.Info("old audit entries dropped", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
