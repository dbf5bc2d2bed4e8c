package alerts

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/jobs"
	"github.com/intakebot/intakebot/dialog"
)

// Spool is the queue of alerts the edge could not raise as their update
// was handled (the store was down): on local disk, in order
// (storage/spool). First returns the oldest with its ID (an ID with an
// error: a record that does not open); Done drops it.
type Spool interface {
	First(ctx context.Context) (id string, data []byte, ok bool, err error)
	Done(ctx context.Context, id string) error
}

// spoolRetry is how long the spool waits after a raise failed (the store
// still down) before it tries the same alert again.
const spoolRetry = 2 * time.Second

// SpoolJob raises the alerts of the spool one at a time, in the order they
// came, as soon as the store answers: the first one that can't be raised
// yet holds the ones after it. A record that does not open is logged,
// counted and passed (never silently). The spool is this replica's own,
// so the job needs no lease of the store: its claim is in memory.
func (x *Alerts) SpoolJob() jobs.Queue {
	var (
		mu      sync.Mutex
		retryAt time.Time
	)
	fail := func(now time.Time) {
		mu.Lock()
		retryAt = now.Add(spoolRetry)
		mu.Unlock()
	}
	return jobs.Queue{
		Name: "alert-spool",
		Claim: func(ctx context.Context, now time.Time, _ time.Duration, _ int) ([]string, error) {
			mu.Lock()
			wait := now.Before(retryAt)
			mu.Unlock()
			if wait {
				return nil, nil
			}
			id, _, ok, _ := x.o.Spool.First(ctx)
			if !ok {
				return nil, nil
			}
			return []string{id}, nil
		},
		Run: func(ctx context.Context, id string, now time.Time) error {
			if err := x.raiseSpooled(ctx, id); err != nil {
				fail(now)
				return err
			}
			return nil
		},
		Every: spoolRetry, Lease: alertLease, Batch: 1, Timeout: alertTimeout + alertSaveGrace,
		Item: func(string) slog.Attr { return slog.String("spool", "alerts") },
	}
}

// raiseSpooled raises the spooled alert id (the first) and drops it.
func (x *Alerts) raiseSpooled(ctx context.Context, id string) error {
	first, data, ok, err := x.o.Spool.First(ctx)
	if !ok || first != id {
		return nil // done meanwhile
	}
	var q chat.QueuedAlert
	if err == nil {
		q, err = chat.DecodeQueuedAlert(data)
	}
	if err != nil {
		x.o.Log.Error("an alert in the spool can't be read; it is passed", "err", err)
		return x.o.Spool.Done(ctx, id)
	}
	key := chat.SessionKey(q.Chat)
	log := x.o.Log.With("chat", x.pseudo.Of(q.Chat), "alert", string(q.Kind))
	s, found, err := x.o.Sessions.Load(ctx, key)
	if err != nil {
		return err
	}
	if found {
		work, finish := x.work.Track(ctx, key)
		err := x.raise(work, s, q.Kind)
		finish()
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		log.Info("alert from the spool raised", "queued", q.At)
	} else {
		log.Info("alert from the spool: no intake, nobody to alert")
	}
	x.o.Metrics.Edge.AlertsDrained.Add(1)
	return x.o.Spool.Done(ctx, id)
}

// againCount is how many signals the young person gave since the alert
// started, this one included (at least 2: the first and this one).
func againCount(s dialog.Session, started time.Time) int {
	n := 1
	for _, sg := range s.Signals {
		if sg.At.After(started) {
			n++
		}
	}
	return max(n, 2)
}
