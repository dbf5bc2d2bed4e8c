// Package bot is the intake bot's house: New builds the Telegram edge and
// the workflows (the conversation, staff and links, the handoff, alerts
// and on-call, privacy) on the stores it is given, and the route table in
// routes.go sends each command and button to the workflow that handles it.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/intakebot/intakebot/bot/alerts"
	"github.com/intakebot/intakebot/bot/background"
	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/jobs"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/team"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/dialog"
)

// ErrConflict is returned by Store.Save when the session changed since it
// was loaded; the edge then loads it again and decides again.
var ErrConflict = errors.New("session changed concurrently")

// Store keeps sessions (storage.Sessions, through a small adapter in cmd).
type Store interface {
	// Load returns the session of key; found is false when there is none.
	Load(ctx context.Context, key string) (s dialog.Session, found bool, err error)
	// Save stores s if the stored version still is s.Version (compare and
	// set) and returns it with its new version, or ErrConflict.
	Save(ctx context.Context, s dialog.Session) (dialog.Session, error)
}

// Options wire a Bot.
type Options struct {
	Engine   *dialog.Engine
	Store    Store
	Renderer *render.Renderer
	API      telegram.TelegramAPI
	Log      *slog.Logger
	// Username of the bot, to recognise /command@username.
	Username string
	// PseudonymKey keys the hash that stands for a chat in logs.
	PseudonymKey []byte
	// DefaultLang speaks to people outside a session (group chats).
	DefaultLang string
	// HandleTimeout bounds the work on one update. Zero means 30 seconds.
	HandleTimeout time.Duration
	Metrics       *metrics.Metrics
	// Sender sends every message of the bot, live replies and bulk
	// traffic alike, so they share one budget. Nil: a Sender with
	// Telegram's limits. Its API, Log and Metrics are filled in when empty.
	Sender *telegram.Sender

	// People keeps staff, links, cases and the audit trail. With it the
	// bot has roles: staff commands, invitations, the handoff to the
	// director. Nil: no roles, and anyone may do the intake (the engine's
	// own tests, a bot without Redis).
	People People
	// Admins are the Telegram user IDs with the admin role.
	Admins []int64
	// InviteTTL is how long an invite for a young person works. Zero: 14 days.
	InviteTTL time.Duration
	// StaffLinkTTL is how long a link for a new staff member works. Zero: 7 days.
	StaffLinkTTL time.Duration
	// AckAfter is how long a delivered intake waits for the director's
	// acknowledgement before the director is reminded, and after that
	// before the admins are told. Zero: 48 hours.
	AckAfter time.Duration
	// OpenIntakeDirector, when not zero, is the director (a user ID) of
	// young people who start without an invite; zero: they need one.
	OpenIntakeDirector int64
	// Now is the clock of links, cases and reminders. Nil: time.Now.
	Now func() time.Time
	// OnCall keeps the on-call roster and the alerts. Nil: People's, if
	// it has them (storage.People does); without either, no alerts.
	OnCall OnCall
	// TakeWithin is how long an alert waits for a take before more people
	// are alerted. Zero: DefaultTakeWithin (10 minutes).
	TakeWithin time.Duration

	// Trail keeps the messages each chat shows, for /exit. Nil: /exit
	// can only delete the /exit message itself.
	Trail TrailStore
	// AcknowledgedTTL is how long the bot keeps an intake after the
	// director acknowledged it (the dossier is the provider's). Zero: 30 days.
	AcknowledgedTTL time.Duration
	// IdleTTL is how long the store keeps an idle intake; the bot only
	// tells people (/mydata). An intake the admins were told of and nobody
	// acknowledged is kept as long after that. Zero: 90 days.
	IdleTTL time.Duration
}

// Defaults of the Options of roles and the handoff.
const (
	DefaultInviteTTL    = 14 * 24 * time.Hour
	DefaultStaffLinkTTL = 7 * 24 * time.Hour
	DefaultAckAfter     = 48 * time.Hour
	// DefaultTakeWithin is how long an alert waits for a take before it
	// goes to more people.
	DefaultTakeWithin = alerts.DefaultTakeWithin
)

// OnCall keeps the on-call roster and the open alerts (storage.Alerts and
// storage.OnCall): the stores of the alerts room.
type OnCall interface {
	alerts.AlertStore
	alerts.RosterStore
}

// alertsRoom is the room of alerts and on-call: *alerts.Alerts, or
// *alerts.Off without an on-call store.
type alertsRoom interface {
	Raise(ctx context.Context, s dialog.Session, kind dialog.AlertKind)
	Job() jobs.Queue
	Take(ctx context.Context, in chat.Request, a chat.Actor, key string) (dialog.Text, error)
	OnCallCommand(ctx context.Context, in chat.Request, a chat.Actor) error
	OnCallButton(ctx context.Context, in chat.Request, a chat.Actor, act, arg string) (dialog.Text, error)
	ToWithdraw(ctx context.Context, key string) (domain.Alert, bool)
	Withdraw(ctx context.Context, al domain.Alert)
}

// Bot handles updates. It is safe for concurrent use by different chats;
// updates of one chat must be handed to it one at a time (the Poller does).
type Bot struct {
	o       Options
	out     *telegram.Out
	edge    *telegram.Edge
	menus   *telegram.Menus
	routes  *telegram.Routes
	pseudo  chat.Pseudonyms
	dir     team.Directory
	auditor team.Auditor
	alerts  alertsRoom
	work    background.Tracker // deliveries, alerts and clearing in the background
	trail   *recorder          // nil without Options.Trail
}

// New makes a Bot.
func New(o Options) *Bot {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Metrics == nil {
		o.Metrics = &metrics.Metrics{}
	}
	if o.Sender == nil {
		o.Sender = &telegram.Sender{}
	}
	if o.Sender.API == nil {
		o.Sender.API = o.API
	}
	if o.Sender.Log == nil {
		o.Sender.Log = o.Log
	}
	if o.Sender.Metrics == nil {
		o.Sender.Metrics = o.Metrics
	}
	if o.InviteTTL <= 0 {
		o.InviteTTL = DefaultInviteTTL
	}
	if o.StaffLinkTTL <= 0 {
		o.StaffLinkTTL = DefaultStaffLinkTTL
	}
	if o.AckAfter <= 0 {
		o.AckAfter = DefaultAckAfter
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if oc, ok := o.People.(OnCall); ok && o.OnCall == nil {
		o.OnCall = oc
	}
	b := &Bot{o: o, out: &telegram.Out{S: o.Sender, R: o.Renderer}, pseudo: chat.NewPseudonyms(o.PseudonymKey)}
	b.dir = team.Directory{Staff: o.People, Languages: o.Engine, Country: o.Engine.Country}
	b.auditor = team.Auditor{Store: o.People, Pseudonyms: b.pseudo, Log: o.Log, Now: o.Now}
	b.alerts = b.newAlerts()
	b.withPrivacy()
	b.routes = b.routeTable()
	b.menus = &telegram.Menus{API: o.API, Routes: b.routes, R: o.Renderer, Log: o.Log, Pseudonyms: b.pseudo}
	edge, err := telegram.NewEdge(telegram.Options{
		Routes: b.routes, Roles: roles{b}, Fallback: b.converse, Languages: o.Engine, Out: b.out,
		Log: o.Log, Metrics: o.Metrics, Seen: func(c int64, id int) { b.recordShown(c, id, shownOwn) },
		Username: o.Username, Pseudonyms: b.pseudo, DefaultLang: o.DefaultLang, HandleTimeout: o.HandleTimeout,
	})
	if err != nil {
		panic(err) // every option above is set
	}
	b.edge = edge
	return b
}

// Edge is the bot's Telegram edge: its HandleUpdate applies one update
// (the poller's and the webhook's handler).
func (b *Bot) Edge() *telegram.Edge { return b.edge }

// converse handles what no route takes, and the young person's commands:
// someone without a session first (a link, staff, the open intake), then
// the engine, the replies, an alert and the handoff.
func (b *Bot) converse(ctx context.Context, in chat.Request) error {
	var prep func(*dialog.Session)
	if b.o.People != nil {
		var done bool
		var err error
		if prep, done, err = b.firstContactIfNew(ctx, in); err != nil || done {
			return err
		}
	}
	return b.converseWith(ctx, in, prep)
}

// converseWith runs the engine on the session, prepared by prep.
func (b *Bot) converseWith(ctx context.Context, in chat.Request, prep func(*dialog.Session)) error {
	res, err := b.decide(ctx, in, prep)
	if err != nil {
		return err
	}
	// The log of this update, made only when needed (the hot path logs nothing).
	log := func() *slog.Logger { return b.o.Log.With("chat", b.pseudo.Of(in.Chat), "update", in.Event.UpdateID) }
	if res.Duplicate {
		log().Info("duplicate update ignored")
		b.out.Answer(ctx, in, "")
		// A redelivery after the handoff failed: try it again.
		if b.o.People != nil && res.Session.State == dialog.StateSubmitted {
			return b.handOffOrRetry(ctx, log(), res.Session)
		}
		return nil
	}
	b.out.Show(ctx, in, res.Session.Lang, res.Toast, res.Messages)
	if res.Alert != dialog.AlertNone && b.o.People != nil {
		b.alerts.Raise(ctx, res.Session, res.Alert) // in the background, like a handoff
	}
	if b.o.People != nil && res.Submitted {
		return b.handOffOrRetry(ctx, log(), res.Session)
	}
	return nil
}

// handOffOrRetry hands a submitted intake off. The young person's part is
// done and saved; an error makes the update come again, as a duplicate
// that comes back here.
func (b *Bot) handOffOrRetry(ctx context.Context, log *slog.Logger, s dialog.Session) error {
	if err := b.handOff(ctx, s); err != nil {
		b.o.Metrics.StoreErrors.Add(1)
		log.Error("can't hand the intake off", "err", err)
		return err
	}
	return nil
}

// decide loads the session, runs the engine and saves the result with
// compare-and-set; a lost race loads again and decides again, so two fast
// messages never overwrite each other. A decision that changes nothing is
// not saved, so no compare-and-set checks it: when the session may have
// come from a cache, it is made again on the state in the store, so that a
// replica with an old copy never answers from it. prep, when not nil,
// changes the session before the engine sees it (the link to a director).
func (b *Bot) decide(ctx context.Context, in chat.Request, prep func(*dialog.Session)) (dialog.Result, error) {
	key := chat.SessionKey(in.Chat)
	fresh := false
	for attempt := 0; attempt < 5; attempt++ {
		s, found, err := b.load(ctx, key, fresh)
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
		res := b.o.Engine.Handle(s, in.Event)
		res.Changed = res.Changed || (prepped && !res.Duplicate)
		if !res.Changed {
			if _, cached := b.o.Store.(FreshLoader); cached && !fresh {
				fresh = true
				continue
			}
			return res, nil
		}
		saved, err := b.o.Store.Save(ctx, res.Session)
		if errors.Is(err, ErrConflict) {
			b.o.Metrics.Conflicts.Add(1)
			fresh = true
			continue
		}
		if err != nil {
			return dialog.Result{}, fmt.Errorf("can't save session: %w", err)
		}
		res.Session = saved
		return res, nil
	}
	return dialog.Result{}, fmt.Errorf("can't save session: %w after 5 attempts", ErrConflict)
}

// FreshLoader is a Store with a cache: LoadFresh reads past it.
type FreshLoader interface {
	LoadFresh(ctx context.Context, key string) (dialog.Session, bool, error)
}

func (b *Bot) load(ctx context.Context, key string, fresh bool) (dialog.Session, bool, error) {
	if fl, ok := b.o.Store.(FreshLoader); ok && fresh {
		return fl.LoadFresh(ctx, key)
	}
	return b.o.Store.Load(ctx, key)
}

// newAlerts builds the room of alerts and on-call on Options.OnCall, or
// its answers without one (or without People: no roles, no alerts).
func (b *Bot) newAlerts() alertsRoom {
	if b.o.OnCall == nil || b.o.People == nil {
		return alerts.NewOff(b.out, b.o.Log, b.pseudo)
	}
	room, err := alerts.New(alerts.Options{
		Out: b.out, Renderer: b.o.Renderer, Alerts: b.o.OnCall, Roster: b.o.OnCall, People: b.o.People,
		Sessions: b.o.Store, Menus: staffMenus{b}, Dir: b.dir, Auditor: b.auditor, Work: &b.work,
		Log: b.o.Log, Metrics: b.o.Metrics, Pseudonyms: b.pseudo, Now: b.o.Now,
		Admins: b.o.Admins, TakeWithin: b.o.TakeWithin,
	})
	if err != nil {
		panic(err) // every option above is set
	}
	return room
}

// AlertJob escalates the alerts nobody took, as a job of the runner (see
// alerts.Alerts.Job).
func (b *Bot) AlertJob() jobs.Queue { return b.alerts.Job() }
