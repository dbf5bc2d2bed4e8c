package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"

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
	Renderer *Renderer
	API      TelegramAPI
	Log      *slog.Logger
	// Username of the bot, to recognise /command@username.
	Username string
	// PseudonymKey keys the hash that stands for a chat in logs.
	PseudonymKey []byte
	// DefaultLang speaks to people outside a session (group chats).
	DefaultLang string
	// HandleTimeout bounds the work on one update. Zero means 30 seconds.
	HandleTimeout time.Duration
	Metrics       *Metrics
	// Sender sends every message of the bot, live replies and bulk
	// traffic alike, so they share one budget. Nil: a Sender with
	// Telegram's limits. Its API, Log and Metrics are filled in when empty.
	Sender *Sender

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
	// are alerted. Zero: 10 minutes.
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
)

// Bot handles updates. It is safe for concurrent use by different chats;
// updates of one chat must be handed to it one at a time (the Poller does).
type Bot struct {
	o      Options
	sender *Sender

	mu       sync.Mutex
	toldDown map[int64]time.Time // chats told that the store is down
	handoffs sync.WaitGroup      // deliveries to directors and alerts in the background
	flights  inflight            // that background work by session key, for erasure
	trail    *recorder           // nil without Options.Trail
}

// New makes a Bot.
func New(o Options) *Bot {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.HandleTimeout == 0 {
		o.HandleTimeout = 30 * time.Second
	}
	if o.Metrics == nil {
		o.Metrics = &Metrics{}
	}
	if o.Sender == nil {
		o.Sender = &Sender{}
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
	if o.TakeWithin <= 0 {
		o.TakeWithin = DefaultTakeWithin
	}
	b := &Bot{o: o, sender: o.Sender, toldDown: map[int64]time.Time{}}
	b.withPrivacy()
	return b
}

// pseudonym stands for a chat in logs: stable, not reversible without the key.
func (b *Bot) pseudonym(chatID int64) string {
	m := hmac.New(sha256.New, b.o.PseudonymKey)
	m.Write([]byte(strconv.FormatInt(chatID, 10)))
	return hex.EncodeToString(m.Sum(nil)[:6])
}

// HandleUpdate applies one update. It returns an error only when the
// update was not applied because the store failed: the caller tries it
// again later (the poller in order, Telegram for a webhook). A panic is
// caught here: the person gets an apology and the next message works.
func (b *Bot) HandleUpdate(ctx context.Context, upd *models.Update) (err error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, b.o.HandleTimeout)
	defer cancel()
	in, ok := toIncoming(upd, b.o.Username)
	if !ok {
		b.o.Metrics.Updates.Add(1)
		return nil
	}
	log := b.o.Log.With("chat", b.pseudonym(in.chatID), "update", upd.ID)
	defer func() {
		if p := recover(); p != nil {
			b.o.Metrics.Panics.Add(1)
			log.Error("panic while handling update", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			b.apologise(ctx, in, "error.sorry")
			err = nil // handling it again would panic again
		}
		if err == nil {
			// Counted once the replies are out: a test or a load tool can
			// wait on this counter to know an update is fully handled.
			b.o.Metrics.Updates.Add(1)
		}
		b.o.Metrics.observe(time.Since(start))
	}()
	if !in.private {
		b.notPrivate(ctx, in)
		return nil
	}
	if done, err := b.privacy(ctx, in); done || err != nil {
		if err != nil {
			b.o.Metrics.StoreErrors.Add(1)
			log.Error("can't handle update", "err", err)
			b.unavailable(ctx, in)
		}
		return err
	}
	var prep func(*dialog.Session)
	if b.o.People != nil {
		var done bool
		prep, done, err = b.route(ctx, in)
		if err != nil {
			b.o.Metrics.StoreErrors.Add(1)
			log.Error("can't handle update", "err", err)
			b.unavailable(ctx, in)
			return err
		}
		if done {
			return nil
		}
	}
	res, err := b.decide(ctx, in, prep)
	if err != nil {
		b.o.Metrics.StoreErrors.Add(1)
		log.Error("can't handle update", "err", err)
		b.unavailable(ctx, in)
		return err
	}
	if res.Duplicate {
		log.Info("duplicate update ignored")
		b.answerCallback(ctx, in, "")
		// A redelivery after the handoff failed: try it again.
		if b.o.People != nil && res.Session.State == dialog.StateSubmitted {
			return b.handOffOrRetry(ctx, log, res.Session)
		}
		return nil
	}
	b.deliver(ctx, in, res)
	if res.Alert != dialog.AlertNone && b.o.People != nil {
		b.raiseAlert(ctx, res.Session, res.Alert) // in the background, like a handoff
	}
	if b.o.People != nil && res.Submitted {
		return b.handOffOrRetry(ctx, log, res.Session)
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

// unavailable says so at most once per chat in a while, however often the
// update is tried again.
func (b *Bot) unavailable(ctx context.Context, in incoming) {
	now := time.Now()
	b.mu.Lock()
	last, told := b.toldDown[in.chatID]
	if !told || now.Sub(last) > apologyInterval {
		b.toldDown[in.chatID] = now
	}
	for chat, t := range b.toldDown {
		if now.Sub(t) > apologyInterval {
			delete(b.toldDown, chat)
		}
	}
	b.mu.Unlock()
	if told && now.Sub(last) <= apologyInterval {
		b.answerCallback(ctx, in, "")
		return
	}
	b.apologise(ctx, in, "error.try_again")
}

// apologyInterval is how often a person hears that the bot can't save
// right now, while it keeps trying.
const apologyInterval = 2 * time.Minute

// decide loads the session, runs the engine and saves the result with
// compare-and-set; a lost race loads again and decides again, so two fast
// messages never overwrite each other. A decision that changes nothing is
// not saved, so no compare-and-set checks it: when the session may have
// come from a cache, it is made again on the state in the store, so that a
// replica with an old copy never answers from it. prep, when not nil,
// changes the session before the engine sees it (the link to a director).
func (b *Bot) decide(ctx context.Context, in incoming, prep func(*dialog.Session)) (dialog.Result, error) {
	key := strconv.FormatInt(in.chatID, 10)
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
		res := b.o.Engine.Handle(s, in.ev)
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

// deliver answers the button press (always: Telegram shows a spinner until
// then), then shows the replies. The first reply marked Edit replaces the
// pressed message; the rest are sent.
func (b *Bot) deliver(ctx context.Context, in incoming, res dialog.Result) {
	lang := res.Session.Lang
	toast := ""
	if res.Toast != nil {
		toast = PlainText(b.o.Renderer.Text(lang, *res.Toast))
	}
	b.answerCallback(ctx, in, toast)
	editTarget := in.pressedMsg
	for _, m := range res.Messages {
		if m.Echo && editTarget == 0 {
			continue
		}
		body := b.o.Renderer.Message(lang, m)
		kb := b.keyboard(lang, m.Buttons)
		chunks := Split(body, MaxMessageLen)
		for i, chunk := range chunks {
			var markup *models.InlineKeyboardMarkup
			if i == len(chunks)-1 {
				markup = kb
			}
			if i == 0 && m.Edit && editTarget != 0 {
				target := editTarget
				editTarget = 0
				if b.sender.Edit(ctx, in.chatID, target, chunk, markup) {
					continue
				}
			}
			b.sender.Send(ctx, in.chatID, chunk, markup)
		}
	}
}

func (b *Bot) keyboard(lang string, rows [][]dialog.Button) *models.InlineKeyboardMarkup {
	if len(rows) == 0 {
		return nil
	}
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: make([][]models.InlineKeyboardButton, 0, len(rows))}
	for _, row := range rows {
		r := make([]models.InlineKeyboardButton, 0, len(row))
		for _, btn := range row {
			r = append(r, models.InlineKeyboardButton{Text: b.o.Renderer.Label(lang, btn), CallbackData: btn.Data})
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, r)
	}
	return kb
}

func (b *Bot) answerCallback(ctx context.Context, in incoming, text string) {
	if in.callback != nil {
		b.sender.AnswerCallbackIn(ctx, in.chatID, in.callback.ID, text)
	}
}

// apologise tells the person that something went wrong on our side, in the
// language Telegram reports for them.
func (b *Bot) apologise(ctx context.Context, in incoming, id string) {
	b.answerCallback(ctx, in, "")
	if !in.private {
		return
	}
	lang := b.o.Engine.MatchLanguage(in.ev.Lang)
	b.sender.Send(ctx, in.chatID, b.o.Renderer.Text(lang, dialog.T(id)), nil)
}

// notPrivate answers in a group: the intake is only for a private chat, and
// nothing else happens there. Only commands get an answer, so that the bot
// does not talk over a group's conversation.
func (b *Bot) notPrivate(ctx context.Context, in incoming) {
	if in.callback != nil {
		b.answerCallback(ctx, in, "")
		return
	}
	if in.ev.Kind != dialog.EventCommand {
		return
	}
	b.sender.Send(ctx, in.chatID, b.o.Renderer.Text(b.o.DefaultLang, dialog.T("group.only_private")), nil)
}
