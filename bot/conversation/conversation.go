package conversation

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/dialog"
)

// Out is how the conversation answers (telegram.Out).
type Out interface {
	Say(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, texts ...dialog.Text) bool
	Answer(ctx context.Context, in chat.Request, toast string)
	Show(ctx context.Context, in chat.Request, lang string, toast *dialog.Text, msgs []dialog.Message)
}

// Newcomers handles someone without a session before the engine does (the
// staff room: a link, staff, the open intake); done reports that nothing
// more is to be done, otherwise prep (when not nil) prepares the session.
type Newcomers interface {
	FirstContactIfNew(ctx context.Context, in chat.Request) (prep func(*dialog.Session), done bool, err error)
}

// Alerts reaches a person now, in the background (the alerts room).
type Alerts interface {
	Raise(ctx context.Context, s dialog.Session, kind dialog.AlertKind)
}

// Handoff hands a submitted intake to its director (the handoff room).
type Handoff interface {
	HandOff(ctx context.Context, s dialog.Session) error
}

// Admins are told what an admin must know (the staff room).
type Admins interface {
	TellAdmins(ctx context.Context, texts ...dialog.Text)
}

// Options wire a Conversation; every field is required.
type Options struct {
	Loop       *Loop
	Out        Out
	Newcomers  Newcomers
	Alerts     Alerts
	Handoff    Handoff
	Admins     Admins
	Log        *slog.Logger
	Metrics    *metrics.Metrics
	Pseudonyms chat.Pseudonyms
}

// Conversation is the young person's side of the intake.
type Conversation struct {
	o       Options
	replied replied
}

// replied remembers, in this process, the last updates whose replies were
// shown, so that a redelivery here (Telegram delivering twice, a webhook
// call that timed out) does not show the screen again. After a crash, or
// on another replica, it is not known: the screen is shown again then.
type replied struct {
	mu    sync.Mutex
	ids   map[int64]bool
	order []int64
}

// repliedMax bounds what replied remembers.
const repliedMax = 4096

func (r *replied) add(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ids == nil {
		r.ids = map[int64]bool{}
	}
	if id == 0 || r.ids[id] {
		return
	}
	r.ids[id], r.order = true, append(r.order, id)
	if len(r.order) > repliedMax {
		delete(r.ids, r.order[0])
		r.order = r.order[1:]
	}
}

func (r *replied) has(id int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ids[id]
}

// New makes a Conversation.
func New(o Options) (*Conversation, error) {
	if o.Loop == nil || o.Out == nil || o.Newcomers == nil || o.Alerts == nil || o.Handoff == nil || o.Admins == nil || o.Log == nil || o.Metrics == nil {
		return nil, errors.New("conversation: every option is required")
	}
	return &Conversation{o: o}, nil
}

// Handle handles what no route takes, and the young person's commands:
// someone without a session first (a link, staff, the open intake), then
// the engine, the replies, an alert and the handoff.
func (c *Conversation) Handle(ctx context.Context, in chat.Request) error {
	return c.Guard(ctx, in, func() error { return c.handle(ctx, in) })
}

// Guard runs f, the handling of in, so that a session that does not open
// (domain.ErrUnreadable) never stops the chat: it is read again a few
// times, then set aside (kept, not deleted); the young person hears that
// they can start again, the update is handled at once on the new start
// (so /urgent still gets its answer), and the admins are told once.
func (c *Conversation) Guard(ctx context.Context, in chat.Request, f func() error) error {
	err := f()
	if !errors.Is(err, domain.ErrUnreadable) {
		return err
	}
	moved, serr := c.o.Loop.SetAside(ctx, chat.SessionKey(in.Chat))
	if serr != nil {
		return errors.Join(err, serr)
	}
	if !moved {
		// Readable after all (the bad record is another one), or set
		// aside by another replica: the usual way, tried again later.
		return err
	}
	ref := c.o.Pseudonyms.Of(in.Chat)
	c.o.Log.Warn("a session that does not open was set aside; the young person starts again", "chat", ref, "update", in.Event.UpdateID)
	c.o.Out.Say(ctx, in.Chat, c.o.Loop.Engine.MatchLanguage(in.Event.Lang), nil, dialog.T("record.session_set_aside"))
	c.o.Admins.TellAdmins(ctx, dialog.T("record.set_aside_admin", "Topic", dialog.T("record.kind.session"), "Pseudonym", ref))
	// A new start: as someone without a session (their case, if any,
	// names the director again), whatever f had begun.
	return c.handle(ctx, in)
}

func (c *Conversation) handle(ctx context.Context, in chat.Request) error {
	prep, done, err := c.o.Newcomers.FirstContactIfNew(ctx, in)
	if err != nil || done {
		return err
	}
	return c.HandleWith(ctx, in, prep)
}

// HandleWith runs the engine on the session, prepared by prep.
func (c *Conversation) HandleWith(ctx context.Context, in chat.Request, prep func(*dialog.Session)) error {
	res, err := c.o.Loop.Decide(ctx, chat.SessionKey(in.Chat), in.Event, prep)
	if err != nil {
		return err
	}
	// The log of this update, made only when needed (the hot path logs nothing).
	log := func() *slog.Logger {
		return c.o.Log.With("chat", c.o.Pseudonyms.Of(in.Chat), "update", in.Event.UpdateID)
	}
	if res.Duplicate {
		log().Info("duplicate update ignored")
		// The last update applied, come again: its save succeeded but its
		// reply may be lost (not shown by this process). Show the screen
		// the young person is at.
		if id := in.Event.UpdateID; id != 0 && id == res.Session.LastUpdateID && !c.replied.has(id) {
			if msgs := c.o.Loop.Engine.Current(res.Session); len(msgs) > 0 {
				c.o.Out.Show(ctx, in, res.Session.Lang, nil, msgs)
				return nil
			}
		}
		c.o.Out.Answer(ctx, in, "")
		// A redelivery after the handoff failed: try it again.
		if res.Session.State == dialog.StateSubmitted {
			return c.handOff(ctx, log(), res.Session)
		}
		return nil
	}
	c.o.Out.Show(ctx, in, res.Session.Lang, res.Toast, res.Messages)
	c.replied.add(in.Event.UpdateID)
	if res.Alert != dialog.AlertNone && !in.AlertQueued {
		// In the background, like a handoff. An alert the edge queued
		// (the store was down) is raised from the queue instead.
		c.o.Alerts.Raise(ctx, res.Session, res.Alert)
	}
	if res.Submitted {
		return c.handOff(ctx, log(), res.Session)
	}
	return nil
}

// handOff hands a submitted intake off. The young person's part is done
// and saved; an error makes the update come again, as a duplicate that
// comes back here.
func (c *Conversation) handOff(ctx context.Context, log *slog.Logger, s dialog.Session) error {
	if err := c.o.Handoff.HandOff(ctx, s); err != nil {
		c.o.Metrics.StoreErrors.Add(1)
		log.Error("can't hand the intake off", "err", err)
		return err
	}
	return nil
}
