package privacy

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"
)

// FuzzParseShown: whatever a trail holds, parsing never panics, and an
// entry it accepts reads back the same after writing it again.
func FuzzParseShown(f *testing.F) {
	for _, s := range []string{"1:1700000000", "42:1700000000:d", "7:0:u", "", ":", "1:2:3", "-1:5", "+1:5", "1:+5",
		"99999999999999999999:1", "1:99999999999999999999", "1:1:x", "1:1:u:u", "0:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, e string) {
		s, ok := parseShown(e)
		if !ok {
			return
		}
		if s.id <= 0 || s.at.Unix() < 0 || (s.kind != shownText && s.kind != shownDoc && s.kind != shownOwn) {
			t.Fatalf("parseShown(%q) = %+v", e, s)
		}
		again, ok := parseShown(s.String())
		if !ok || again != s {
			t.Fatalf("parseShown(%q) = %+v, written %q, read back %+v %v", e, s, s.String(), again, ok)
		}
	})
}

// memTrail is a TrailStore that counts its pushes.
type memTrail struct {
	mu     sync.Mutex
	lists  map[string][]string
	pushes int
}

func (m *memTrail) Push(_ context.Context, entries map[string][]string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pushes++
	for k, l := range entries {
		m.lists[k] = append(m.lists[k], l...)
	}
	return nil
}

func (m *memTrail) Take(_ context.Context, key string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.lists[key]
	delete(m.lists, key)
	return l, nil
}

// The recorder writes in batches, keeps each chat's order, and flush
// waits for everything recorded before it; close writes the rest.
func TestRecorderBatchesAndFlushes(t *testing.T) {
	store := &memTrail{lists: map[string][]string{}}
	r := newRecorder(store, slog.New(slog.DiscardHandler))
	at := time.Unix(1700000000, 0)
	for i := 1; i <= 250; i++ {
		r.record(strconv.Itoa(i%2), shown{id: i, at: at, kind: shownText})
	}
	if err := r.flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	store.mu.Lock()
	got0, got1, pushes := store.lists["0"], store.lists["1"], store.pushes
	store.mu.Unlock()
	if len(got0) != 125 || len(got1) != 125 {
		t.Fatalf("recorded %d and %d entries, want 125 each", len(got0), len(got1))
	}
	for i, e := range got1 {
		if s, ok := parseShown(e); !ok || s.id != 2*i+1 {
			t.Fatalf("entry %d of chat 1 = %q", i, e)
		}
	}
	if pushes < 3 || pushes > 10 {
		t.Errorf("%d pushes for 250 entries in batches of %d", pushes, recorderBatch)
	}
	r.record("0", shown{id: 999, at: at, kind: shownOwn})
	r.close()
	r.close() // twice is fine
	if l, _ := store.Take(context.Background(), "0"); l[len(l)-1] != "999:1700000000:u" {
		t.Fatalf("close did not write the last entry: %q", l[len(l)-1])
	}
	if err := r.flush(context.Background()); err != nil {
		t.Fatalf("flush after close: %v", err)
	}
}
