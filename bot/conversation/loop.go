// Package conversation is the young person's conversation: Loop runs one
// event through the questionnaire engine on the stored session, with
// compare-and-set (the Telegram edge and the terminal demo share it), and
// Conversation is the workflow around it: someone without a session first,
// the replies, an alert and the handoff to the director.
package conversation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/dialog"
)

// Store keeps sessions (storage.Sessions, through a small adapter in cmd).
type Store interface {
	// Load returns the session of key, perhaps from a cache; found is
	// false when there is none.
	Load(ctx context.Context, key string) (s dialog.Session, found bool, err error)
	// LoadFresh is Load past any cache (a store without one loads).
	LoadFresh(ctx context.Context, key string) (s dialog.Session, found bool, err error)
	// Save stores s if the stored version still is s.Version (compare and
	// set) and returns it with its new version, or domain.ErrConflict.
	Save(ctx context.Context, s dialog.Session) (dialog.Session, error)
	// Quarantine sets the session of key aside, kept but out of the way,
	// as one that does not open (domain.ErrUnreadable); false when there
	// was none (another replica did it, or it expired).
	Quarantine(ctx context.Context, key string) (bool, error)
}

// Loop decides events on sessions.
type Loop struct {
	Engine  *dialog.Engine
	Store   Store
	Metrics *metrics.Metrics
}

// attempts bounds the compare-and-set retries of one event.
const attempts = 5

// Decide loads the session of key, runs the engine on ev and saves the
// result with compare-and-set; a lost race loads again and decides again,
// so two fast messages never overwrite each other. A decision that
// changes nothing is not saved, so no compare-and-set checks it: it is
// made again on the state in the store (past a cache), so that a replica
// with an old copy never answers from it. prep, when not nil, changes the
// session before the engine sees it (the link to a director).
func (l *Loop) Decide(ctx context.Context, key string, ev dialog.Event, prep func(*dialog.Session)) (dialog.Result, error) {
	fresh := false
	for range attempts {
		load := l.Store.Load
		if fresh {
			load = l.Store.LoadFresh
		}
		s, found, err := load(ctx, key)
		if err != nil {
			return dialog.Result{}, fmt.Errorf("can't load session: %w", err)
		}
		if !found {
			s = dialog.NewSession(key)
		}
		prepped := false
		if prep != nil {
			before := s.Clone()
			prep(&s)
			prepped = !s.Equal(before)
		}
		res := l.Engine.Handle(s, ev)
		res.Changed = res.Changed || (prepped && !res.Duplicate)
		if !res.Changed {
			if !fresh {
				fresh = true
				continue
			}
			return res, nil
		}
		saved, err := l.Store.Save(ctx, res.Session)
		if errors.Is(err, domain.ErrConflict) {
			l.Metrics.Conflicts.Add(1)
			fresh = true
			continue
		}
		if err != nil {
			return dialog.Result{}, fmt.Errorf("can't save session: %w", err)
		}
		res.Session = saved
		return res, nil
	}
	return dialog.Result{}, fmt.Errorf("can't save session: %w after %d attempts", domain.ErrConflict, attempts)
}

// unreadableTries is how often a session that does not open is read before
// it is set aside, with unreadablePause, then twice that, in between: a
// record does not heal by itself, but a read can meet a restore or a key
// rotation halfway.
const unreadableTries = 3

var unreadablePause = 50 * time.Millisecond

// SetAside is for an update that met a record that does not open
// (domain.ErrUnreadable). It reads the session of key again a few times;
// when it still does not open, it sets it aside (Store.Quarantine), so
// that the chat starts anew instead of failing for ever. moved reports
// that this call set it aside; false with a nil error means the session
// opens now (the bad record is another one) or is gone already.
func (l *Loop) SetAside(ctx context.Context, key string) (moved bool, err error) {
	for i := range unreadableTries {
		if i > 0 {
			t := time.NewTimer(time.Duration(i) * unreadablePause)
			select {
			case <-ctx.Done():
				t.Stop()
				return false, ctx.Err()
			case <-t.C:
			}
		}
		_, _, err := l.Store.LoadFresh(ctx, key)
		if err == nil {
			return false, nil
		}
		if !errors.Is(err, domain.ErrUnreadable) {
			return false, err
		}
	}
	moved, err = l.Store.Quarantine(ctx, key)
	if err != nil {
		return false, err
	}
	if moved {
		l.Metrics.Quarantined.Add(1)
	}
	return moved, nil
}
