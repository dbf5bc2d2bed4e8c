package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

// The on-call roster is one hash, <prefix>oncall: field the window ID (a
// number), value the window as plain JSON {staff, days, from, to, order}.
// It holds user IDs and times only; names come from the staff records.
// The ID is one more than the highest in use and is also the order, so
// the roster is called in the order the windows were added.

// OnCall keeps the on-call roster: who is called, on which days and
// hours, when a young person raises an alert. It is safe for concurrent
// use.
type OnCall struct{ base }

// addOnCallScript stores ARGV[1], a JSON template with %d for the order,
// under the next free ID and answers the ID.
var addOnCallScript = loadScript("add_oncall")

// AddOnCall adds a window to the end of the roster and returns it with its
// ID and order. One round trip.
func (oc *OnCall) AddOnCall(ctx context.Context, w domain.OnCallWindow) (domain.OnCallWindow, error) {
	if !w.Valid() {
		return w, errors.New("can't add on-call window: it is not valid")
	}
	// Every field is a number, so the JSON has no % but the order's.
	tmpl := fmt.Sprintf(`{"staff":%d,"days":%d,"from":%d,"to":%d,"order":%%d}`, w.Staff, w.Days, w.From, w.To)
	id, err := addOnCallScript.Run(ctx, oc.client, []string{oc.onCallKey()}, tmpl).Int()
	if err != nil {
		return w, fmt.Errorf("can't add on-call window: %w", err)
	}
	w.ID, w.Order = id, id
	return w, nil
}

// OnCallRoster returns every window in roster order. One round trip.
func (oc *OnCall) OnCallRoster(ctx context.Context) ([]domain.OnCallWindow, error) {
	all, err := oc.client.HGetAll(ctx, oc.onCallKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("can't load the on-call roster: %w", err)
	}
	out := make([]domain.OnCallWindow, 0, len(all))
	for k, v := range all {
		id, err := strconv.Atoi(k)
		var w domain.OnCallWindow
		if err != nil || json.Unmarshal([]byte(v), &w) != nil || !w.Valid() {
			return nil, fmt.Errorf("can't load the on-call roster: %w: a window is malformed", ErrCorrupt)
		}
		w.ID = id
		out = append(out, w)
	}
	slices.SortFunc(out, domain.CompareWindows)
	return out, nil
}

// RemoveOnCall removes window id; false when there was none. One round
// trip.
func (oc *OnCall) RemoveOnCall(ctx context.Context, id int) (bool, error) {
	n, err := oc.client.HDel(ctx, oc.onCallKey(), strconv.Itoa(id)).Result()
	if err != nil {
		return false, fmt.Errorf("can't remove on-call window: %w", err)
	}
	return n > 0, nil
}

// OnCallAt returns the staff on call at t (a wall clock in loc), in roster
// order, each once. One round trip.
func (oc *OnCall) OnCallAt(ctx context.Context, t time.Time, loc *time.Location) ([]int64, error) {
	roster, err := oc.OnCallRoster(ctx)
	if err != nil {
		return nil, err
	}
	return domain.OnCallAt(roster, t, loc), nil
}
