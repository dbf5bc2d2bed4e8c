package bot

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/dialog"
)

// Alerts: when the engine asks for a person now (Result.Alert: the young
// person's /urgent, or a signal of acute risk), the on-call service is
// alerted. The crisis lines are always shown to the young person first,
// by the engine; this is the human follow-up, not a 24/7 crisis service.
//
//	level 0  a signal: the case's director and the first on call now;
//	         /urgent: the first on call now (the director if nobody is)
//	level 1  after TakeWithin without a take: the next on call and the admins
//	level 2  after TakeWithin again: the young person is shown the crisis
//	         lines again and the admins are told; the alert ends
//
// Every alert message has a button "I'll take it"; the first press takes
// the alert (atomically, in the store), the young person hears who will
// contact them, and the others' messages say who took it. Staff never see
// what the young person wrote: only that it is /urgent or a signal.

// Defaults and limits of alerts.
const (
	// DefaultTakeWithin is how long an alert waits for a take before it
	// goes to more people.
	DefaultTakeWithin = 10 * time.Minute
	// alertLease: a claimed escalation comes back after it unless handled
	// (a crash loses nothing); a new alert is also due this soon, in case
	// the process stops before its first messages are out.
	alertLease = time.Minute
	alertBatch = 20
	// alertHold is how long a taken alert is remembered: a second /urgent
	// within it hears who took the first.
	alertHold = time.Hour
	// alertTimeout bounds the work on one alert in the background.
	alertTimeout = 2 * time.Minute
)

// alertTTL is how long an alert may live at all: past its escalation, and
// never longer than about a day.
func (b *Bot) alertTTL() time.Duration { return 24*time.Hour + 2*b.o.TakeWithin }

// raiseAlert starts an alert for the young person of s, in the background
// (a staff chat is paced; the young person's next message must not wait).
// Errors are logged: the update itself was handled.
func (b *Bot) raiseAlert(ctx context.Context, s dialog.Session, kind dialog.AlertKind) {
	log := b.o.Log.With("chat", b.pseudonym(parseKey(s.Key)), "alert", string(kind))
	if b.o.OnCall == nil {
		log.Warn("an alert was asked for, but there is no on-call store")
		return
	}
	b.handoffs.Add(1)
	go func() {
		defer b.handoffs.Done()
		defer func() {
			if p := recover(); p != nil {
				b.o.Metrics.Panics.Add(1)
				log.Error("panic while raising an alert", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
		}()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), alertTimeout)
		defer cancel()
		if err := b.raise(ctx, s, kind); err != nil {
			log.Error("can't raise an alert", "err", err)
		}
	}()
}

// raise opens the alert and sends its first messages; a second alert while
// one is open tells the young person where it stands.
func (b *Bot) raise(ctx context.Context, s dialog.Session, kind dialog.AlertKind) error {
	now := b.o.Now()
	a, created, err := b.o.OnCall.OpenAlert(ctx, dialog.Alert{Key: s.Key, Kind: kind, Started: now}, now.Add(alertLease), b.alertTTL())
	if err != nil {
		return err
	}
	lang := b.sessionLang(s)
	if !created {
		if kind != dialog.AlertUrgent {
			return nil
		}
		if a.TakenBy != 0 {
			b.say(ctx, parseKey(s.Key), lang, nil, dialog.T("alert.young.taken", "Name", b.staffName(ctx, a.TakenBy)))
			return nil
		}
		b.say(ctx, parseKey(s.Key), lang, nil, dialog.T("alert.young.pending"))
		return nil
	}
	b.audit(ctx, 0, "alert.raised", s.Key)
	c, _, err := b.o.People.Case(ctx, s.Key)
	if err != nil {
		return err
	}
	roster, err := b.onCallStaff(ctx, now)
	if err != nil {
		return err
	}
	dir, hasDir, err := b.director(ctx, c)
	if err != nil {
		return err
	}
	var to []int64
	if kind == dialog.AlertSignal && hasDir {
		to = append(to, dir.UserID)
	}
	if len(roster) > 0 {
		to = appendNew(to, roster[0])
	} else if hasDir {
		to = appendNew(to, dir.UserID)
	}
	if len(to) == 0 {
		// Nobody to start with: the admins at once.
		a.Level = 1
		to = b.o.Admins
	}
	a.Notices = b.notify(ctx, a, c, to)
	if ok, err := b.o.OnCall.SaveAlert(ctx, a, now.Add(b.o.TakeWithin)); err != nil || !ok {
		return err
	}
	b.o.Log.Info("alert raised", "chat", b.pseudonym(parseKey(s.Key)), "alert", string(kind), "level", a.Level, "told", len(a.Notices))
	if len(a.Notices) == 0 {
		b.o.Log.Warn("an alert reached nobody: set an on-call roster and admins", "chat", b.pseudonym(parseKey(s.Key)))
	}
	if kind == dialog.AlertUrgent && len(a.Notices) > 0 {
		b.say(ctx, parseKey(s.Key), lang, nil, dialog.T("alert.young.raised"))
	}
	return b.catchUp(ctx, a)
}

// RunAlerts escalates alerts every interval until ctx ends. Several
// replicas may run it: the store hands each due alert to one of them.
func (b *Bot) RunAlerts(ctx context.Context, every time.Duration) {
	if b.o.People == nil || b.o.OnCall == nil {
		return
	}
	if every <= 0 {
		every = 15 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		for b.alertsOnce(ctx) == alertBatch && ctx.Err() == nil {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// alertsOnce escalates the alerts due now, one batch; it returns how many.
func (b *Bot) alertsOnce(ctx context.Context) int {
	now := b.o.Now()
	keys, err := b.o.OnCall.ClaimAlerts(ctx, now, alertLease, alertBatch)
	if err != nil {
		if ctx.Err() == nil {
			b.o.Log.Error("can't claim alerts", "err", err)
		}
		return 0
	}
	for _, key := range keys {
		if err := b.escalateAlert(ctx, key, now); err != nil {
			// The lease brings it back.
			b.o.Log.Error("can't escalate an alert", "chat", b.pseudonym(parseKey(key)), "err", err)
		}
	}
	return len(keys)
}

func (b *Bot) escalateAlert(ctx context.Context, key string, now time.Time) error {
	a, found, err := b.o.OnCall.Alert(ctx, key)
	if err != nil {
		return err
	}
	if !found {
		return b.o.OnCall.EndAlert(ctx, key) // expired or erased: only its escalation is left
	}
	if a.TakenBy != 0 {
		_, err := b.o.OnCall.SaveAlert(ctx, a, time.Time{})
		return err
	}
	c, _, err := b.o.People.Case(ctx, key)
	if err != nil {
		return err
	}
	if a.Level >= 1 {
		return b.unanswered(ctx, a, c)
	}
	roster, err := b.onCallStaff(ctx, now)
	if err != nil {
		return err
	}
	var to []int64
	for _, id := range roster {
		if !a.Notified(id) {
			to = append(to, id)
			break
		}
	}
	for _, id := range b.o.Admins {
		if !a.Notified(id) {
			to = appendNew(to, id)
		}
	}
	a.Level = 1
	a.Notices = append(a.Notices, b.notify(ctx, a, c, to)...)
	if ok, err := b.o.OnCall.SaveAlert(ctx, a, now.Add(b.o.TakeWithin)); err != nil || !ok {
		return err
	}
	b.audit(ctx, 0, "alert.escalated", key)
	b.o.Log.Info("alert escalated", "chat", b.pseudonym(parseKey(key)), "told", len(to))
	return b.catchUp(ctx, a)
}

// unanswered ends an alert nobody took: the young person is shown the
// crisis lines again, the admins are told, and the alert messages say so.
func (b *Bot) unanswered(ctx context.Context, a dialog.Alert, c dialog.Case) error {
	young := parseKey(a.Key)
	s, found, err := b.o.Store.Load(ctx, a.Key)
	if err != nil {
		return err
	}
	if !found {
		s = dialog.Session{Key: a.Key}
	}
	lang := b.sessionLang(s)
	b.say(ctx, young, lang, nil, append([]dialog.Text{dialog.T("alert.young.nobody")}, b.crisisLines(s)...)...)
	dirName := b.directorName(ctx, c)
	for _, admin := range b.o.Admins {
		alang := b.langOf(ctx, admin)
		b.say(ctx, admin, alang, nil, dialog.T("alert.admin.unanswered", "Who", who(c.FirstName), "Name", dirName, "Date", a.Started))
	}
	for _, n := range a.Notices {
		nlang := b.langOf(ctx, n.Chat)
		b.sender.Edit(ctx, n.Chat, n.Message, b.alertBody(ctx, nlang, a, c, dialog.T("alert.staff.unanswered")), nil)
	}
	if err := b.o.OnCall.EndAlert(ctx, a.Key); err != nil {
		return err
	}
	b.audit(ctx, 0, "alert.unanswered", a.Key)
	b.o.Log.Warn("an alert was not taken in time; the crisis lines were shown again", "chat", b.pseudonym(young))
	return nil
}

// takeAlert handles a press on "I'll take it". Staff who got the alert
// and admins may take it; the first press wins.
func (b *Bot) takeAlert(ctx context.Context, in incoming, a actor, key string) (dialog.Text, error) {
	if !a.staff() || b.o.OnCall == nil {
		return b.refused(in, a), nil
	}
	al, found, err := b.o.OnCall.Alert(ctx, key)
	if err != nil {
		return dialog.Text{}, err
	}
	if !found {
		return dialog.T("alert.gone"), nil
	}
	if !a.admin && !al.Notified(a.id) {
		return b.refused(in, a), nil
	}
	now := b.o.Now()
	won, by, err := b.o.OnCall.TakeAlert(ctx, key, a.id, now, alertHold)
	if err != nil {
		return dialog.Text{}, err
	}
	if !won && by == 0 {
		return dialog.T("alert.gone"), nil
	}
	if !won {
		if by == a.id {
			return dialog.T("alert.yours"), nil
		}
		return dialog.T("alert.already", "Name", b.staffName(ctx, by)), nil
	}
	al.TakenBy, al.Taken = a.id, now
	b.audit(ctx, a.id, "alert.taken", key)
	b.o.Log.Info("alert taken", "chat", b.pseudonym(parseKey(key)), "by", b.pseudonym(a.id))

	c, _, err := b.o.People.Case(ctx, key)
	if err != nil {
		b.o.Log.Error("can't load the case of a taken alert", "err", err)
	}
	name := b.actorName(a)
	young := parseKey(key)
	s, found, err := b.o.Store.Load(ctx, key)
	if err != nil || !found {
		s = dialog.Session{Key: key}
	}
	b.say(ctx, young, b.sessionLang(s), nil, dialog.T("alert.young.taken", "Name", name))

	var first any = dialog.T("alert.the_young_person")
	if c.FirstName != "" {
		first = c.FirstName
	}
	// A mention link opens the young person's chat, if their privacy
	// settings let Telegram show it; the director is the other way.
	link := `<a href="tg://user?id=` + strconv.FormatInt(young, 10) + `">` +
		b.render(a.lang, "", dialog.T("alert.open_chat", "Who", first)) + `</a>`
	body := b.render(a.lang, "", dialog.T("alert.taker", "Who", first, "Name", b.directorName(ctx, c))) + "\n\n" + link
	b.sayHTML(ctx, a.id, a.lang, nil, body, false)
	b.editTaken(ctx, al, c, name)
	return dialog.Text{}, nil
}

// editTaken replaces the alert messages by a line saying who took it.
func (b *Bot) editTaken(ctx context.Context, al dialog.Alert, c dialog.Case, name any) {
	for _, n := range al.Notices {
		lang := b.langOf(ctx, n.Chat)
		status := dialog.T("alert.staff.taken", "Name", name, "Date", al.Taken)
		if n.Chat == al.TakenBy {
			status = dialog.T("alert.staff.taken_you", "Date", al.Taken)
		}
		b.sender.Edit(ctx, n.Chat, n.Message, b.alertBody(ctx, lang, al, c, status), nil)
	}
}

// catchUp handles a take that came while messages were going out: the
// taker edited the messages known then, this edits the rest.
func (b *Bot) catchUp(ctx context.Context, a dialog.Alert) error {
	fresh, found, err := b.o.OnCall.Alert(ctx, a.Key)
	if err != nil || !found || fresh.TakenBy == 0 {
		return err
	}
	c, _, err := b.o.People.Case(ctx, a.Key)
	if err != nil {
		return err
	}
	b.editTaken(ctx, fresh, c, b.staffName(ctx, fresh.TakenBy))
	return nil
}

// notify sends the alert message with the take button to each chat and
// returns the messages that arrived.
func (b *Bot) notify(ctx context.Context, a dialog.Alert, c dialog.Case, chats []int64) []dialog.AlertNotice {
	var out []dialog.AlertNotice
	for _, chat := range chats {
		lang := b.langOf(ctx, chat)
		var status dialog.Text
		if a.Level > 0 {
			status = dialog.T("alert.staff.escalated", "Date", a.Started)
		}
		body := b.alertBody(ctx, lang, a, c, status)
		kb := b.keyboard(lang, [][]dialog.Button{{{Label: dialog.T("btn.alert_take"), Data: staffData(actTakeAlert, a.Key)}}})
		if id := b.sender.sendForID(ctx, chat, body, kb); id != 0 {
			out = append(out, dialog.AlertNotice{Chat: chat, Message: id, Level: a.Level})
		}
	}
	return out
}

// alertBody is the alert as staff see it. The first line is neutral (it
// shows on a lock screen); then the young person's first name if the
// invite had one, their director, why, since when, and status (if any).
func (b *Bot) alertBody(ctx context.Context, lang string, a dialog.Alert, c dialog.Case, status dialog.Text) string {
	texts := []dialog.Text{dialog.T("alert.staff.title")}
	if c.FirstName != "" {
		texts = append(texts, dialog.T("alert.staff.who", "Who", c.FirstName))
	}
	texts = append(texts, dialog.T("alert.staff.director", "Name", b.directorName(ctx, c)))
	kind := "alert.staff.kind_urgent"
	if a.Kind == dialog.AlertSignal {
		kind = "alert.staff.kind_signal"
	}
	texts = append(texts, dialog.T(kind), dialog.T("alert.staff.since", "Date", a.Started))
	body := b.render(lang, "\n", texts...)
	if status.ID != "" {
		body += "\n\n" + b.render(lang, "", status)
	}
	return body
}

// onCallStaff is who is on call at t, in roster order, still staff.
func (b *Bot) onCallStaff(ctx context.Context, t time.Time) ([]int64, error) {
	roster, err := b.o.OnCall.OnCallRoster(ctx)
	if err != nil {
		return nil, err
	}
	var out []int64
	for _, id := range dialog.OnCallAt(roster, t, b.loc()) {
		_, ok, err := b.o.People.Staff(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, id)
		}
	}
	return out, nil
}

// director is the case's director while they still are one.
func (b *Bot) director(ctx context.Context, c dialog.Case) (dialog.StaffMember, bool, error) {
	if c.Director == 0 {
		return dialog.StaffMember{}, false, nil
	}
	m, ok, err := b.o.People.Staff(ctx, c.Director)
	if err != nil || !ok || m.Role != dialog.RoleDirector {
		return dialog.StaffMember{}, false, err
	}
	return m, true, nil
}

// directorName is the name of the case's director, or a text saying there
// is none.
func (b *Bot) directorName(ctx context.Context, c dialog.Case) any {
	if m, ok, err := b.director(ctx, c); err == nil && ok {
		return m.Name
	}
	return dialog.T("ack.no_director")
}

// staffName is the name of a staff member; an admin who is not staff is
// "an admin".
func (b *Bot) staffName(ctx context.Context, id int64) any {
	if m, ok, err := b.o.People.Staff(ctx, id); err == nil && ok {
		return m.Name
	}
	return dialog.T("alert.an_admin")
}

func (b *Bot) actorName(a actor) any {
	if a.isMember {
		return a.member.Name
	}
	return dialog.T("alert.an_admin")
}

// langOf is the language of what the bot sends a staff member or admin.
func (b *Bot) langOf(ctx context.Context, id int64) string {
	if m, ok, err := b.o.People.Staff(ctx, id); err == nil && ok {
		return b.staffLang(m)
	}
	return b.o.Engine.MatchLanguage("")
}

// sessionLang is the language of the young person's session.
func (b *Bot) sessionLang(s dialog.Session) string {
	if s.Lang != "" {
		return s.Lang
	}
	return b.o.Engine.MatchLanguage("")
}

// crisisLines are the help lines for the young person of s: the country's,
// for their age.
func (b *Bot) crisisLines(s dialog.Session) []dialog.Text {
	return []dialog.Text{dialog.CrisisLines(b.country(), s.Age)}
}

func appendNew(ids []int64, id int64) []int64 {
	if slices.Contains(ids, id) {
		return ids
	}
	return append(ids, id)
}

// sendForID sends an HTML message as a live reply and returns its message
// ID, 0 when it did not arrive (the alert messages are edited later).
func (s *Sender) sendForID(ctx context.Context, chatID int64, text string, kb *models.InlineKeyboardMarkup) int {
	p := &tgbot.SendMessageParams{ChatID: chatID, Text: text, ParseMode: models.ParseModeHTML,
		LinkPreviewOptions: &models.LinkPreviewOptions{IsDisabled: tgbot.True()}}
	if kb != nil {
		p.ReplyMarkup = kb
	}
	var sent *models.Message
	err := s.exchange(ctx, "sendMessage", chatID, prioLive,
		func(ctx context.Context) error {
			m, err := s.API.SendMessage(ctx, p)
			sent = m
			return err
		},
		func() { p.ParseMode, p.Text = "", PlainText(text) })
	if err != nil || sent == nil {
		s.m.SendFailures.Add(1)
		s.log.Error("can't send an alert message", "err", err)
		return 0
	}
	s.m.Sent.Add(1)
	s.sent(chatID, sent, false)
	return sent.ID
}
