package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/intakebot/intakebot/bot/jobs"
)

// upkeepJob is an hourly job of the runner, on one replica at a time: drop
// removes what is older than keep (expired intakes from the active index,
// audit entries past INTAKEBOT_AUDIT_RETENTION), and how many went is
// logged as done.
func upkeepJob(name, done string, keep time.Duration, drop func(ctx context.Context, before time.Time) (int64, error), log *slog.Logger) jobs.Periodic {
	return jobs.Periodic{Name: name, Every: time.Hour, Run: func(ctx context.Context, now time.Time) error {
		n, err := drop(ctx, now.Add(-keep))
		if n > 0 {
			log.Info(done, "count", n)
		}
		return err
	}}
}
