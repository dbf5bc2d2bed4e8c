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
	"strings"
	"time"

	"github.com/intakebot/intakebot/bot/alerts"
	"github.com/intakebot/intakebot/bot/background"
	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/conversation"
	"github.com/intakebot/intakebot/bot/handoff"
	"github.com/intakebot/intakebot/bot/jobs"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/privacy"
	"github.com/intakebot/intakebot/bot/reminders"
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

	// The stores of what the bot knows about people, one per aggregate
	// (storage.People's), and the /exit trail. Every one is required.
	Staff   StaffStore
	Links   LinkStore
	Cases   CaseStore
	Alerts  alerts.AlertStore
	OnCall  alerts.RosterStore
	Audit   AuditStore
	Erasure privacy.Erasure
	// Trail keeps the messages each chat shows, for /exit.
	Trail privacy.TrailStore
	// Spool keeps, on local disk, the alerts of /urgent and crisis words
	// that came while the store was down (storage/spool); AlertSpoolJob
	// raises them when it answers.
	Spool Spool
	// Reminders keeps the staff's reminders to young people
	// (storage.Reminders).
	Reminders reminders.Store
	// CheckinFlow is the flow of the weekly check-in (dialog/checkin),
	// run on a copy of Engine without consent; CheckinStore keeps its
	// sessions apart from the intake's (storage.Sessions under a prefix of
	// its own).
	CheckinFlow  *dialog.Flow
	CheckinStore reminders.CheckinStore
	// Loc is the deployment's time zone (INTAKEBOT_TIMEZONE) for typed
	// times and reminders. Nil: UTC.
	Loc *time.Location
	// Quiet are the hours in which reminders to young people wait.
	Quiet reminders.Quiet
	// RegisterFee is the housing register's yearly fee, for its reminder.
	// Empty: reminders.DefaultRegisterFee.
	RegisterFee string
	// Nudges are the silences after which a young person whose intake is
	// under way gets an idle nudge (INTAKEBOT_NUDGES, at most two); nil:
	// none.
	Nudges []time.Duration

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
	// TakeWithin is how long an alert waits for a take before more people
	// are alerted. Zero: alerts.DefaultTakeWithin (10 minutes).
	TakeWithin time.Duration

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
)

// Bot handles updates. It is safe for concurrent use by different chats;
// updates of one chat must be handed to it one at a time (the Poller does).
type Bot struct {
	o       Options
	out     *telegram.Out
	edge    *telegram.Edge
	conv    *conversation.Conversation
	staff   *staff.Office
	handoff *handoff.Handoff
	menus   *telegram.Menus
	routes  *telegram.Routes
	pseudo  chat.Pseudonyms
	dir     team.Directory
	auditor team.Auditor
	alerts  *alerts.Alerts
	privacy *privacy.Privacy
	remind  *reminders.Reminders
	work    background.Tracker // deliveries, alerts and clearing in the background
	nudged  nudgeSeen          // whose idle nudge this replica made sure of lately
}

// missing names the required options that are not set.
func (o Options) missing() []string {
	var names []string
	for _, f := range []struct {
		name string
		nil  bool
	}{
		{"Engine", o.Engine == nil}, {"Store", o.Store == nil}, {"Renderer", o.Renderer == nil}, {"API", o.API == nil},
		{"Staff", o.Staff == nil}, {"Links", o.Links == nil}, {"Cases", o.Cases == nil}, {"Alerts", o.Alerts == nil},
		{"OnCall", o.OnCall == nil}, {"Audit", o.Audit == nil}, {"Erasure", o.Erasure == nil}, {"Trail", o.Trail == nil},
		{"Spool", o.Spool == nil},
		{"Reminders", o.Reminders == nil}, {"CheckinFlow", o.CheckinFlow == nil}, {"CheckinStore", o.CheckinStore == nil},
	} {
		if f.nil {
			names = append(names, f.name)
		}
	}
	return names
}

// New makes a Bot; an error names the required options that are missing.
func New(o Options) (*Bot, error) {
	if missing := o.missing(); len(missing) > 0 {
		return nil, errors.New("bot: missing " + strings.Join(missing, ", "))
	}
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
	b := &Bot{o: o, out: &telegram.Out{S: o.Sender, R: o.Renderer}, pseudo: chat.NewPseudonyms(o.PseudonymKey)}
	b.dir = team.Directory{Staff: o.Staff, Languages: o.Engine, Country: o.Engine.Country}
	b.auditor = team.Auditor{Store: o.Audit, Pseudonyms: b.pseudo, Log: o.Log, Now: o.Now}
	// The menus follow the route table, which names the rooms' handlers.
	b.menus = &telegram.Menus{API: o.API, R: o.Renderer, Log: o.Log, Pseudonyms: b.pseudo}
	var err error
	if b.alerts, err = b.newAlerts(); err != nil {
		return nil, err
	}
	if b.remind, err = b.newReminders(); err != nil {
		return nil, err
	}
	if b.privacy, err = b.newPrivacy(); err != nil {
		return nil, err
	}
	if b.handoff, err = b.handoffRoom(); err != nil {
		return nil, err
	}
	if b.staff, err = b.office(); err != nil {
		return nil, err
	}
	if b.conv, err = b.conversation(); err != nil {
		return nil, err
	}
	b.routes = b.routeTable()
	b.menus.Routes = b.routes
	edge, err := telegram.NewEdge(telegram.Options{
		Routes: b.routes, Roles: roles{b}, Fallback: b.converse, Languages: o.Engine, Out: b.out,
		Log: o.Log, Metrics: o.Metrics, Seen: b.privacy.Seen,
		Username: o.Username, Pseudonyms: b.pseudo, DefaultLang: o.DefaultLang, HandleTimeout: o.HandleTimeout,
		FirstAid: o.Engine, Alerts: spoolQueue{o.Spool},
	})
	if err != nil {
		return nil, fmt.Errorf("bot: can't make the edge: %w", err)
	}
	b.edge = edge
	// What the bot sends goes into the /exit trail too.
	prev := o.Sender.OnSent
	o.Sender.OnSent = func(chat int64, msgID int, document bool) {
		if prev != nil {
			prev(chat, msgID, document)
		}
		b.privacy.Sent(chat, msgID, document)
	}
	return b, nil
}

// DueJob is the handoff's due loop as a job of the runner.
func (b *Bot) DueJob() jobs.Queue { return b.handoff.Job() }

// WaitHandoffs waits until the work in the background is done (deliveries,
// alerts, clearing after /exit), or ctx ends (a stop: the due loop
// finishes a delivery later).
func (b *Bot) WaitHandoffs(ctx context.Context) { b.work.Wait(ctx) }

// Edge is the bot's Telegram edge: its HandleUpdate applies one update
// (the poller's and the webhook's handler).
func (b *Bot) Edge() *telegram.Edge { return b.edge }

// conversation wires the young person's conversation.
func (b *Bot) conversation() (*conversation.Conversation, error) {
	c, err := conversation.New(conversation.Options{
		Loop: &conversation.Loop{Engine: b.o.Engine, Store: nudgingStore{b.o.Store, b}, Metrics: b.o.Metrics},
		Out:  b.out, Newcomers: b.staff, Alerts: b.alerts, Handoff: b.handoff, Admins: b.staff,
		Log: b.o.Log, Metrics: b.o.Metrics, Pseudonyms: b.pseudo,
	})
	if err != nil {
		return nil, fmt.Errorf("bot: can't make the conversation: %w", err)
	}
	return c, nil
}

// handoffRoom wires the handoff to the director.
func (b *Bot) handoffRoom() (*handoff.Handoff, error) {
	o := b.o
	h, err := handoff.New(handoff.Options{
		Out: b.out, Renderer: o.Renderer, Engine: o.Engine, Cases: o.Cases, Sessions: o.Store,
		Retention: b.privacy, Dir: b.dir, Auditor: b.auditor, Work: &b.work, Log: o.Log,
		Pseudonyms: b.pseudo, Now: o.Now, Admins: o.Admins, OpenIntakeDirector: o.OpenIntakeDirector,
		AckAfter: o.AckAfter, AcknowledgedTTL: o.AcknowledgedTTL, IdleTTL: o.IdleTTL,
		QuietUntil: func(t time.Time) time.Time { return o.Quiet.Postpone(t, o.Loc) },
		Metrics:    o.Metrics,
	})
	if err != nil {
		return nil, fmt.Errorf("bot: can't make the handoff: %w", err)
	}
	return h, nil
}

// office wires the staff's office.
func (b *Bot) office() (*staff.Office, error) {
	o := b.o
	off, err := staff.New(staff.Options{
		Engine: o.Engine, Renderer: o.Renderer, Out: b.out, Menus: b.menus,
		Staff: o.Staff, Links: o.Links, Cases: o.Cases, Audit: o.Audit, Sessions: o.Store,
		Handoff: b.handoff, Privacy: b.privacy, Reminders: b.remind, Dir: b.dir, Auditor: b.auditor,
		Help: func(a chat.Actor) []dialog.Text { return b.routes.Help(telegram.MenusOf(a)) },
		Log:  o.Log, Metrics: o.Metrics, Pseudonyms: b.pseudo, PseudonymKey: o.PseudonymKey, Now: o.Now, Admins: o.Admins,
		Username: o.Username, InviteTTL: o.InviteTTL, StaffLinkTTL: o.StaffLinkTTL, OpenIntakeDirector: o.OpenIntakeDirector,
	})
	if err != nil {
		return nil, fmt.Errorf("bot: can't make the office: %w", err)
	}
	return off, nil
}

// alertsPeople finds staff and cases for the alerts room.
type alertsPeople struct {
	StaffStore
	CaseStore
}

// newAlerts builds the room of alerts and on-call.
func (b *Bot) newAlerts() (*alerts.Alerts, error) {
	room, err := alerts.New(alerts.Options{
		Out: b.out, Renderer: b.o.Renderer, Alerts: b.o.Alerts, Roster: b.o.OnCall,
		People: alertsPeople{b.o.Staff, b.o.Cases}, Sessions: b.o.Store, Menus: staffMenus{b},
		Dir: b.dir, Auditor: b.auditor, Work: &b.work,
		Log: b.o.Log, Metrics: b.o.Metrics, Pseudonyms: b.pseudo, Now: b.o.Now,
		Admins: b.o.Admins, TakeWithin: b.o.TakeWithin, Spool: b.o.Spool,
	})
	if err != nil {
		return nil, fmt.Errorf("bot: can't make the alerts room: %w", err)
	}
	return room, nil
}

// AlertJob escalates the alerts nobody took, as a job of the runner (see
// alerts.Alerts.Job).
func (b *Bot) AlertJob() jobs.Queue { return b.alerts.Job() }

// AlertSpoolJob raises, in order, the alerts the edge queued while the
// store was down.
func (b *Bot) AlertSpoolJob() jobs.Queue { return b.alerts.SpoolJob() }

// Spool is a queue on local disk (storage/spool): the edge appends the
// alerts it could not raise, the alerts room drains them.
type Spool interface {
	alerts.Spool
	Append(ctx context.Context, data []byte) error
}

// spoolQueue is the edge's alert queue on the spool.
type spoolQueue struct{ s Spool }

func (q spoolQueue) Queue(ctx context.Context, a chat.QueuedAlert) error {
	return q.s.Append(ctx, a.Encode())
}

// newPrivacy builds the room of the young person's privacy commands.
func (b *Bot) newPrivacy() (*privacy.Privacy, error) {
	o := b.o
	p, err := privacy.New(privacy.Options{
		Out: b.out, Renderer: o.Renderer, Engine: o.Engine, Sessions: o.Store, Trail: o.Trail,
		Cases: o.Cases, Links: o.Links, Erasure: erasure{o.Erasure, b.remind, &b.nudged}, Reminders: o.Reminders,
		Roles: roles{b}, Alerts: b.alerts, Dir: b.dir, Auditor: b.auditor, Work: &b.work,
		Log: o.Log, Metrics: o.Metrics, Pseudonyms: b.pseudo, Now: o.Now,
		AcknowledgedTTL: o.AcknowledgedTTL, IdleTTL: o.IdleTTL, AckAfter: o.AckAfter,
		OpenIntake: o.OpenIntakeDirector != 0,
		Checkins:   o.CheckinStore, CheckinFlow: o.CheckinFlow,
	})
	if err != nil {
		return nil, fmt.Errorf("bot: can't make the privacy room: %w", err)
	}
	return p, nil
}

// FlushTrail waits until every message recorded so far is in the
// TrailStore (tests, and /exit before it reads the trail).
func (b *Bot) FlushTrail(ctx context.Context) error { return b.privacy.FlushTrail(ctx) }

// Close writes what the /exit trail still holds and stops its recorder.
// The Bot must not handle updates afterwards.
func (b *Bot) Close() { b.privacy.Close() }
