// Package bot is the intake bot's house: New builds the Telegram edge and
// the workflows (the conversation, staff and links, the handoff, alerts
// and on-call, privacy) on the stores it is given, and the route table in
// routes.go sends each command and button to the workflow that handles it.
package bot

import (
	"context"
	"log/slog"
	"time"

	"github.com/intakebot/intakebot/bot/alerts"
	"github.com/intakebot/intakebot/bot/background"
	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/conversation"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/handoff"
	"github.com/intakebot/intakebot/bot/jobs"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/privacy"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/staff"
	"github.com/intakebot/intakebot/bot/team"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/dialog"
)

// Store keeps sessions: the conversation's, and erasing and moving one
// (a young person's new Telegram account).
type Store interface {
	conversation.Store
	Delete(ctx context.Context, key string) error
	MoveSession(ctx context.Context, oldKey, newKey string) error
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

	// People keeps staff, links, cases and the audit trail, and erases
	// them (it must be an Eraser too). With it the bot has roles: staff
	// commands, invitations, the handoff to the director. Nil: no roles,
	// and anyone may do the intake (the engine's own tests, a bot without
	// Redis).
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
	Trail privacy.TrailStore
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
	DefaultAckAfter     = handoff.DefaultAckAfter
	// DefaultAcknowledgedTTL and DefaultIdleTTL are the retention's.
	DefaultAcknowledgedTTL = privacy.DefaultAcknowledgedTTL
	DefaultIdleTTL         = privacy.DefaultIdleTTL
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
	conv    *conversation.Conversation
	staff   *staff.Office    // nil without People
	handoff *handoff.Handoff // nil without People
	menus   *telegram.Menus
	routes  *telegram.Routes
	pseudo  chat.Pseudonyms
	dir     team.Directory
	auditor team.Auditor
	alerts  alertsRoom
	privacy *privacy.Privacy
	work    background.Tracker // deliveries, alerts and clearing in the background
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
	if o.AcknowledgedTTL <= 0 {
		o.AcknowledgedTTL = DefaultAcknowledgedTTL
	}
	if o.IdleTTL <= 0 {
		o.IdleTTL = DefaultIdleTTL
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
	b.privacy = b.newPrivacy()
	seen := func(int64, int) {}
	if o.Trail != nil {
		// Without a trail store nothing is recorded: /exit can only
		// delete the /exit message itself.
		seen = b.privacy.Seen
		prev := o.Sender.OnSent
		o.Sender.OnSent = func(chat int64, msgID int, document bool) {
			if prev != nil {
				prev(chat, msgID, document)
			}
			b.privacy.Sent(chat, msgID, document)
		}
	}
	// The menus follow the route table, which names the rooms' handlers.
	b.menus = &telegram.Menus{API: o.API, R: o.Renderer, Log: o.Log, Pseudonyms: b.pseudo}
	if o.People != nil {
		b.handoff = b.handoffRoom()
		b.staff = b.office()
	}
	b.conv = b.conversation()
	b.routes = b.routeTable()
	b.menus.Routes = b.routes
	edge, err := telegram.NewEdge(telegram.Options{
		Routes: b.routes, Roles: roles{b}, Fallback: b.conv.Handle, Languages: o.Engine, Out: b.out,
		Log: o.Log, Metrics: o.Metrics, Seen: seen,
		Username: o.Username, Pseudonyms: b.pseudo, DefaultLang: o.DefaultLang, HandleTimeout: o.HandleTimeout,
	})
	if err != nil {
		panic(err) // every option above is set
	}
	b.edge = edge
	return b
}

// DueJob is the handoff's due loop as a job of the runner (needs People).
func (b *Bot) DueJob() jobs.Queue { return b.handoff.Job() }

// WaitHandoffs waits until the work in the background is done (deliveries,
// alerts, clearing after /exit), or ctx ends (a stop: the due loop
// finishes a delivery later).
func (b *Bot) WaitHandoffs(ctx context.Context) { b.work.Wait(ctx) }

// Edge is the bot's Telegram edge: its HandleUpdate applies one update
// (the poller's and the webhook's handler).
func (b *Bot) Edge() *telegram.Edge { return b.edge }

// noRoles stands in for the rooms of the conversation without People (no
// roles): nobody is linked, alerted or handed an intake.
type noRoles struct{}

func (noRoles) FirstContactIfNew(context.Context, chat.Request) (func(*dialog.Session), bool, error) {
	return nil, false, nil
}
func (noRoles) Raise(context.Context, dialog.Session, dialog.AlertKind) {}
func (noRoles) HandOff(context.Context, dialog.Session) error           { return nil }

// conversation wires the young person's conversation.
func (b *Bot) conversation() *conversation.Conversation {
	o := conversation.Options{
		Loop: &conversation.Loop{Engine: b.o.Engine, Store: b.o.Store, Metrics: b.o.Metrics},
		Out:  b.out, Newcomers: b.staff, Alerts: b.alerts, Handoff: b.handoff,
		Log: b.o.Log, Metrics: b.o.Metrics, Pseudonyms: b.pseudo,
	}
	if b.staff == nil {
		o.Newcomers, o.Alerts, o.Handoff = noRoles{}, noRoles{}, noRoles{}
	}
	c, err := conversation.New(o)
	if err != nil {
		panic(err) // every option above is set
	}
	return c
}

// handoffRoom wires the handoff to the director.
func (b *Bot) handoffRoom() *handoff.Handoff {
	o := b.o
	h, err := handoff.New(handoff.Options{
		Out: b.out, Renderer: o.Renderer, Engine: o.Engine, Cases: o.People, Sessions: o.Store,
		Retention: b.privacy, Dir: b.dir, Auditor: b.auditor, Work: &b.work, Log: o.Log,
		Pseudonyms: b.pseudo, Now: o.Now, Admins: o.Admins, OpenIntakeDirector: o.OpenIntakeDirector,
		AckAfter: o.AckAfter, AcknowledgedTTL: o.AcknowledgedTTL, IdleTTL: o.IdleTTL,
	})
	if err != nil {
		panic(err) // every option above is set
	}
	return h
}

// office wires the staff's office.
func (b *Bot) office() *staff.Office {
	o := b.o
	off, err := staff.New(staff.Options{
		Engine: o.Engine, Renderer: o.Renderer, Out: b.out, Menus: b.menus,
		Staff: o.People, Links: o.People, Cases: o.People, Audit: o.People, Sessions: o.Store,
		Handoff: b.handoff, Privacy: b.privacy, Dir: b.dir, Auditor: b.auditor,
		Help: func(a chat.Actor) []dialog.Text { return b.routes.Help(telegram.MenusOf(a)) },
		Log:  o.Log, Pseudonyms: b.pseudo, PseudonymKey: o.PseudonymKey, Now: o.Now, Admins: o.Admins,
		Username: o.Username, InviteTTL: o.InviteTTL, StaffLinkTTL: o.StaffLinkTTL, OpenIntakeDirector: o.OpenIntakeDirector,
	})
	if err != nil {
		panic(err) // every option above is set
	}
	return off
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

// newPrivacy builds the room of the young person's privacy commands on
// People, or without People (no roles) on stand-ins: nobody is staff, no
// case is kept, and an erasure erases the session and the trail.
func (b *Bot) newPrivacy() *privacy.Privacy {
	o := b.o
	trail := o.Trail
	if trail == nil {
		trail = noTrail{}
	}
	po := privacy.Options{
		Out: b.out, Renderer: o.Renderer, Engine: o.Engine, Sessions: o.Store, Trail: trail,
		Roles: roles{b}, Alerts: b.alerts, Dir: b.dir, Auditor: b.auditor, Work: &b.work,
		Log: o.Log, Metrics: o.Metrics, Pseudonyms: b.pseudo, Now: o.Now,
		AcknowledgedTTL: o.AcknowledgedTTL, IdleTTL: o.IdleTTL, AckAfter: o.AckAfter,
		OpenIntake: o.OpenIntakeDirector != 0 || o.People == nil,
	}
	if o.People == nil {
		none := noPeople{trail}
		po.Cases, po.Links, po.Erasure, po.Roles = none, none, none, none
		po.Dir.Staff, po.Auditor.Store = none, none
	} else if er, ok := o.People.(Eraser); ok {
		po.Cases, po.Links, po.Erasure = erasingPeople{o.People, er}, er, er
	}
	p, err := privacy.New(po)
	if err != nil {
		panic(err) // every option above is set, and People must be an Eraser
	}
	return p
}

// erasingPeople is People with its erasure.
type erasingPeople struct {
	People
	Eraser
}

// noPeople stands in for People in a bot without roles (Options.People is
// nil) for the privacy room: nobody is staff and no case or link is kept,
// so erasing a person's traces is taking their /exit trail.
type noPeople struct{ trail privacy.TrailStore }

func (noPeople) Actor(_ context.Context, in chat.Request) (chat.Actor, error) {
	return chat.Actor{ID: in.Chat}, nil
}
func (noPeople) Staff(context.Context, int64) (domain.StaffMember, bool, error) {
	return domain.StaffMember{}, false, nil
}
func (noPeople) Case(context.Context, string) (domain.Case, bool, error) {
	return domain.Case{}, false, nil
}
func (noPeople) ScheduleDue(context.Context, string, time.Time) error           { return nil }
func (noPeople) DeleteCase(context.Context, string) error                       { return nil }
func (noPeople) DeleteCaseLinks(context.Context, string, ...int64) (int, error) { return 0, nil }
func (noPeople) Audit(context.Context, domain.AuditEntry) error                 { return nil }
func (n noPeople) EraseTraces(ctx context.Context, _ int64, key string) error {
	_, err := n.trail.Take(ctx, key)
	return err
}

// noTrail is the trail store of a bot without one (Options.Trail is nil):
// it keeps nothing.
type noTrail struct{}

func (noTrail) Push(context.Context, map[string][]string) error { return nil }
func (noTrail) Take(context.Context, string) ([]string, error)  { return nil, nil }

// FlushTrail waits until every message recorded so far is in the
// TrailStore (tests, and /exit before it reads the trail).
func (b *Bot) FlushTrail(ctx context.Context) error { return b.privacy.FlushTrail(ctx) }

// Close writes what the /exit trail still holds and stops its recorder.
// The Bot must not handle updates afterwards.
func (b *Bot) Close() { b.privacy.Close() }

// dueRetention ends the bot's copy of a due case whose time has come (the
// privacy room's DueRetention).
func (b *Bot) dueRetention(ctx context.Context, c domain.Case, s dialog.Session, found bool, now time.Time) (bool, error) {
	return b.privacy.DueRetention(ctx, c, s, found, now)
}
