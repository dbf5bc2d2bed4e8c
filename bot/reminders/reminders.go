// Package reminders is the counsellors' and directors' reminders to their
// young people: /remind to make, list, move and cancel them (staff.go), the
// job that sends them when they fall due (send.go), the young person's
// one-press answers, and the reading of typed times, repeats and quiet
// hours (when.go, schedule.go).
//
// A reminder is a record in the store (storage.Reminders) and an entry in
// its job queue; the runner (bot/jobs) claims due ones with a lease, so a
// restart or a killed replica loses none, and two replicas never send the
// same one within a lease. Each run re-reads the reminder and saves what
// it did with compare-and-set.
package reminders

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/team"
	"github.com/intakebot/intakebot/dialog"
)

// ErrBlocked is what Out.Remind returns (wrapped) when the young person
// blocked the bot: Telegram answers 403.
var ErrBlocked = chat.ErrBlocked

// Out sends and edits messages (telegram.Out).
type Out interface {
	Say(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, texts ...dialog.Text) bool
	Edit(ctx context.Context, in chat.Request, lang string, buttons [][]dialog.Button, texts ...dialog.Text)
	// Remind sends a reminder as bulk traffic and says why it did not
	// arrive: an error wrapping ErrBlocked for a 403.
	Remind(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, texts ...dialog.Text) error
	// Show and Answer answer a young person's update in the check-in, as
	// the intake's conversation does.
	Show(ctx context.Context, in chat.Request, lang string, toast *dialog.Text, msgs []dialog.Message)
	Answer(ctx context.Context, in chat.Request, toast string)
}

// Store keeps the reminders and their job queue (storage.Reminders).
type Store interface {
	SaveReminder(ctx context.Context, r domain.Reminder) (domain.Reminder, error)
	Reminder(ctx context.Context, id string) (domain.Reminder, bool, error)
	RemindersOf(ctx context.Context, staff int64) ([]domain.Reminder, error)
	RemindersFor(ctx context.Context, key string) ([]domain.Reminder, error)
	ClaimReminders(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error)
	DeleteRemindersFor(ctx context.Context, key string) (int, error)
}

// Cases finds the young people of a staff member (storage.Cases).
type Cases interface {
	Case(ctx context.Context, key string) (domain.Case, bool, error)
	CasesOf(ctx context.Context, staff int64) ([]domain.Case, error)
}

// Sessions finds a young person's language, and for an idle nudge how
// far their intake is (bot.Store).
type Sessions interface {
	Load(ctx context.Context, key string) (dialog.Session, bool, error)
	LoadFresh(ctx context.Context, key string) (dialog.Session, bool, error)
}

// Defaults.
const (
	DefaultRegisterFee = "EUR 8"
	// DefaultLease is how long a claimed reminder stays with its replica.
	DefaultLease = 2 * time.Minute
	// Snooze is how much later a snoozed reminder comes again.
	Snooze = 24 * time.Hour
)

// Options wire the room. Out, Store, Cases, Sessions, Checkin,
// CheckinStore, Alerts, Dir, Auditor and Now are required.
type Options struct {
	Out      Out
	Store    Store
	Cases    Cases
	Sessions Sessions
	// Checkin is the engine of the weekly check-in (the check-in flow,
	// without consent), CheckinStore keeps its sessions apart from the
	// intake's, and Alerts raises a signal of acute risk in it.
	Checkin      *dialog.Engine
	CheckinStore CheckinStore
	Alerts       Alerter
	Dir          team.Directory
	Auditor      team.Auditor
	Log          *slog.Logger
	Now          func() time.Time
	// Loc is the deployment's time zone (INTAKEBOT_TIMEZONE); nil: UTC.
	Loc *time.Location
	// Quiet are the hours in which reminders to young people wait
	// (INTAKEBOT_QUIET_HOURS).
	Quiet Quiet
	// RegisterFee is the yearly fee of the housing register
	// (INTAKEBOT_REGISTER_FEE). Empty: DefaultRegisterFee.
	RegisterFee string
	// Lease is how long a claimed reminder stays with its replica. Zero:
	// DefaultLease.
	Lease time.Duration
	// Nudges are the silences after which a young person whose intake is
	// started and not sent gets an idle nudge (INTAKEBOT_NUDGES), at most
	// one each per silence; empty: no nudges (nudge.go).
	Nudges []time.Duration
	// NudgeID is the ID of a young person's idle nudge, one per session
	// key, so that replicas never make two (required with Nudges).
	NudgeID func(key string) string
}

// Reminders is the room.
type Reminders struct {
	o       Options
	auditor team.Auditor
	log     *slog.Logger
}

// New makes the room; an error names the required options that are
// missing.
func New(o Options) (*Reminders, error) {
	var missing []string
	for _, f := range []struct {
		name string
		nil  bool
	}{
		{"Out", o.Out == nil}, {"Store", o.Store == nil}, {"Cases", o.Cases == nil},
		{"Sessions", o.Sessions == nil}, {"Checkin", o.Checkin == nil || o.Checkin.Flow == nil},
		{"CheckinStore", o.CheckinStore == nil}, {"Alerts", o.Alerts == nil}, {"Dir", o.Dir.Staff == nil}, {"Auditor", o.Auditor.Store == nil}, {"Now", o.Now == nil},
	} {
		if f.nil {
			missing = append(missing, f.name)
		}
	}
	if len(o.Nudges) > 0 && o.NudgeID == nil {
		missing = append(missing, "NudgeID")
	}
	if len(missing) > 0 {
		return nil, errors.New("reminders: missing " + strings.Join(missing, ", "))
	}
	if o.Loc == nil {
		o.Loc = time.UTC
	}
	if o.RegisterFee == "" {
		o.RegisterFee = DefaultRegisterFee
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return &Reminders{o: o, auditor: o.Auditor, log: o.Log}, nil
}

// newID makes a reminder's ID: 16 hex digits.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// EraseFor removes every reminder to the young person with session key key,
// and their check-in (/delete and retention).
func (x *Reminders) EraseFor(ctx context.Context, key string) error {
	_, err := x.o.Store.DeleteRemindersFor(ctx, key)
	return errors.Join(err, x.o.CheckinStore.Delete(ctx, key))
}

// change loads reminder id, lets f change it and saves it, again on a
// conflict; f returns false to leave it. It returns the reminder as saved
// (or as found) and whether it was there.
func (x *Reminders) change(ctx context.Context, id string, f func(r *domain.Reminder) bool) (domain.Reminder, bool, error) {
	for range 5 {
		r, ok, err := x.o.Store.Reminder(ctx, id)
		if err != nil || !ok {
			return r, ok, err
		}
		if !f(&r) {
			return r, true, nil
		}
		saved, err := x.o.Store.SaveReminder(ctx, r)
		if errors.Is(err, domain.ErrConflict) {
			continue
		}
		return saved, true, err
	}
	return domain.Reminder{}, false, errors.New("reminders: the reminder kept changing")
}
