package delivery

import (
	"context"
	"log/slog"
	"time"

	"github.com/intakebot/intakebot/bot/metrics"
)

// ChatOrder is the order of each chat's updates across replicas
// (storage/updates.Log keeps it in Redis).
type ChatOrder interface {
	// Turn records that update id of chat arrived and reports whether it
	// may be applied now: no earlier update waits to be applied. force
	// makes it its turn (the bounded wait passed).
	Turn(ctx context.Context, chat, id int64, force bool) (bool, error)
	// Applied lets the chat's next update go.
	Applied(ctx context.Context, chat, id int64) error
}

// DefaultOrderWait is how long an update waits for an earlier one by
// default.
const DefaultOrderWait = 2 * time.Second

// Order applies the updates of one chat in update_id order across the
// replicas of a webhook deployment: an update waits, without holding its
// chat's lane, until every earlier update has arrived somewhere and the
// chat's earlier ones are applied, or until Wait passes; then it is
// applied anyway and counted (intakebot_updates_unordered_total). An
// update that failed stays in line, so the chat's next updates wait for its
// redelivery (up to Wait). When the order can't be read (Redis is down)
// updates go in arrival order.
type Order struct {
	Chats   ChatOrder
	Metrics *metrics.Metrics
	Log     *slog.Logger
	// Wait bounds how long an update is held for an earlier one. Zero:
	// DefaultOrderWait.
	Wait time.Duration
}

// maxOrderPoll is the longest pause between two looks at the chat's order.
const maxOrderPoll = 25 * time.Millisecond

// Do runs apply for update id of chat when it is the update's turn, and
// lets the chat's next update go when apply returns nil.
func (o *Order) Do(ctx context.Context, chat, id int64, apply func() error) error {
	if chat == 0 {
		return apply()
	}
	wait := o.Wait
	if wait <= 0 {
		wait = DefaultOrderWait
	}
	deadline := time.Now().Add(wait)
	pause := time.Millisecond
	for force := false; ; {
		ok, err := o.Chats.Turn(ctx, chat, id, force)
		if err != nil {
			o.Log.Warn("can't read the order of a chat's updates; applying in arrival order", "update", id, "err", err)
			break
		}
		if ok {
			if force {
				o.Metrics.UpdatesUnordered.Add(1)
				o.Log.Info("an earlier update of the chat did not come in time; applied without it", "update", id, "waited", wait)
			}
			break
		}
		left := time.Until(deadline)
		if left <= 0 {
			force = true
			continue
		}
		if err := sleepCtx(ctx, min(pause, left)); err != nil {
			return err
		}
		pause = min(2*pause, maxOrderPoll)
	}
	if err := apply(); err != nil {
		return err
	}
	if err := o.Chats.Applied(context.WithoutCancel(ctx), chat, id); err != nil {
		o.Log.Warn("can't record an update of a chat as applied; its next update will wait", "update", id, "err", err)
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
