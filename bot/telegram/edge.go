// Package telegram is the bot's edge to Telegram: updates in (the poller,
// the webhook, one lane per chat), the route table that sends each command
// and button to its room, command menus and rendering of replies, and the
// sender that keeps within Telegram's limits. Besides cmd and the fake Bot
// API of the tests it is the only code that imports the Bot API client;
// the rooms see a chat.Request and answer through Out.
package telegram

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/dialog"
)

// Roles looks up the person behind a request (the staff room does).
type Roles interface {
	Actor(ctx context.Context, req chat.Request) (chat.Actor, error)
}

// Languages matches what Telegram reports of a person to a language the
// bot speaks (dialog.Engine does).
type Languages interface {
	MatchLanguage(code string) string
}

// Options wire an Edge. Every field is required but HandleTimeout.
type Options struct {
	Routes *Routes
	Roles  Roles
	// Fallback handles what no route takes: text, media, unknown
	// commands and the engine's own buttons (the conversation).
	Fallback  func(ctx context.Context, req chat.Request) error
	Languages Languages
	Out       *Out
	Log       *slog.Logger
	Metrics   *metrics.Metrics
	// Seen is told of each message a person sends (the /exit trail).
	Seen func(chat int64, msgID int)
	// Username of the bot, to recognise /command@username.
	Username   string
	Pseudonyms chat.Pseudonyms
	// DefaultLang speaks to people outside a session (group chats).
	DefaultLang string
	// HandleTimeout bounds the work on one update. Zero means 30 seconds.
	HandleTimeout time.Duration
	// FirstAid: what to show at once for /help, /urgent and crisis words
	// (firstaid.go); Alerts keeps their alerts while the store is down.
	FirstAid FirstAider
	Alerts   AlertQueue
}

// Edge turns updates into requests and hands them to the rooms. It is safe
// for concurrent use by different chats; updates of one chat must be handed
// to it one at a time (the Poller and the Lanes do).
type Edge struct {
	o Options

	mu       sync.Mutex
	toldDown map[int64]time.Time // chats told that the store is down
}

// NewEdge makes an Edge.
func NewEdge(o Options) (*Edge, error) {
	if o.Routes == nil || o.Roles == nil || o.Fallback == nil || o.Languages == nil || o.Out == nil ||
		o.Log == nil || o.Metrics == nil || o.Seen == nil || o.FirstAid == nil || o.Alerts == nil {
		return nil, fmt.Errorf("telegram: an edge needs routes, roles, a fallback, languages, out, a log, metrics, seen, first aid and an alert queue")
	}
	if o.HandleTimeout == 0 {
		o.HandleTimeout = 30 * time.Second
	}
	return &Edge{o: o, toldDown: map[int64]time.Time{}}, nil
}

// HandleUpdate applies one update. It returns an error only when the
// update was not applied because the store failed: the caller tries it
// again later (the poller in order, Telegram for a webhook). A panic is
// caught here: the person gets an apology and the next message works.
func (e *Edge) HandleUpdate(ctx context.Context, upd *models.Update) (err error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, e.o.HandleTimeout)
	defer cancel()
	in, ok := toRequest(upd, e.o.Username)
	if !ok {
		e.o.Metrics.Updates.Add(1)
		return nil
	}
	log := e.o.Log.With("chat", e.o.Pseudonyms.Of(in.Chat), "update", upd.ID)
	defer func() {
		if p := recover(); p != nil {
			e.o.Metrics.Panics.Add(1)
			log.Error("panic while handling update", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			e.apologise(ctx, in, "error.sorry")
			err = nil // handling it again would panic again
		}
		if err == nil {
			// Counted once the replies are out: a test or a load tool can
			// wait on this counter to know an update is fully handled.
			e.o.Metrics.Updates.Add(1)
		}
		e.o.Metrics.Observe(time.Since(start))
	}()
	if !in.Private {
		e.notPrivate(ctx, in)
		return nil
	}
	if in.Message != 0 {
		e.o.Seen(in.Chat, in.Message)
	}
	// The crisis lines first, from memory (firstaid.go).
	a := e.firstAid(ctx, in)
	if a != nil {
		in.Event.LinesShown = true
		in.AlertQueued = a.Queued()
	}
	if err := e.route(ctx, in); err != nil {
		e.o.Metrics.StoreErrors.Add(1)
		log.Error("can't handle update", "err", err)
		if a != nil { // staff hear of it when the store is back
			e.queueAlert(ctx, in, a)
		}
		e.unavailable(ctx, in)
		return err
	}
	return nil
}

// route hands the request to the room of its route, after the role check
// of the route, or to the fallback.
func (e *Edge) route(ctx context.Context, in chat.Request) error {
	r, arg, ok := e.o.Routes.find(in.Event)
	if !ok {
		return e.o.Fallback(ctx, in)
	}
	if r.Command != "" {
		in.Event.Command = r.Command // an alias reaches the room by its name
	}
	a := chat.Actor{ID: in.Chat, Lang: e.o.Languages.MatchLanguage(in.Event.Lang)}
	if r.Who != Everyone {
		var err error
		if a, err = e.o.Roles.Actor(ctx, in); err != nil {
			return err
		}
	}
	if !r.Who.allows(a) {
		e.o.Log.Info("staff action refused", "chat", e.o.Pseudonyms.Of(in.Chat), "staff", a.IsStaff())
		if in.IsPress() {
			e.o.Out.Answer(ctx, in, render.PlainText(e.o.Out.R.Text(a.Lang, dialog.T("staff.refused"))))
			return nil
		}
		e.o.Out.Say(ctx, in.Chat, a.Lang, nil, dialog.T("staff.refused"))
		return nil
	}
	if !in.IsPress() || r.Press == nil {
		return r.Do(ctx, in, a)
	}
	toast, err := r.Press(ctx, in, a, arg)
	if err != nil {
		return err
	}
	text := ""
	if toast.ID != "" {
		text = render.PlainText(e.o.Out.R.Text(a.Lang, toast))
	}
	e.o.Out.Answer(ctx, in, text)
	return nil
}

// unavailable says so at most once per chat in a while, however often the
// update is tried again.
func (e *Edge) unavailable(ctx context.Context, in chat.Request) {
	now := time.Now()
	e.mu.Lock()
	last, told := e.toldDown[in.Chat]
	if !told || now.Sub(last) > apologyInterval {
		e.toldDown[in.Chat] = now
	}
	for c, t := range e.toldDown {
		if now.Sub(t) > apologyInterval {
			delete(e.toldDown, c)
		}
	}
	e.mu.Unlock()
	if told && now.Sub(last) <= apologyInterval {
		e.o.Out.Answer(ctx, in, "")
		return
	}
	e.apologise(ctx, in, "error.try_again")
}

// apologyInterval is how often a person hears that the bot can't save
// right now, while it keeps trying.
const apologyInterval = 2 * time.Minute

// apologise tells the person that something went wrong on our side, in the
// language Telegram reports for them.
func (e *Edge) apologise(ctx context.Context, in chat.Request, id string) {
	e.o.Out.Answer(ctx, in, "")
	if !in.Private {
		return
	}
	e.o.Out.Say(ctx, in.Chat, e.o.Languages.MatchLanguage(in.Event.Lang), nil, dialog.T(id))
}

// notPrivate answers in a group: the intake is only for a private chat, and
// nothing else happens there. Only commands get an answer, so that the bot
// does not talk over a group's conversation.
func (e *Edge) notPrivate(ctx context.Context, in chat.Request) {
	if in.IsPress() {
		e.o.Out.Answer(ctx, in, "")
		return
	}
	if in.Event.Kind != dialog.EventCommand {
		return
	}
	e.o.Out.Say(ctx, in.Chat, e.o.DefaultLang, nil, dialog.T("group.only_private"))
}

// Crowded handles an update beyond its chat's queue cap (fair lanes):
// merged into the chat's last queued message, or dropped. It joins the
// /exit trail all the same, a press is answered, and with notice the
// person hears so; the sends run on a goroutine of their own.
func (e *Edge) Crowded(ctx context.Context, upd *models.Update, dropped, notice bool) {
	in, ok := toRequest(upd, e.o.Username)
	if !ok || !in.Private {
		return
	}
	map[bool]*atomic.Int64{true: &e.o.Metrics.Edge.LaneDropped, false: &e.o.Metrics.Edge.LaneMerged}[dropped].Add(1)
	if in.Message != 0 {
		e.o.Seen(in.Chat, in.Message)
	}
	if !in.IsPress() && !notice {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.o.HandleTimeout)
		defer cancel()
		if in.IsPress() {
			e.o.Out.Answer(ctx, in, "")
		}
		if !notice {
			return
		}
		id := "lane.merged"
		if dropped {
			id = "lane.dropped"
		}
		e.o.Out.Say(ctx, in.Chat, e.langOf(in), nil, dialog.T(id))
	}()
}
