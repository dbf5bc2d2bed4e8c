package memory

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

// OnCall keeps the on-call roster, as storage.OnCall does: a window's ID
// is one more than the highest in use and is also its order. It is safe
// for concurrent use.
type OnCall struct{ d *data }

// AddOnCall adds a window to the end of the roster and returns it with its
// ID and order.
func (oc *OnCall) AddOnCall(_ context.Context, w domain.OnCallWindow) (domain.OnCallWindow, error) {
	if !w.Valid() {
		return w, errors.New("can't add on-call window: it is not valid")
	}
	oc.d.mu.Lock()
	defer oc.d.mu.Unlock()
	id := 0
	for k := range oc.d.oncall {
		id = max(id, k)
	}
	w.ID, w.Order = id+1, id+1
	oc.d.oncall[w.ID] = w
	return w, nil
}

// OnCallRoster returns every window in roster order.
func (oc *OnCall) OnCallRoster(context.Context) ([]domain.OnCallWindow, error) {
	oc.d.mu.Lock()
	defer oc.d.mu.Unlock()
	out := make([]domain.OnCallWindow, 0, len(oc.d.oncall))
	for _, w := range oc.d.oncall {
		out = append(out, w)
	}
	slices.SortFunc(out, domain.CompareWindows)
	return out, nil
}

// RemoveOnCall removes window id; false when there was none.
func (oc *OnCall) RemoveOnCall(_ context.Context, id int) (bool, error) {
	oc.d.mu.Lock()
	defer oc.d.mu.Unlock()
	_, ok := oc.d.oncall[id]
	delete(oc.d.oncall, id)
	return ok, nil
}

// OnCallAt returns the staff on call at t (a wall clock in loc), in roster
// order, each once.
func (oc *OnCall) OnCallAt(ctx context.Context, t time.Time, loc *time.Location) ([]int64, error) {
	roster, err := oc.OnCallRoster(ctx)
	if err != nil {
		return nil, err
	}
	return domain.OnCallAt(roster, t, loc), nil
}
