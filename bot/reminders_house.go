package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/jobs"
	"github.com/intakebot/intakebot/bot/privacy"
	"github.com/intakebot/intakebot/bot/reminders"
)

// newReminders builds the room of the staff's reminders.
func (b *Bot) newReminders() (*reminders.Reminders, error) {
	o := b.o
	checkin := *o.Engine
	checkin.Flow, checkin.Consent = o.CheckinFlow, false
	room, err := reminders.New(reminders.Options{
		Out: b.out, Store: o.Reminders, Cases: o.Cases, Sessions: o.Store,
		Checkin: &checkin, CheckinStore: o.CheckinStore, Alerts: b.alerts,
		Dir: b.dir, Auditor: b.auditor, Log: o.Log, Now: o.Now,
		Loc: o.Loc, Quiet: o.Quiet, RegisterFee: o.RegisterFee,
		Nudges: o.Nudges, NudgeID: b.nudgeID,
	})
	if err != nil {
		return nil, fmt.Errorf("bot: can't make the reminders room: %w", err)
	}
	return room, nil
}

// ReminderJob sends the reminders that fall due, as a job of the runner.
func (b *Bot) ReminderJob() jobs.Queue {
	return b.remind.Job(func(id string) slog.Attr { return slog.String("reminder", b.pseudo.OfKey(id)) })
}

// erasure erases a young person's reminders with their other traces
// (/delete and the retention).
type erasure struct {
	privacy.Erasure
	remind *reminders.Reminders
	nudged *nudgeSeen
}

func (e erasure) EraseTraces(ctx context.Context, userID int64, key string) error {
	// A new intake after the erasure gets its idle nudge made again.
	e.nudged.forget(key)
	return errors.Join(e.Erasure.EraseTraces(ctx, userID, key), e.remind.EraseFor(ctx, key))
}

// converse is the young person's text, media or button that no route
// takes, and their /pause, /back and /skip: the open check-in's when it
// takes it, else the intake's conversation.
func (b *Bot) converse(ctx context.Context, in chat.Request) error {
	taken, err := b.remind.Checkin(ctx, in)
	if err != nil || taken {
		return err
	}
	return b.conv.Handle(ctx, in)
}
