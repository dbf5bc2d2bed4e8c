// Package alerts is the room of alerts and on-call: an alert raised for a
// young person who asks for someone now (alert.go), its escalation as a
// job of the runner (alert_escalate.go), taking it (alert_take.go), and
// the admin's /oncall roster (oncall.go, oncall_confirm.go,
// oncall_parse.go). The house (package bot) builds it with New and routes
// its commands and buttons to it; without an on-call store it routes them
// to Off instead.
package alerts

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

// Out sends and edits messages (telegram.Out).
type Out interface {
	Say(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, texts ...dialog.Text) bool
	SayHTML(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, body string, bulk bool) bool
	SayForID(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, body string) int
	Edit(ctx context.Context, in chat.Request, lang string, buttons [][]dialog.Button, texts ...dialog.Text)
	EditHTML(ctx context.Context, chat int64, msgID int, lang string, buttons [][]dialog.Button, body string) bool
}

// AlertStore keeps the open alerts (storage.Alerts).
type AlertStore interface {
	// OpenAlert stores a as the open alert of a.Key, to escalate at next,
	// unless one is open: then it returns that one and false.
	OpenAlert(ctx context.Context, a domain.Alert, next time.Time, ttl time.Duration) (domain.Alert, bool, error)
	// Alert returns the open alert of a session key.
	Alert(ctx context.Context, key string) (domain.Alert, bool, error)
	// SaveAlert stores a's level and messages and its next escalation
	// (zero: none); it never makes an alert that is gone again (false).
	SaveAlert(ctx context.Context, a domain.Alert, next time.Time) (bool, error)
	// TakeAlert gives the alert to staff, atomically: the first wins, a
	// later caller learns who took it; false and 0 mean it is gone. A
	// taken alert is kept for at most hold.
	TakeAlert(ctx context.Context, key string, staff int64, at time.Time, hold time.Duration) (won bool, by int64, err error)
	// EndAlert removes the alert and its escalation.
	EndAlert(ctx context.Context, key string) error
	// ClaimAlerts returns up to limit alerts due to escalate at now and
	// pushes each back by lease, so that replicas never share one.
	ClaimAlerts(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error)
}

// RosterStore keeps the on-call roster (storage.OnCall).
type RosterStore interface {
	// AddOnCall adds a window at the end of the roster and returns it with
	// its ID, which is also its order.
	AddOnCall(ctx context.Context, w domain.OnCallWindow) (domain.OnCallWindow, error)
	// OnCallRoster returns the windows in roster order.
	OnCallRoster(ctx context.Context) ([]domain.OnCallWindow, error)
	// RemoveOnCall removes window id; false when there was none.
	RemoveOnCall(ctx context.Context, id int) (bool, error)
}

// People finds staff and cases (storage.Staff and storage.Cases).
type People interface {
	Staff(ctx context.Context, userID int64) (domain.StaffMember, bool, error)
	ListStaff(ctx context.Context) ([]domain.StaffMember, error)
	Case(ctx context.Context, key string) (domain.Case, bool, error)
}

// Sessions loads the young person's session (bot.Store).
type Sessions interface {
	Load(ctx context.Context, key string) (s dialog.Session, found bool, err error)
}

// Menus sets a staff member's command menu (the house's).
type Menus interface {
	SetStaffMenu(ctx context.Context, userID int64, lang string, admin bool, role domain.Role)
}

// Options wire the room. Every field is required but TakeWithin.
type Options struct {
	Out      Out
	Renderer *render.Renderer
	Alerts   AlertStore
	Roster   RosterStore
	People   People
	Sessions Sessions
	Menus    Menus
	Dir      team.Directory
	Auditor  team.Auditor
	// Work runs the alerts in the background, tracked per session key
	// (shared with the house, so that an erasure stops them).
	Work       *background.Tracker
	Log        *slog.Logger
	Metrics    *metrics.Metrics
	Pseudonyms chat.Pseudonyms
	Now        func() time.Time
	// Spool holds the alerts the edge queued while the store was down
	// (SpoolJob raises them).
	Spool Spool
	// Admins are the Telegram user IDs with the admin role.
	Admins []int64
	// TakeWithin is how long an alert waits for a take before more people
	// are alerted. Zero: DefaultTakeWithin.
	TakeWithin time.Duration
}

// Alerts raises, escalates and hands out alerts, and keeps the roster.
type Alerts struct {
	o       Options
	out     Out
	dir     team.Directory
	auditor team.Auditor
	work    *background.Tracker
	pseudo  chat.Pseudonyms
}

// New makes the room; an error names a required option that is missing.
func New(o Options) (*Alerts, error) {
	var missing []string
	for _, f := range []struct {
		name string
		nil  bool
	}{
		{"Out", o.Out == nil}, {"Renderer", o.Renderer == nil}, {"Alerts", o.Alerts == nil},
		{"Roster", o.Roster == nil}, {"People", o.People == nil}, {"Sessions", o.Sessions == nil},
		{"Menus", o.Menus == nil}, {"Dir.Staff", o.Dir.Staff == nil}, {"Dir.Languages", o.Dir.Languages == nil},
		{"Auditor.Store", o.Auditor.Store == nil}, {"Work", o.Work == nil}, {"Log", o.Log == nil},
		{"Metrics", o.Metrics == nil}, {"Now", o.Now == nil}, {"Spool", o.Spool == nil},
	} {
		if f.nil {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, errors.New("alerts: missing " + strings.Join(missing, ", "))
	}
	if o.TakeWithin <= 0 {
		o.TakeWithin = DefaultTakeWithin
	}
	return &Alerts{o: o, out: o.Out, dir: o.Dir, auditor: o.Auditor, work: o.Work, pseudo: o.Pseudonyms}, nil
}

// refused is what someone hears who may not do what they tried.
func (x *Alerts) refused(in chat.Request, a chat.Actor) dialog.Text {
	return refused(x.o.Log, x.pseudo, in, a)
}

func refused(log *slog.Logger, pseudo chat.Pseudonyms, in chat.Request, a chat.Actor) dialog.Text {
	log.Info("staff action refused", "chat", pseudo.Of(in.Chat), "staff", a.IsStaff())
	return dialog.T("staff.refused")
}
