package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// The counts below are for the metrics: how much background work waits,
// and how much of it is late. Neither returns a member (a chat ID).

// CountDue returns how many pending handoffs are due at or before t: with
// t long past now, the reminders, escalations and redeliveries the due
// loop is late with. One round trip.
func (cs *Cases) CountDue(ctx context.Context, t time.Time) (int64, error) {
	n, err := cs.client.ZCount(ctx, cs.dueKey(), "-inf", strconv.FormatInt(t.UnixMilli(), 10)).Result()
	if err != nil {
		return 0, fmt.Errorf("can't count due cases: %w", err)
	}
	return n, nil
}

// CountAlertsDue returns how many open alerts nobody took yet are due to
// escalate at or before t: with t in the far future every alert still
// waiting for a taker, with t long past now the escalations that are late.
// One round trip.
func (al *Alerts) CountAlertsDue(ctx context.Context, t time.Time) (int64, error) {
	n, err := al.client.ZCount(ctx, al.alertsKey(), "-inf", strconv.FormatInt(t.UnixMilli(), 10)).Result()
	if err != nil {
		return 0, fmt.Errorf("can't count alerts: %w", err)
	}
	return n, nil
}
