package telegram

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/metrics"
)

// UpdateLog remembers, across replicas and restarts, which updates were
// applied (storage/updates.Log does, in Redis).
type UpdateLog interface {
	// Claim takes update id for lease, for the one handler applying it.
	// token is "" when it can't be taken: applied is then true when it was
	// applied already, false while another handler holds it.
	Claim(ctx context.Context, id int64, lease time.Duration) (token string, applied bool, err error)
	// Finish records the update as applied.
	Finish(ctx context.Context, id int64, token string) error
	// Release gives the claim up: the update was not applied.
	Release(ctx context.Context, id int64, token string) error
}

// ErrUpdateBusy is returned for an update that another handler (a replica)
// is applying right now: it is not applied here, and comes back (Telegram
// delivers it again after a webhook's 503; the poller's dispatcher tries
// again), to find it applied.
var ErrUpdateBusy = errors.New("the update is being handled elsewhere")

// Once applies each update at most once, however often Telegram delivers
// it (a webhook call that timed out, a replica that died after applying,
// the poller's inbox after a crash): its side effects, a link minted, an
// alert raised, a case changed, happen once. An update whose handling
// failed is released, so its redelivery is applied. When the log can't be
// reached the update is handled anyway (the sessions still recognise the
// updates they applied).
type Once struct {
	Log     UpdateLog
	Handle  func(ctx context.Context, upd *models.Update) error
	Metrics *metrics.Metrics
	Logger  *slog.Logger
	// Lease bounds how long a claim keeps other replicas off an update
	// whose handler died. Zero: 90 s (above the edge's HandleTimeout).
	Lease time.Duration
}

// HandleUpdate applies upd unless it was applied already.
func (o *Once) HandleUpdate(ctx context.Context, upd *models.Update) error {
	lease := o.Lease
	if lease == 0 {
		lease = 90 * time.Second
	}
	token, applied, err := o.Log.Claim(ctx, upd.ID, lease)
	switch {
	case err != nil:
		o.Logger.Warn("can't check whether an update was applied; handling it", "update", upd.ID, "err", err)
		return o.Handle(ctx, upd)
	case applied:
		o.Metrics.UpdatesRedelivered.Add(1)
		o.Logger.Debug("update delivered again, already applied", "update", upd.ID)
		return nil
	case token == "":
		return ErrUpdateBusy
	}
	if err := o.Handle(ctx, upd); err != nil {
		if rerr := o.Log.Release(context.WithoutCancel(ctx), upd.ID, token); rerr != nil {
			o.Logger.Warn("can't release an update that was not applied", "update", upd.ID, "err", rerr)
		}
		return err
	}
	if err := o.Log.Finish(context.WithoutCancel(ctx), upd.ID, token); err != nil {
		// Applied: saying otherwise would apply it again. Its claim
		// runs out after Lease.
		o.Logger.Warn("can't record an update as applied", "update", upd.ID, "err", err)
	}
	return nil
}
