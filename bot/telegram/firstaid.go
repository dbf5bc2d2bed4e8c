package telegram

import (
	"context"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/dialog"
)

// First aid: /help, /urgent and a message with words of the crisis lists
// get the crisis lines at once, from memory, before the store is asked and
// whatever it does (dialog.Engine.FirstAid; the age is in the store, so
// every line shows). The poller gives it as an update is fetched, before it
// waits in its chat's queue; HandleUpdate gives it otherwise (a webhook).
// Each update gets it once, however often it is tried again, and the
// engine is told (Event.LinesShown) so that it does not show the same lines
// a second time. The alert of /urgent or of crisis words is raised by the
// update's handling as always; when that can't happen now (the store is
// down, or the chat's earlier updates are still waiting) it goes into the
// AlertQueue, durably and in order, and a job raises it when the store
// answers (the update's own handling then raises none: AlertQueued).

// FirstAider says what to show for an event at once, from memory
// (dialog.Engine).
type FirstAider interface {
	FirstAid(ev dialog.Event) (m dialog.Message, alert dialog.AlertKind, ok bool)
}

// AlertQueue keeps alerts to raise once the store answers, durably and in
// order (the spool).
type AlertQueue interface {
	Queue(ctx context.Context, a chat.QueuedAlert) error
}

// aidMemory is how long the edge remembers the first aid of an update, so
// that retries of it do not show it again.
const aidMemory = 15 * time.Minute

// aid is the first aid of one update.
type aid struct {
	done   chan struct{} // closed once it was sent
	alert  dialog.AlertKind
	at     time.Time
	mu     sync.Mutex
	queued bool // its alert is in the AlertQueue
}

type aids struct {
	mu sync.Mutex
	m  map[int64]*aid // by update ID
}

// FirstAid gives an update its first aid if it needs one, before it is
// queued (the poller calls it for every update it fetches): the lines go
// out on a goroutine of their own, so that fetching never waits for a
// send. waiting says that the chat's earlier updates are still queued, so
// that the update's own alert would wait for them: then it is queued now.
func (e *Edge) FirstAid(ctx context.Context, upd *models.Update, waiting bool) {
	in, ok := toRequest(upd, e.o.Username)
	if !ok || !in.Private {
		return
	}
	a, fresh := e.registerAid(in)
	if a == nil {
		return
	}
	if waiting {
		e.queueAlert(ctx, in, a)
	}
	if fresh {
		go e.sendAid(context.WithoutCancel(ctx), in, a)
	}
}

// firstAid gives in its first aid unless it had it, and waits until it is
// out; nil when in needs none.
func (e *Edge) firstAid(ctx context.Context, in chat.Request) *aid {
	a, fresh := e.registerAid(in)
	if a == nil {
		return nil
	}
	if fresh {
		e.sendAid(ctx, in, a)
		return a
	}
	select {
	case <-a.done:
	case <-ctx.Done():
	}
	return a
}

// registerAid finds or makes the aid of in; fresh is true when it is new
// (and must be sent). nil: in needs none.
func (e *Edge) registerAid(in chat.Request) (a *aid, fresh bool) {
	if in.Event.UpdateID == 0 {
		return nil, false
	}
	_, alert, ok := e.o.FirstAid.FirstAid(in.Event)
	if !ok {
		return nil, false
	}
	now := time.Now()
	e.aids.mu.Lock()
	defer e.aids.mu.Unlock()
	if a, ok := e.aids.m[in.Event.UpdateID]; ok {
		return a, false
	}
	if e.aids.m == nil {
		e.aids.m = map[int64]*aid{}
	}
	for id, old := range e.aids.m {
		if now.Sub(old.at) > aidMemory {
			delete(e.aids.m, id)
		}
	}
	a = &aid{done: make(chan struct{}), alert: alert, at: now}
	e.aids.m[in.Event.UpdateID] = a
	return a, true
}

// sendAid shows the first aid in the person's language (langOf).
func (e *Edge) sendAid(ctx context.Context, in chat.Request, a *aid) {
	defer close(a.done)
	ctx, cancel := context.WithTimeout(ctx, e.o.HandleTimeout)
	defer cancel()
	m, _, _ := e.o.FirstAid.FirstAid(in.Event)
	e.o.Metrics.FirstAid.Add(1)
	e.o.Out.Say(ctx, in.Chat, e.langOf(in), nil, m.Parts...)
}

// langOf is the language to speak to the person of in without the store:
// the one the conversation last answered them in, else the one Telegram
// reports.
func (e *Edge) langOf(in chat.Request) string {
	if l, ok := e.o.Out.langs.of(in.Chat); ok {
		return l
	}
	return e.o.Languages.MatchLanguage(in.Event.Lang)
}

// langMemory remembers the language of each chat the conversation
// answered, up to langMemoryMax chats (then it starts again).
type langMemory struct {
	mu sync.Mutex
	m  map[int64]string
}

const langMemoryMax = 100_000

func (l *langMemory) remember(chat int64, lang string) {
	if lang == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil || len(l.m) >= langMemoryMax {
		l.m = map[int64]string{}
	}
	l.m[chat] = lang
}

func (l *langMemory) of(chat int64) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lang, ok := l.m[chat]
	return lang, ok
}

// queueAlert puts the alert of a into the AlertQueue once; a failure is
// logged, and the update's own handling raises the alert then.
func (e *Edge) queueAlert(ctx context.Context, in chat.Request, a *aid) {
	if a.alert == dialog.AlertNone {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.queued {
		return
	}
	q := chat.QueuedAlert{Chat: in.Chat, Kind: a.alert, At: a.at, Update: in.Event.UpdateID}
	if err := e.o.Alerts.Queue(context.WithoutCancel(ctx), q); err != nil {
		e.o.Log.Error("can't queue an alert; it is raised when the update is applied", "chat", e.o.Pseudonyms.Of(in.Chat), "err", err)
		return
	}
	a.queued = true
	e.o.Metrics.AlertsQueued.Add(1)
}

// alertQueued reports whether the alert of a is in the AlertQueue.
func (e *Edge) alertQueued(a *aid) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.queued
}
