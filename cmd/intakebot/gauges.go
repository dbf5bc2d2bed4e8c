package main

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/storage"
)

// How late background work may be before the gauges call it overdue. The
// due loop ticks every minute and an item whose run failed comes back
// after its lease (5 minutes) and is claimed at the next tick: work is at
// most about a minute late while the loop runs. The alert loop ticks
// every 15 seconds.
const (
	handoffsLateAfter = 10 * time.Minute
	alertsLateAfter   = 2 * time.Minute
	gaugeTimeout      = 2 * time.Second
)

// storeGauges are read from Redis at every scrape, so that they are true
// even when the job runner is stuck: whether Redis answers, the alerts
// nobody took yet, and the handoffs and alert escalations that are late.
// A count Redis can't give is left out of the scrape; intakebot_redis_up
// says why.
func storeGauges(rdb redis.UniversalClient, people *storage.People, now func() time.Time) []metrics.Gauge {
	count := func(f func(context.Context, time.Time) (int64, error), at func() time.Time) func() (float64, bool) {
		return func() (float64, bool) {
			ctx, cancel := context.WithTimeout(context.Background(), gaugeTimeout)
			defer cancel()
			n, err := f(ctx, at())
			return float64(n), err == nil
		}
	}
	always := func() time.Time { return now().Add(100 * 365 * 24 * time.Hour) }
	return []metrics.Gauge{
		{Name: "intakebot_redis_up", Help: "1 when Redis answered a PING at this scrape, else 0.",
			Value: func() (float64, bool) {
				ctx, cancel := context.WithTimeout(context.Background(), gaugeTimeout)
				defer cancel()
				if rdb.Ping(ctx).Err() != nil {
					return 0, true
				}
				return 1, true
			}},
		{Name: "intakebot_alerts_waiting", Help: "Alerts nobody has taken yet.",
			Value: count(people.Alerts.CountAlertsDue, always)},
		{Name: "intakebot_alert_escalations_overdue", Help: "Alerts whose escalation is more than 2 minutes late: the escalation job is not running.",
			Value: count(people.Alerts.CountAlertsDue, func() time.Time { return now().Add(-alertsLateAfter) })},
		{Name: "intakebot_handoffs_overdue", Help: "Handoffs whose redelivery, reminder or escalation to the admins is more than 10 minutes late: the due job is not running.",
			Value: count(people.Cases.CountDue, func() time.Time { return now().Add(-handoffsLateAfter) })},
	}
}
