package bot

import (
	"context"

	"github.com/intakebot/intakebot/bot/jobs"
)

// RemindersOnce runs one pass of the reminders job, for tests that move
// the clock.
func (b *Bot) RemindersOnce(ctx context.Context) int {
	n, err := (&jobs.Runner{Now: b.o.Now, Log: b.o.Log, OnPanic: func() { b.o.Metrics.Panics.Add(1) }}).Once(ctx, b.ReminderJob())
	if err != nil {
		panic(err)
	}
	return n
}
