// Package firstaid is the edge's memory of the first aid it gave.
//
// First aid: /help, /urgent and a message with words of the crisis lists
// get the crisis lines at once, from memory, before the store is asked and
// whatever it does (dialog.Engine.FirstAid; the age is in the store, so
// every line shows). The poller gives it as an update is fetched, before it
// waits in its chat's queue; Edge.HandleUpdate gives it otherwise (a
// webhook). Each update gets it once, however often it is tried again, and
// the engine is told (Event.LinesShown) so that it does not show the same
// lines a second time. The alert of /urgent or of crisis words is raised by
// the update's handling as always; when that can't happen now (the store
// is down, or the chat's earlier updates are still waiting) it goes into
// the spool, durably and in order, and a job raises it when the store
// answers (the update's own handling then raises none: AlertQueued).
//
// Memory remembers, for a while, which update got first aid and whether
// its alert went into the spool, and the language each chat was last
// answered in, so that first aid speaks it without the store.
package firstaid

import (
	"context"
	"sync"
	"time"

	"github.com/intakebot/intakebot/dialog"
)

// Remember is how long the first aid of an update is remembered.
const Remember = 15 * time.Minute

// maxLangs bounds the languages remembered (then the memory starts again).
const maxLangs = 100_000

// Memory is safe for concurrent use; its zero value is ready.
type Memory struct {
	mu    sync.Mutex
	aids  map[int64]*Aid // by update ID
	langs map[int64]string
}

// Aid is the first aid of one update.
type Aid struct {
	Alert dialog.AlertKind // the alert the update asks for (none for /help)
	At    time.Time

	done   chan struct{}
	mu     sync.Mutex
	queued bool
}

// Register finds or makes the aid of update; fresh is true when it is new
// and must be sent (then Sent once it was).
func (m *Memory) Register(update int64, alert dialog.AlertKind, now time.Time) (a *Aid, fresh bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a, ok := m.aids[update]; ok {
		return a, false
	}
	if m.aids == nil {
		m.aids = map[int64]*Aid{}
	}
	for id, old := range m.aids {
		if now.Sub(old.At) > Remember {
			delete(m.aids, id)
		}
	}
	a = &Aid{Alert: alert, At: now, done: make(chan struct{})}
	m.aids[update] = a
	return a, true
}

// Sent marks the aid as out.
func (a *Aid) Sent() { close(a.done) }

// Wait waits until the aid is out, or ctx ends.
func (a *Aid) Wait(ctx context.Context) {
	select {
	case <-a.done:
	case <-ctx.Done():
	}
}

// Queue runs queue once its alert is to be spooled, unless it was, and
// records that it was when queue succeeds; an aid without an alert queues
// nothing.
func (a *Aid) Queue(queue func() error) error {
	if a.Alert == dialog.AlertNone {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.queued {
		return nil
	}
	if err := queue(); err != nil {
		return err
	}
	a.queued = true
	return nil
}

// Queued reports whether the aid's alert is in the spool.
func (a *Aid) Queued() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.queued
}

// RememberLang keeps the language a chat was answered in.
func (m *Memory) RememberLang(chat int64, lang string) {
	if lang == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.langs == nil || len(m.langs) >= maxLangs {
		m.langs = map[int64]string{}
	}
	m.langs[chat] = lang
}

// LangOr is the language a chat was last answered in, else fallback.
func (m *Memory) LangOr(chat int64, fallback string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if l, ok := m.langs[chat]; ok {
		return l
	}
	return fallback
}
