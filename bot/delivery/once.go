// Package delivery makes Telegram's at-least-once, any-order delivery of
// updates into once and in order: Once applies an update once however often
// it is delivered, Order applies one chat's updates in update_id order
// across the replicas of a webhook deployment. Both keep their state
// behind small interfaces (storage/updates implements them in Redis).
package delivery

import (
	"context"
	"errors"
	"log/slog"
	"time"

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
	// Extend keeps the claim for another lease while the update is being
	// handled; false when it is no longer token's.
	Extend(ctx context.Context, id int64, token string, lease time.Duration) (bool, error)
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
	Metrics *metrics.Metrics
	Logger  *slog.Logger
	// Lease bounds how long a claim keeps others off an update whose
	// handler died (a crash, a SIGKILL); it is extended every third of it
	// while the update is handled. Zero: DefaultLease.
	Lease time.Duration
}

// DefaultLease is the claim's lease when Once.Lease is zero.
const DefaultLease = 6 * time.Second

// Do runs apply for update id unless the update was applied already;
// apply returning nil means applied.
func (o *Once) Do(ctx context.Context, id int64, apply func(context.Context) error) error {
	lease := o.Lease
	if lease <= 0 {
		lease = DefaultLease
	}
	token, applied, err := o.Log.Claim(ctx, id, lease)
	switch {
	case err != nil:
		o.Logger.Warn("can't check whether an update was applied; handling it", "update", id, "err", err)
		return apply(ctx)
	case applied:
		o.Metrics.UpdatesRedelivered.Add(1)
		o.Logger.Debug("update delivered again, already applied", "update", id)
		return nil
	case token == "":
		return ErrUpdateBusy
	}
	stop := o.keep(ctx, id, token, lease)
	err = apply(ctx)
	stop()
	if err != nil {
		if rerr := o.Log.Release(context.WithoutCancel(ctx), id, token); rerr != nil {
			o.Logger.Warn("can't release an update that was not applied", "update", id, "err", rerr)
		}
		return err
	}
	if err := o.Log.Finish(context.WithoutCancel(ctx), id, token); err != nil {
		// Applied: saying otherwise would apply it again. Its claim
		// runs out after Lease.
		o.Logger.Warn("can't record an update as applied", "update", id, "err", err)
	}
	return nil
}

// keep extends the claim every third of lease until stop is called.
func (o *Once) keep(ctx context.Context, id int64, token string, lease time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if ok, err := o.Log.Extend(context.WithoutCancel(ctx), id, token, lease); err != nil || !ok {
					o.Logger.Warn("can't extend the claim on an update being handled", "update", id, "err", err)
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
