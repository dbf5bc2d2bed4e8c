package bot

import (
	"context"

	"github.com/intakebot/intakebot/bot/jobs"
)

// DueOnce runs one pass of the due loop, for tests that move the clock.
func (b *Bot) DueOnce(ctx context.Context) int {
	n, err := (&jobs.Runner{Now: b.o.Now, Log: b.o.Log, OnPanic: func() { b.o.Metrics.Panics.Add(1) }}).Once(ctx, b.DueJob())
	if err != nil {
		panic(err)
	}
	return n
}
