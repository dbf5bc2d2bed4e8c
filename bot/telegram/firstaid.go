package telegram

import (
	"context"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/firstaid"
	"github.com/intakebot/intakebot/dialog"
)

// First aid (see package bot/firstaid): the crisis lines from memory,
// before the store is asked; alerts spooled while it can't take them.

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

// FirstAid gives an update its first aid if it needs one, before it is
// queued (the poller calls it for every update it fetches): the lines go
// out on a goroutine of their own, so that fetching never waits for a
// send. waiting says that the chat's earlier updates are still queued, so
// that the update's own alert would wait for them: then it is queued now.
// It reports whether upd got first aid.
func (e *Edge) FirstAid(ctx context.Context, upd *models.Update, waiting bool) bool {
	in, ok := toRequest(upd, e.o.Username)
	if !ok || !in.Private {
		return false
	}
	a, fresh := e.registerAid(in)
	if a == nil {
		return false
	}
	if waiting {
		e.queueAlert(ctx, in, a)
	}
	if fresh {
		go e.sendAid(context.WithoutCancel(ctx), in, a)
	}
	return true
}

// firstAid gives in its first aid unless it had it, and waits until it is
// out; nil when in needs none.
func (e *Edge) firstAid(ctx context.Context, in chat.Request) *firstaid.Aid {
	a, fresh := e.registerAid(in)
	if a == nil {
		return nil
	}
	if fresh {
		e.sendAid(ctx, in, a)
	}
	a.Wait(ctx)
	return a
}

// registerAid finds or makes the aid of in; fresh: it is new (to send).
func (e *Edge) registerAid(in chat.Request) (a *firstaid.Aid, fresh bool) {
	if _, alert, ok := e.o.FirstAid.FirstAid(in.Event); ok && in.Event.UpdateID != 0 {
		return e.o.Out.mem.Register(in.Event.UpdateID, alert, time.Now())
	}
	return nil, false
}

// sendAid shows the first aid in the language the conversation last
// answered the person in, else Telegram's.
func (e *Edge) sendAid(ctx context.Context, in chat.Request, a *firstaid.Aid) {
	defer a.Sent()
	ctx, cancel := context.WithTimeout(ctx, e.o.HandleTimeout)
	defer cancel()
	m, _, _ := e.o.FirstAid.FirstAid(in.Event)
	e.o.Metrics.Edge.FirstAid.Add(1)
	e.o.Out.Say(ctx, in.Chat, e.langOf(in), nil, m.Parts...)
}

func (e *Edge) langOf(in chat.Request) string {
	return e.o.Out.mem.LangOr(in.Chat, e.o.Languages.MatchLanguage(in.Event.Lang))
}

// queueAlert puts the alert of a into the AlertQueue once; a failure is
// logged, and the update's own handling raises the alert then.
func (e *Edge) queueAlert(ctx context.Context, in chat.Request, a *firstaid.Aid) {
	err := a.Queue(func() error {
		e.o.Metrics.Edge.AlertsQueued.Add(1)
		return e.o.Alerts.Queue(context.WithoutCancel(ctx), chat.QueuedAlert{Chat: in.Chat, Kind: a.Alert, At: a.At, Update: in.Event.UpdateID})
	})
	if err != nil {
		e.o.Log.Error("can't queue an alert; it is raised when the update is applied", "chat", e.o.Pseudonyms.Of(in.Chat), "err", err)
	}
}
