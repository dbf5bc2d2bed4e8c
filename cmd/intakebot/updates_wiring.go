package main

import (
	"context"
	"log/slog"

	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/delivery"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/storage/updates"
)

// onceInOrder wraps the edge's handler so that an update delivered again is
// not applied again (both modes), and returns the webhook's ordering step
// (nil when INTAKEBOT_ORDER_WAIT is off), both on Redis.
func onceInOrder(rdb redis.UniversalClient, cfg *config, handle func(context.Context, *models.Update) error,
	met *metrics.Metrics, log *slog.Logger) (func(context.Context, *models.Update) error, telegram.Sequencer) {
	upd := updates.New(rdb, cfg.KeyPrefix)
	once := &delivery.Once{Log: upd, Metrics: met, Logger: log}
	h := func(ctx context.Context, u *models.Update) error {
		return once.Do(ctx, u.ID, func(ctx context.Context) error { return handle(ctx, u) })
	}
	if cfg.OrderWait <= 0 {
		return h, nil // a nil interface: no ordering
	}
	return h, &delivery.Order{Chats: upd, Metrics: met, Log: log, Wait: cfg.OrderWait}
}
