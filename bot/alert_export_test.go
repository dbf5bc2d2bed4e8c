package bot

import (
	"context"
	"time"

	"github.com/intakebot/intakebot/bot/jobs"
	"github.com/intakebot/intakebot/dialog"
)

// AlertsOnce runs one pass of the alert escalation, for tests that move
// the clock.
func (b *Bot) AlertsOnce(ctx context.Context) int {
	n, err := (&jobs.Runner{Now: b.o.Now, Log: b.o.Log, OnPanic: func() { b.o.Metrics.Panics.Add(1) }}).Once(ctx, b.AlertJob())
	if err != nil {
		panic(err)
	}
	return n
}

// RaiseAlert raises an alert as the engine's Result.Alert does, and waits
// until its first messages are out.
func (b *Bot) RaiseAlert(ctx context.Context, s dialog.Session, kind dialog.AlertKind) {
	b.alerts.Raise(ctx, s, kind)
	b.WaitHandoffs(ctx)
}

// SettleAlertWork stops the background work on key, as an erasure does.
func (b *Bot) SettleAlertWork(key string) { b.work.Settle(key, 10*time.Second) }

// DrainAlertsOnce runs one pass of the alerts the edge queued while the
// store was down, and waits until their messages are out.
func (b *Bot) DrainAlertsOnce(ctx context.Context) int {
	n, err := (&jobs.Runner{Now: b.o.Now, Log: b.o.Log, OnPanic: func() { b.o.Metrics.Panics.Add(1) }}).Once(ctx, b.AlertSpoolJob())
	if err != nil {
		panic(err)
	}
	b.WaitHandoffs(ctx)
	return n
}
