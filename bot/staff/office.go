// Package staff is the staff's office: who is who (admins, process
// directors, counsellors), the single-use links that make someone staff or
// Invite a young person, the first contact of someone without an intake,
// the staff's caseload (/cases) and the audit trail for admins (/audit).
package staff

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/team"
	"github.com/intakebot/intakebot/dialog"
)

// Out is how the office talks to people (telegram.Out).
type Out interface {
	Say(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, texts ...dialog.Text) bool
	SayHTML(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, body string, bulk bool) bool
	Edit(ctx context.Context, in chat.Request, lang string, buttons [][]dialog.Button, texts ...dialog.Text)
	Answer(ctx context.Context, in chat.Request, toast string)
}

// Menus sets the command menu of a staff member's chat (telegram.Menus).
type Menus interface {
	SetStaff(ctx context.Context, a chat.Actor, lang string)
	ClearStaff(ctx context.Context, userID int64)
}

// StaffStore keeps the staff (storage.Staff).
type StaffStore interface {
	Staff(ctx context.Context, userID int64) (domain.StaffMember, bool, error)
	AddStaff(ctx context.Context, m domain.StaffMember) error
	ListStaff(ctx context.Context) ([]domain.StaffMember, error)
	RemoveStaff(ctx context.Context, userID int64) error
	// SetPendingStaff remembers, for an hour, that userID opened a staff
	// link and is asked for their name; TakePendingStaff returns it once.
	SetPendingStaff(ctx context.Context, userID int64, l domain.Link) error
	TakePendingStaff(ctx context.Context, userID int64) (domain.Link, bool, error)
	// QuarantineStaff sets aside the record of userID, one that does not
	// open (domain.ErrUnreadable): they are staff no more.
	QuarantineStaff(ctx context.Context, userID int64) (bool, error)
}

// LinkStore keeps single-use links (storage.Links).
type LinkStore interface {
	// CreateLink stores l under a new random token (at least 128 bits)
	// and returns the token; only its hash is stored.
	CreateLink(ctx context.Context, l domain.Link) (token string, err error)
	// UseLink returns the link of token and makes it unusable, atomically,
	// or domain.ErrLinkInvalid.
	UseLink(ctx context.Context, token string) (domain.Link, error)
	PendingInvites(ctx context.Context, director int64) ([]domain.Link, error)
	// LinkFailure counts a failed link for userID and returns the count
	// within the last hour; LinkFailures returns it without adding.
	LinkFailure(ctx context.Context, userID int64) (int, error)
	LinkFailures(ctx context.Context, userID int64) (int, error)
	// PeekLink returns the link of token without using it up.
	PeekLink(ctx context.Context, token string) (domain.Link, error)
	// DeleteCaseLinks deletes these directors' links that would move the
	// case under caseKey to another account.
	DeleteCaseLinks(ctx context.Context, caseKey string, directors ...int64) (int, error)
}

// CaseStore keeps the cases (storage.Cases).
type CaseStore interface {
	SaveCase(ctx context.Context, c domain.Case) error
	Case(ctx context.Context, key string) (domain.Case, bool, error)
	// CasesOf lists the cases of a director, or of a counsellor (the ones
	// they invited), newest first.
	CasesOf(ctx context.Context, staff int64) ([]domain.Case, error)
	// MoveCase re-keys a case (a young person's new Telegram account).
	MoveCase(ctx context.Context, oldKey, newKey string) error
	// ChangeCase changes a case as it is stored now (a professional's view).
	ChangeCase(ctx context.Context, key string, change func(*domain.Case) bool) (bool, error)
	// QuarantineCase sets aside a case that does not open.
	QuarantineCase(ctx context.Context, key string) (bool, error)
}

// AuditLog reads the audit trail (storage.Audit).
type AuditLog interface {
	AuditLog(ctx context.Context, limit int) ([]domain.AuditEntry, error)
}

// Sessions are the young people's intakes, as far as the office needs them.
type Sessions interface {
	Load(ctx context.Context, key string) (dialog.Session, bool, error)
	// MoveSession moves an intake to another key (a new Telegram
	// account); it fails, and changes nothing, when newKey holds one.
	MoveSession(ctx context.Context, oldKey, newKey string) error
}

// Handoff shows and acknowledges what a director received (the handoff room).
type Handoff interface {
	Acknowledge(ctx context.Context, in chat.Request, a chat.Actor, c domain.Case) (dialog.Text, error)
	SendSummary(ctx context.Context, chat int64, lang string, c domain.Case, s dialog.Session) bool
}

// Reminders tells the status of a young person's reminders, for /cases
// (the reminders room).
type Reminders interface {
	// StatusOf is a line on the reminders to the young person with key;
	// an empty text when there are none.
	StatusOf(ctx context.Context, key string) (dialog.Text, error)
	// Typed gives a staff member's plain text to their /remind draft
	// that waits for typed input, and reports whether one waited.
	Typed(ctx context.Context, a chat.Actor, text string) (bool, error)
}

// Privacy keeps the retention and the /exit trail right (the privacy room).
type Privacy interface {
	// ScheduleIdle sets when an intake linked at from is erased if idle.
	ScheduleIdle(ctx context.Context, key string, from time.Time)
	// DropTrail forgets the /exit trail of someone without an intake.
	DropTrail(ctx context.Context, chat int64)
}

// Options wire the Office. Every field is required but
// OpenIntakeDirector (zero: young people need an invite).
type Options struct {
	Engine   *dialog.Engine
	Renderer *render.Renderer
	Out      Out
	Menus    Menus
	Staff    StaffStore
	Links    LinkStore
	Cases    CaseStore
	Audit    AuditLog
	Sessions Sessions
	Handoff  Handoff
	Privacy  Privacy
	// Reminders shows the status of reminders in /cases.
	Reminders Reminders
	Dir       team.Directory
	Auditor   team.Auditor
	// Help is the help of the commands a staff member may use (the route
	// table's).
	Help       func(a chat.Actor) []dialog.Text
	Log        *slog.Logger
	Metrics    *metrics.Metrics
	Pseudonyms chat.Pseudonyms
	// PseudonymKey keys the case pseudonyms /audit recognises.
	PseudonymKey []byte
	Now          func() time.Time
	// Admins are the Telegram user IDs with the admin role.
	Admins []int64
	// Username of the bot, for the /start links.
	Username           string
	InviteTTL          time.Duration
	StaffLinkTTL       time.Duration
	OpenIntakeDirector int64
}

// Office is the staff's side of the bot.
type Office struct {
	o       Options
	out     Out
	pseudo  chat.Pseudonyms
	auditor team.Auditor
}

// New makes an Office; it names every option that is missing.
func New(o Options) (*Office, error) {
	var missing []string
	for name, ok := range map[string]bool{
		"Engine": o.Engine != nil, "Renderer": o.Renderer != nil, "Out": o.Out != nil, "Menus": o.Menus != nil,
		"Staff": o.Staff != nil, "Links": o.Links != nil, "Cases": o.Cases != nil, "Audit": o.Audit != nil,
		"Sessions": o.Sessions != nil, "Handoff": o.Handoff != nil, "Privacy": o.Privacy != nil, "Reminders": o.Reminders != nil,
		"Help": o.Help != nil, "Log": o.Log != nil, "Metrics": o.Metrics != nil, "Now": o.Now != nil,
		"InviteTTL": o.InviteTTL > 0, "StaffLinkTTL": o.StaffLinkTTL > 0,
	} {
		if !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("staff: Options lack %s", strings.Join(missing, ", "))
	}
	return &Office{o: o, out: o.Out, pseudo: o.Pseudonyms, auditor: o.Auditor}, nil
}
