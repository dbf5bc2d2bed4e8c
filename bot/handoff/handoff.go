// Package handoff is the handoff to the director: an approved intake goes
// to the young person's director, as messages, as a document for the
// dossier, and with a button by which the director says they will contact
// the young person. That press tells the young person they are seen; until
// it comes, the due job reminds the director and then tells the admins.
package handoff

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/intakebot/intakebot/bot/background"
	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/metrics"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/team"
	"github.com/intakebot/intakebot/dialog"
)

// DefaultAckAfter is Options.AckAfter when it is zero.
const DefaultAckAfter = 48 * time.Hour

// Out is how the handoff talks to people (telegram.Out).
type Out interface {
	Say(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, texts ...dialog.Text) bool
	SayHTML(ctx context.Context, chat int64, lang string, buttons [][]dialog.Button, body string, bulk bool) bool
	Edit(ctx context.Context, in chat.Request, lang string, buttons [][]dialog.Button, texts ...dialog.Text)
	SendDocument(ctx context.Context, chat int64, filename string, data []byte, caption string) bool
}

// Cases keeps the cases and their due times (storage.Cases).
type Cases interface {
	Case(ctx context.Context, key string) (domain.Case, bool, error)
	SaveCase(ctx context.Context, c domain.Case) error
	// ChangeCase reads the case under key, lets change alter it and writes
	// it back only if nobody wrote it in between; change returns false to
	// write nothing. It reports whether it wrote.
	ChangeCase(ctx context.Context, key string, change func(*domain.Case) bool) (bool, error)
	// ScheduleDue sets (or moves) the time at which the case needs
	// attention, only while the case exists; CancelDue removes it.
	ScheduleDue(ctx context.Context, caseKey string, at time.Time) error
	CancelDue(ctx context.Context, caseKey string) error
	// ClaimDue returns up to limit cases due at now and pushes each back
	// by lease, atomically.
	ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error)
}

// Sessions reads the young people's sessions (bot.Store).
type Sessions interface {
	Load(ctx context.Context, key string) (s dialog.Session, found bool, err error)
}

// Retention ends the bot's copy of a case whose time has come (the privacy
// workflow). DueRetention handles a due case that is neither being
// delivered nor waiting for its acknowledgement; it reports whether it
// handled it.
type Retention interface {
	DueRetention(ctx context.Context, c domain.Case, s dialog.Session, found bool, now time.Time) (bool, error)
}

// Options wire a Handoff. Every field is required but OpenIntakeDirector,
// Admins and AckAfter.
type Options struct {
	Out      Out
	Renderer *render.Renderer
	// Engine gives the flow of the summary and the default language.
	Engine    *dialog.Engine
	Cases     Cases
	Sessions  Sessions
	Retention Retention
	Dir       team.Directory
	Auditor   team.Auditor
	// Work is the background work per intake, shared with the house.
	Work       *background.Tracker
	Log        *slog.Logger
	Pseudonyms chat.Pseudonyms
	Now        func() time.Time
	// Metrics counts the reminders and the escalations to the admins.
	Metrics *metrics.Metrics

	// Admins are told of an intake nobody acknowledged.
	Admins []int64
	// OpenIntakeDirector, when not zero, is the director of young people
	// who start without an invite.
	OpenIntakeDirector int64
	// AckAfter is how long a delivered intake waits for the director's
	// acknowledgement before the director is reminded, and after that
	// before the admins are told. Zero: DefaultAckAfter.
	AckAfter time.Duration
	// QuietUntil is when the staff's quiet hours (INTAKEBOT_QUIET_HOURS,
	// on INTAKEBOT_TIMEZONE's clock) that t falls in end; t itself outside
	// them. The director's reminders and the admins' escalations of an
	// unacknowledged intake wait for it; the summary itself and alerts of
	// acute risk never wait. Nil: no quiet hours.
	QuietUntil func(t time.Time) time.Time
	// AcknowledgedTTL is how long the bot keeps an acknowledged intake.
	AcknowledgedTTL time.Duration
	// IdleTTL is how long an intake the admins were told of is kept.
	IdleTTL time.Duration
}

// Handoff delivers submitted intakes to their directors, takes their
// acknowledgements and runs the due job.
type Handoff struct {
	o       Options
	out     Out
	dir     team.Directory
	auditor team.Auditor
	work    *background.Tracker
	pseudo  chat.Pseudonyms
}

// New makes a Handoff; it names the first required option that is missing.
func New(o Options) (*Handoff, error) {
	if o.AckAfter <= 0 {
		o.AckAfter = DefaultAckAfter
	}
	for _, m := range []struct {
		missing bool
		name    string
	}{
		{o.Out == nil, "Out"},
		{o.Renderer == nil, "Renderer"},
		{o.Engine == nil, "Engine"},
		{o.Cases == nil, "Cases"},
		{o.Sessions == nil, "Sessions"},
		{o.Retention == nil, "Retention"},
		{o.Dir.Staff == nil || o.Dir.Languages == nil, "Dir"},
		{o.Auditor.Store == nil || o.Auditor.Log == nil || o.Auditor.Now == nil, "Auditor"},
		{o.Work == nil, "Work"},
		{o.Log == nil, "Log"},
		{o.Now == nil, "Now"},
		{o.Metrics == nil, "Metrics"},
		{o.AcknowledgedTTL <= 0, "AcknowledgedTTL"},
		{o.IdleTTL <= 0, "IdleTTL"},
	} {
		if m.missing {
			return nil, errors.New("handoff: Options." + m.name + " is missing")
		}
	}
	return &Handoff{o: o, out: o.Out, dir: o.Dir, auditor: o.Auditor, work: o.Work, pseudo: o.Pseudonyms}, nil
}

// deliveryRetry is when the due loop tries a handoff again that did not
// get through (the director's chat refused, the process stopped halfway).
const deliveryRetry = 5 * time.Minute

// HandOff delivers a submitted intake, once. It returns an error only when
// nothing was recorded, so that the update is handled again (as a
// duplicate, which comes back here); once the due time is set, the due
// loop finishes a delivery that fails.
func (h *Handoff) HandOff(ctx context.Context, s dialog.Session) error {
	c, found, err := h.o.Cases.Case(ctx, s.Key)
	if err != nil {
		return err
	}
	if !found {
		if h.o.OpenIntakeDirector == 0 {
			h.o.Log.Warn("an intake was sent without a director", "chat", h.pseudo.Of(chat.ParseSessionKey(s.Key)))
			return nil
		}
		c = domain.Case{Key: s.Key, Director: h.o.OpenIntakeDirector, Linked: h.o.Now()}
		if err := h.o.Cases.SaveCase(ctx, c); err != nil {
			return err
		}
	}
	if domain.DeliveredFor(c, s) {
		return nil
	}
	if err := h.o.Cases.ScheduleDue(ctx, s.Key, h.o.Now().Add(deliveryRetry)); err != nil {
		return err
	}
	// The director's chat is paced (about a message a second) and a
	// summary is several messages: deliver in the background, so that the
	// young person's next message never waits behind it. A delivery cut
	// short by a stop is finished by the due loop. It is tracked, so that
	// a /delete meanwhile stops it before it erases (bot/background).
	work, finish := h.work.Track(context.WithoutCancel(ctx), s.Key)
	h.work.Go(func() {
		defer finish()
		ctx, cancel := context.WithTimeout(work, handoffTimeout)
		defer cancel()
		h.deliver(ctx, c, s)
	})
	return nil
}

// handoffTimeout bounds one delivery in the background.
const handoffTimeout = 2 * time.Minute

// deliver sends the intake to the case's director, in the
// director's language, records that it arrived and then sends the button
// by which the director acknowledges it; it reports whether the intake
// arrived. Only a current director ever receives it. When ctx ends (a
// /delete settles the work) nothing more is recorded or sent.
func (h *Handoff) deliver(ctx context.Context, c domain.Case, s dialog.Session) bool {
	log := h.o.Log.With("case", h.pseudo.Of(chat.ParseSessionKey(c.Key)), "director", h.pseudo.Of(c.Director))
	dir, ok, err := h.dir.Staff.Staff(ctx, c.Director)
	if err != nil {
		log.Error("can't look up the director of an intake", "err", err)
		return false
	}
	if !ok || dir.Role != domain.RoleDirector {
		log.Warn("the director of an intake is no longer staff: the admins will be told")
		return false
	}
	lang := h.dir.LangOf(dir)
	if !h.SendSummary(ctx, dir.UserID, lang, c, s) {
		log.Warn("the intake did not reach its director; trying again later")
		return false
	}
	if ctx.Err() != nil {
		log.Info("the delivery of an intake was stopped before it was recorded")
		return false
	}
	now := h.o.Now()
	// Recorded before the button goes out: a press right after it must
	// find the intake delivered. A new submission (the young person
	// started over) waits for an acknowledgement of its own. Only the
	// delivery's fields change, on the case as it is now: a case handed to
	// another director meanwhile is not delivered (the due loop sends it
	// to them) and keeps its new director.
	reassigned := false
	ok, err = h.o.Cases.ChangeCase(ctx, c.Key, func(cur *domain.Case) bool {
		if reassigned = cur.Director != c.Director; reassigned {
			return false
		}
		cur.Delivered, cur.Acknowledged, cur.AckBy, cur.Reminded, cur.Escalated = now, time.Time{}, 0, time.Time{}, time.Time{}
		return true
	})
	switch {
	case err != nil:
		log.Error("can't record a delivered intake", "err", err)
		return false
	case reassigned:
		log.Info("an intake was handed to another director while it was delivered")
		return false
	case !ok:
		log.Info("an intake was erased while it was delivered")
		return false
	}
	if err := h.o.Cases.ScheduleDue(ctx, c.Key, now.Add(h.o.AckAfter)); err != nil {
		log.Error("can't schedule the reminder of a delivered intake", "err", err)
	}
	if ctx.Err() != nil {
		// Stopped: by an erasure, which erases what was recorded, or by
		// the timeout, after which the reminder brings the button.
		return false
	}
	h.auditor.Record(ctx, dir.UserID, "summary.delivered", c.Key)
	if !h.out.Say(ctx, dir.UserID, lang, ackButton(c.Key), dialog.T("ack.prompt")) {
		log.Warn("the acknowledge button did not reach the director; the reminder brings it again")
	}
	if text, rows := viewPrompt(h.o.Engine.Flow, c.Key); rows != nil {
		h.out.Say(ctx, dir.UserID, lang, rows, text)
	}
	log.Info("intake handed off")
	return true
}

// SendSummary sends the intake as messages and as a document to chat, in
// lang; it reports whether all of it arrived.
func (h *Handoff) SendSummary(ctx context.Context, chatID int64, lang string, c domain.Case, s dialog.Session) bool {
	sum := dialog.BuildSummary(h.o.Engine.Flow, s)
	view := View{Case: c, Summary: sum, Age: s.Age, Flags: sum.Flags, ProView: c.ProView, ProViewOf: h.o.Engine.Flow.ProView}
	if q, ok := h.o.Engine.Flow.Question(view.ProViewOf); ok {
		view.ProViewMax = q.Max
	}
	ok := true
	// Each message fits in one (Messages), so SayHTML sends it as it is.
	for _, m := range NewRenderer(h.o.Renderer).Messages(lang, view) {
		ok = h.out.SayHTML(ctx, chatID, lang, nil, m, false) && ok
	}
	name, doc := NewRenderer(h.o.Renderer).Document(lang, view)
	caption := h.o.Renderer.Text(lang, dialog.T("handoff.document_caption"))
	return h.out.SendDocument(ctx, chatID, name, doc, caption) && ok
}

// viewPrompt asks the director for their own view of the support, on the
// young person's scale (Flow.ProView), with a button per step.
func viewPrompt(f *dialog.Flow, key string) (dialog.Text, [][]dialog.Button) {
	q, ok := f.Question(f.ProView)
	if !ok || q.Kind != dialog.KindScale {
		return dialog.Text{}, nil
	}
	var row []dialog.Button
	for n := q.Min; n <= q.Max; n++ {
		row = append(row, dialog.Button{Label: dialog.Raw(strconv.Itoa(n)), Data: chat.ButtonData(chat.ActProView, strconv.Itoa(n)+":"+key)})
	}
	return dialog.T("proview.prompt", "Question", dialog.T(dialog.QuestionMessageID(q.ID)), "Min", q.Min, "Max", q.Max), [][]dialog.Button{row}
}

func ackButton(key string) [][]dialog.Button {
	return [][]dialog.Button{{{Label: dialog.T("btn.ack"), Data: chat.ButtonData(chat.ActAcknowledge, key)}}}
}

// Acknowledge records the director's "I'll contact them" and tells the
// young person, without a word of content, that they are seen. The caller
// checked that the actor is the case's director or an admin.
func (h *Handoff) Acknowledge(ctx context.Context, in chat.Request, a chat.Actor, c domain.Case) (dialog.Text, error) {
	if !c.Acknowledged.IsZero() {
		h.out.Edit(ctx, in, a.Lang, nil, dialog.T("ack.done", "Date", c.Acknowledged))
		return dialog.T("ack.already"), nil
	}
	if c.Delivered.IsZero() {
		return dialog.T("staff.gone"), nil
	}
	now := h.o.Now()
	// Only the acknowledgement's fields change, on the case as it is now.
	var already time.Time
	ok, err := h.o.Cases.ChangeCase(ctx, c.Key, func(cur *domain.Case) bool {
		if already = cur.Acknowledged; !already.IsZero() || cur.Delivered.IsZero() {
			return false
		}
		cur.Acknowledged, cur.AckBy = now, a.ID
		return true
	})
	switch {
	case err != nil:
		return dialog.Text{}, err
	case !ok && !already.IsZero():
		// Someone else was just before them.
		h.out.Edit(ctx, in, a.Lang, nil, dialog.T("ack.done", "Date", already))
		return dialog.T("ack.already"), nil
	case !ok:
		return dialog.T("staff.gone"), nil
	}
	// No more reminders: the next due time is the end of the bot's copy
	// (retention, Options.Retention).
	if err := h.o.Cases.ScheduleDue(ctx, c.Key, now.Add(h.o.AcknowledgedTTL)); err != nil {
		// The due loop sees the acknowledgement and schedules it then.
		h.o.Log.Warn("can't schedule the expiry of an acknowledged intake", "err", err)
	}
	h.auditor.Record(ctx, a.ID, "summary.acknowledged", c.Key)
	h.o.Log.Info("intake acknowledged", "case", h.pseudo.Of(chat.ParseSessionKey(c.Key)), "by", h.pseudo.Of(a.ID))

	var name any = dialog.T("ack.your_director")
	if a.Member && a.ID == c.Director {
		name = a.Staff.Name
	} else if dir, ok, err := h.dir.Staff.Staff(ctx, c.Director); err == nil && ok {
		name = dir.Name
	}
	lang := h.o.Engine.MatchLanguage("")
	if s, found, err := h.o.Sessions.Load(ctx, c.Key); err == nil && found && s.Lang != "" {
		lang = s.Lang
	}
	h.out.Say(ctx, chat.ParseSessionKey(c.Key), lang, nil, dialog.T("ack.young", "Name", name))
	h.out.Edit(ctx, in, a.Lang, nil, dialog.T("ack.done", "Date", now))
	return dialog.Text{}, nil
}
