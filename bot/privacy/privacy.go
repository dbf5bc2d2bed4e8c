// Package privacy is the young person's own privacy commands, handled
// before anything else in a private chat, for anyone and in every state:
//
//	/exit    quick exit: the chat is cleared as far as Telegram allows (exit.go)
//	/mydata  everything the bot stores about them, as a text file (mydata.go)
//	/delete  erase everything, after a confirmation (erase.go)
//
// and what keeps them true: the /exit trail of the messages each chat
// shows (trail.go) and the retention that erases an intake whose time has
// come (erase.go). The house (package bot) builds the room with New, routes
// the commands and buttons to it, tells it of every message shown (Seen,
// Sent) and lets the due loop call DueRetention.
package privacy

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/intakebot/intakebot/bot/background"
	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/team"
	"github.com/intakebot/intakebot/dialog"
)

// Out sends, edits and deletes messages (telegram.Out).
type Out interface {
	Say(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, texts ...dialog.Text) bool
	SayHTML(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, body string, bulk bool) bool
	Edit(ctx context.Context, in chat.Request, lang string, buttons [][]dialog.Button, texts ...dialog.Text)
	EditHTML(ctx context.Context, chat int64, msgID int, lang string, buttons [][]dialog.Button, body string) bool
	Answer(ctx context.Context, in chat.Request, toast string)
	// Delete deletes up to 100 messages of chat at once.
	Delete(ctx context.Context, chat int64, ids []int) error
	ClearKeyboard(ctx context.Context, chat int64, msgID int) error
	SendDocument(ctx context.Context, chat int64, filename string, data []byte, caption string) bool
}

// Sessions keeps the young people's sessions (bot.Store).
type Sessions interface {
	Load(ctx context.Context, key string) (dialog.Session, bool, error)
	// LoadFresh loads a session past any cache: what a person is shown
	// about their data must be what is stored.
	LoadFresh(ctx context.Context, key string) (dialog.Session, bool, error)
	Delete(ctx context.Context, key string) error
}

// Cases keeps the cases (storage.Cases).
type Cases interface {
	Case(ctx context.Context, key string) (domain.Case, bool, error)
	// ScheduleDue sets (or moves) the time at which the due loop looks at
	// the case again, only while the case exists.
	ScheduleDue(ctx context.Context, caseKey string, at time.Time) error
	// DeleteCase erases the case, its due time and its list entries.
	DeleteCase(ctx context.Context, key string) error
}

// Links keeps single-use links (storage.Links).
type Links interface {
	// DeleteCaseLinks deletes the directors' links that would re-attach
	// the case to another account.
	DeleteCaseLinks(ctx context.Context, caseKey string, directors ...int64) (int, error)
}

// Erasure erases a young person's traces across the stores (storage.Erasure).
type Erasure interface {
	// EraseTraces erases the failed-link counter, a pending staff link,
	// the /exit trail and an urgent alert of the person.
	EraseTraces(ctx context.Context, userID int64, key string) error
}

// Roles tells who sent an update (the staff office): these commands are
// for young people.
type Roles interface {
	Actor(ctx context.Context, in chat.Request) (chat.Actor, error)
}

// Alerts withdraws the open alert of an intake being erased (the alerts
// room).
type Alerts interface {
	// ToWithdraw returns the open alert of a session key, read before the
	// erasure; Withdraw then ends it and tells whoever was alerted.
	ToWithdraw(ctx context.Context, key string) (domain.Alert, bool)
	Withdraw(ctx context.Context, al domain.Alert)
}

// Defaults of the retention the bot enforces or tells about.
const (
	DefaultAcknowledgedTTL = 30 * 24 * time.Hour
	DefaultIdleTTL         = 90 * 24 * time.Hour
)

// Options wire the room. Every field is required but the durations with a
// default and OpenIntake.
type Options struct {
	Out      Out
	Renderer *render.Renderer
	Engine   *dialog.Engine
	Sessions Sessions
	// Checkins and CheckinFlow are the weekly check-in's sessions and
	// flow, for /mydata.
	Checkins    Checkins
	CheckinFlow *dialog.Flow
	// Trail keeps the messages each chat shows, for /exit.
	Trail   TrailStore
	Cases   Cases
	Links   Links
	Erasure Erasure
	// Reminders lists the reminders to a young person, for /mydata.
	Reminders Reminders
	Roles     Roles
	Alerts    Alerts
	Dir       team.Directory
	Auditor   team.Auditor
	// Work is the work in the background, tracked per session key (shared
	// with the house): an erasure stops the work on the intake first.
	Work       *background.Tracker
	Log        *slog.Logger
	Metrics    *metrics.Metrics
	Pseudonyms chat.Pseudonyms
	Now        func() time.Time
	// AcknowledgedTTL is how long the bot keeps an intake after the
	// director acknowledged it. Zero: DefaultAcknowledgedTTL.
	AcknowledgedTTL time.Duration
	// IdleTTL is how long the store keeps an idle intake; an intake the
	// admins were told of and nobody acknowledged is kept as long after
	// that. Zero: DefaultIdleTTL.
	IdleTTL time.Duration
	// AckAfter is how long a delivered intake waits for the director's
	// acknowledgement before a reminder, and after that before the admins
	// are told (the handoff's).
	AckAfter time.Duration
	// OpenIntake says that young people may start without an invite (the
	// bot has an open intake's director): an erased intake can be started
	// again with /start.
	OpenIntake bool
}

// Privacy handles the privacy commands and keeps the /exit trail and the
// retention.
type Privacy struct {
	o       Options
	out     Out
	auditor team.Auditor
	work    *background.Tracker
	pseudo  chat.Pseudonyms
	trail   *recorder
}

// New makes the room and starts the trail's recorder (Close stops it); an
// error names the required options that are missing.
func New(o Options) (*Privacy, error) {
	var missing []string
	for _, f := range []struct {
		name string
		nil  bool
	}{
		{"Out", o.Out == nil}, {"Renderer", o.Renderer == nil}, {"Engine", o.Engine == nil},
		{"Sessions", o.Sessions == nil}, {"Trail", o.Trail == nil}, {"Cases", o.Cases == nil},
		{"Links", o.Links == nil}, {"Erasure", o.Erasure == nil}, {"Reminders", o.Reminders == nil}, {"Roles", o.Roles == nil},
		{"Alerts", o.Alerts == nil}, {"Dir.Staff", o.Dir.Staff == nil}, {"Dir.Languages", o.Dir.Languages == nil},
		{"Auditor.Store", o.Auditor.Store == nil}, {"Work", o.Work == nil}, {"Log", o.Log == nil},
		{"Metrics", o.Metrics == nil}, {"Now", o.Now == nil}, {"AckAfter", o.AckAfter <= 0},
		{"Checkins", o.Checkins == nil}, {"CheckinFlow", o.CheckinFlow == nil},
	} {
		if f.nil {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, errors.New("privacy: missing " + strings.Join(missing, ", "))
	}
	if o.AcknowledgedTTL <= 0 {
		o.AcknowledgedTTL = DefaultAcknowledgedTTL
	}
	if o.IdleTTL <= 0 {
		o.IdleTTL = DefaultIdleTTL
	}
	return &Privacy{o: o, out: o.Out, auditor: o.Auditor, work: o.Work, pseudo: o.Pseudonyms,
		trail: newRecorder(o.Trail, o.Log)}, nil
}

// Seen adds a message the person sent to the trail of their chat.
func (p *Privacy) Seen(chatID int64, msgID int) { p.recordShown(chatID, msgID, shownOwn) }

// Sent adds a message of the bot that arrived, a file if document, to the
// trail of its chat (telegram.Sender's OnSent).
func (p *Privacy) Sent(chatID int64, msgID int, document bool) {
	kind := shownText
	if document {
		kind = shownDoc
	}
	p.recordShown(chatID, msgID, kind)
}

// youngLang is the language to speak to the person of a chat in: their
// session's, else the one Telegram reports. A store that fails gives the
// latter: these commands must work when little else does.
func (p *Privacy) youngLang(ctx context.Context, in chat.Request) string {
	if s, found, err := p.o.Sessions.Load(ctx, chat.SessionKey(in.Chat)); err == nil && found && s.Lang != "" {
		return s.Lang
	}
	return p.o.Engine.MatchLanguage(in.Event.Lang)
}

// isStaff reports whether the sender is staff, and the language to tell
// them in (their own, as for every staff message): /mydata and /delete
// are for young people, and a staff member's own record is the admins' work.
func (p *Privacy) isStaff(ctx context.Context, in chat.Request) (staff bool, lang string, err error) {
	a, err := p.o.Roles.Actor(ctx, in)
	return a.IsStaff(), a.Lang, err
}

// stored is what the bot keeps about a young person: their session and
// their case, either maybe missing.
type stored struct {
	s       dialog.Session
	found   bool
	c       domain.Case
	hasCase bool
	// lang is the session's language, else their Telegram language.
	lang string
}

// nothing reports that nothing is stored about them.
func (st stored) nothing() bool { return !st.found && !st.hasCase }

// storedFor loads what the bot keeps about the sender of in, past any
// cache: what a person is shown about their data must be what is stored.
func (p *Privacy) storedFor(ctx context.Context, in chat.Request) (stored, error) {
	key := chat.SessionKey(in.Chat)
	var st stored
	var err error
	if st.s, st.found, err = p.o.Sessions.LoadFresh(ctx, key); err != nil {
		return st, err
	}
	if st.c, st.hasCase, err = p.o.Cases.Case(ctx, key); err != nil {
		return st, err
	}
	st.lang = p.o.Engine.MatchLanguage(in.Event.Lang)
	if st.found && st.s.Lang != "" {
		st.lang = st.s.Lang
	}
	return st, nil
}
