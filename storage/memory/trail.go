package memory

import (
	"context"
	"slices"
)

// Trail keeps the /exit trail of each chat, as storage.Trail does: the
// newest storage.TrailMaxLen entries, oldest first, until storage.TrailTTL
// after the last push. It is safe for concurrent use.
type Trail struct{ d *data }

// Push appends entries to the trail of each session key, in order, keeps
// the newest storage.TrailMaxLen of each and lets each expire
// storage.TrailTTL from now.
func (t *Trail) Push(_ context.Context, entries map[string][]string) error {
	d := t.d
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	for key, list := range entries {
		if len(list) == 0 {
			continue
		}
		tr := d.trails[key]
		if !tr.live(now) {
			tr.v = nil
		}
		tr.v = append(slices.Clone(tr.v), list...)
		if over := len(tr.v) - d.trailMaxLen; over > 0 {
			tr.v = tr.v[over:]
		}
		tr.until = now.Add(d.trailTTL)
		d.trails[key] = tr
	}
	return nil
}

// Take returns the trail of key, oldest first, and removes it.
func (t *Trail) Take(_ context.Context, key string) ([]string, error) {
	d := t.d
	d.mu.Lock()
	defer d.mu.Unlock()
	tr, ok := d.trails[key]
	delete(d.trails, key)
	if !ok || !tr.live(d.now()) {
		return []string{}, nil
	}
	return slices.Clone(tr.v), nil
}
