package reminders

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Limits of /remind.
const (
	// waitForTyping is how long a draft waits for what its maker types
	// after /remind; later, /remind with text is a name search again.
	waitForTyping     = 30 * time.Minute
	maxPeopleShown    = 12
	maxRemindersShown = 15
	maxTextLen        = 1000
)

// Command is /remind. Without text it lists the staff member's reminders
// with their status and offers a new one. With text it is the typing
// shortcut: the text, the appointment or the time a draft waits for, or
// else a first name to find a young person by.
func (x *Reminders) Command(ctx context.Context, in chat.Request, a chat.Actor) error {
	arg := strings.TrimSpace(in.Event.Arg)
	if arg == "" {
		return x.overview(ctx, a)
	}
	if took, err := x.Typed(ctx, a, arg); took || err != nil {
		return err
	}
	return x.pickPerson(ctx, a, arg)
}

// Typed gives what a staff member typed to their draft (or move) that
// waits for typed input, and reports whether one waited. The house calls
// it for a staff member's plain text, /remind for its argument. a must be
// a staff member: a young person has no drafts, and is never asked.
func (x *Reminders) Typed(ctx context.Context, a chat.Actor, text string) (bool, error) {
	text = strings.TrimSpace(text)
	if !a.IsStaff() || text == "" {
		return false, nil
	}
	mine, err := x.o.Store.RemindersOf(ctx, a.ID)
	if err != nil {
		return false, err
	}
	now := x.o.Now()
	for _, r := range mine {
		if r.Waiting != "" && (r.Status == domain.ReminderDraft || r.Moving) && now.Sub(r.WaitingSince) < waitForTyping {
			return true, x.typed(ctx, a, r, text)
		}
	}
	return false, nil
}

// overview lists the reminders a staff member made, the live ones first.
func (x *Reminders) overview(ctx context.Context, a chat.Actor) error {
	mine, err := x.o.Store.RemindersOf(ctx, a.ID)
	if err != nil {
		return err
	}
	lines := []dialog.Text{dialog.T("remind.list.title")}
	var rows [][]dialog.Button
	n := 0
	for _, r := range mine {
		if r.Status == domain.ReminderDraft {
			continue
		}
		if n == maxRemindersShown {
			lines = append(lines, dialog.T("remind.list.more", "N", maxRemindersShown))
			break
		}
		n++
		c, _, err := x.o.Cases.Case(ctx, r.Key)
		if err != nil {
			return err
		}
		lines = append(lines, x.line(r, c, n))
		switch {
		case r.Status.Live() && !r.Due.IsZero() && r.Template == domain.TemplateNudge:
			// The bot times its nudges itself: they can only be stopped.
			rows = append(rows, []dialog.Button{
				{Label: dialog.T("remind.list.btn_cancel", "N", n), Data: chat.ButtonData(chat.ActRemindCancel, r.ID)},
			})
		case r.Status.Live() && !r.Due.IsZero():
			rows = append(rows, []dialog.Button{
				{Label: dialog.T("remind.list.btn_move", "N", n), Data: chat.ButtonData(chat.ActRemindMove, r.ID)},
				{Label: dialog.T("remind.list.btn_cancel", "N", n), Data: chat.ButtonData(chat.ActRemindCancel, r.ID)},
			})
		}
	}
	if n == 0 {
		lines = append(lines, dialog.T("remind.list.none"))
	}
	rows = append(rows, []dialog.Button{{Label: dialog.T("remind.btn_new"), Data: chat.ButtonData(chat.ActRemindNew, "")}})
	x.o.Out.Say(ctx, a.ID, a.Lang, rows, lines...)
	return nil
}

// line is one reminder in the overview: whom, what, status and when.
func (x *Reminders) line(r domain.Reminder, c domain.Case, n int) dialog.Text {
	return dialog.T("remind.list.line", "N", n, "Who", whoOf(c), "What", templateName(r),
		"Status", x.status(r), "Repeat", repeatName(Repeat(r.Repeat)))
}

// status says where a reminder stands, with its time and, for a failed
// one, why.
func (x *Reminders) status(r domain.Reminder) dialog.Text {
	switch {
	case r.Status == domain.ReminderFailed:
		return dialog.T("remind.status.failed", "Why", dialog.T("remind.reason."+orDefault(r.Reason, domain.ReasonError)))
	case r.Status == domain.ReminderCancelled && r.Reason != "":
		return dialog.T("remind.status.cancelled_why", "Why", dialog.T("remind.reason."+r.Reason))
	}
	status := string(r.Status)
	if r.Template == domain.TemplateCheckin {
		status = checkinStatus(r.Status)
	}
	if r.Status.Live() && !r.Due.IsZero() {
		return dialog.T("remind.status."+status+"_next", "When", x.words(r.Due))
	}
	return dialog.T("remind.status." + status)
}

// StatusOf is the status of the reminders to the young person with key
// in a few words, for /cases: the next one, or the last one's end; an
// empty text when there are none.
func (x *Reminders) StatusOf(ctx context.Context, key string) (dialog.Text, error) {
	rs, err := x.o.Store.RemindersFor(ctx, key)
	if err != nil || len(rs) == 0 {
		return dialog.Text{}, err
	}
	for _, r := range rs {
		if r.Status != domain.ReminderDraft {
			return dialog.T("remind.cases", "What", templateName(r), "Status", x.status(r)), nil
		}
	}
	return dialog.Text{}, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// pickPerson shows the staff member's young people as buttons, those
// whose first name starts with name when it is given.
func (x *Reminders) pickPerson(ctx context.Context, a chat.Actor, name string) error {
	cases, err := x.o.Cases.CasesOf(ctx, a.ID)
	if err != nil {
		return err
	}
	var rows [][]dialog.Button
	matched := 0
	for _, c := range cases {
		if c.FirstName == "" || !prefixFold(c.FirstName, name) {
			continue
		}
		matched++
		if matched <= maxPeopleShown {
			rows = append(rows, []dialog.Button{{Label: dialog.Raw(c.FirstName), Data: chat.ButtonData(chat.ActRemindWho, c.Key)}})
		}
	}
	switch {
	case matched == 0 && name != "":
		x.o.Out.Say(ctx, a.ID, a.Lang, nil, dialog.T("remind.who.none_named", "Name", name))
	case matched == 0:
		x.o.Out.Say(ctx, a.ID, a.Lang, nil, dialog.T("remind.who.none"))
	case matched > maxPeopleShown:
		x.o.Out.Say(ctx, a.ID, a.Lang, rows, dialog.T("remind.who"), dialog.T("remind.who.many", "N", maxPeopleShown))
	default:
		x.o.Out.Say(ctx, a.ID, a.Lang, rows, dialog.T("remind.who"))
	}
	return nil
}

func prefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// Button handles the staff's presses of /remind; it returns the toast.
func (x *Reminders) Button(ctx context.Context, in chat.Request, a chat.Actor, act, arg string) (dialog.Text, error) {
	id, choice, _ := strings.Cut(arg, ":")
	switch act {
	case chat.ActRemindNew:
		return dialog.Text{}, x.pickPerson(ctx, a, "")
	case chat.ActRemindWho:
		return x.startDraft(ctx, in, a, arg)
	}
	r, ok, err := x.o.Store.Reminder(ctx, id)
	if err != nil {
		return dialog.Text{}, err
	}
	if !ok || r.Staff != a.ID {
		return dialog.T("remind.gone"), nil
	}
	switch act {
	case chat.ActRemindWhat:
		return x.chooseTemplate(ctx, in, a, r, choice)
	case chat.ActRemindWhen:
		return x.chooseWhen(ctx, in, a, r, choice)
	case chat.ActRemindRepeat:
		return x.chooseRepeat(ctx, in, a, r, Repeat(choice))
	case chat.ActRemindSave:
		return x.confirm(ctx, in, a, r)
	case chat.ActRemindCancel:
		return x.cancel(ctx, in, a, r)
	case chat.ActRemindMove:
		return x.startMove(ctx, in, a, r)
	}
	return dialog.T("remind.gone"), nil
}

// ownCase reports whether the young person with key is the staff
// member's own, and returns the case.
func (x *Reminders) ownCase(ctx context.Context, a chat.Actor, key string) (domain.Case, bool, error) {
	c, ok, err := x.o.Cases.Case(ctx, key)
	if err != nil || !ok {
		return c, false, err
	}
	return c, c.Director == a.ID || c.Counsellor == a.ID, nil
}

func (x *Reminders) startDraft(ctx context.Context, in chat.Request, a chat.Actor, key string) (dialog.Text, error) {
	c, ok, err := x.ownCase(ctx, a, key)
	if err != nil {
		return dialog.Text{}, err
	}
	if !ok {
		return dialog.T("remind.gone"), nil
	}
	r := domain.Reminder{ID: newID(), Key: key, Staff: a.ID, Status: domain.ReminderDraft, Created: x.o.Now()}
	if _, err := x.o.Store.SaveReminder(ctx, r); err != nil {
		return dialog.Text{}, err
	}
	x.o.Out.Edit(ctx, in, a.Lang, templateButtons(r.ID), dialog.T("remind.what", "Who", whoOf(c)))
	return dialog.Text{}, nil
}

func templateButtons(id string) [][]dialog.Button {
	var rows [][]dialog.Button
	for _, t := range []string{domain.TemplateIntake, domain.TemplateAppointment, domain.TemplateRegister, domain.TemplateCheckin, domain.TemplateOwn} {
		rows = append(rows, []dialog.Button{{Label: dialog.T("remind.template." + t), Data: chat.ButtonData(chat.ActRemindWhat, id+":"+t)}})
	}
	return rows
}

func (x *Reminders) chooseTemplate(ctx context.Context, in chat.Request, a chat.Actor, r domain.Reminder, t string) (dialog.Text, error) {
	switch t {
	case domain.TemplateIntake, domain.TemplateRegister, domain.TemplateCheckin:
	case domain.TemplateOwn:
		r.Waiting = "text"
	case domain.TemplateAppointment:
		r.Waiting = "appointment"
	default:
		return dialog.T("remind.gone"), nil
	}
	if r.Status != domain.ReminderDraft {
		return dialog.T("remind.gone"), nil
	}
	r.Template, r.WaitingSince = t, x.o.Now()
	r, err := x.o.Store.SaveReminder(ctx, r)
	if err != nil {
		return dialog.Text{}, ignoreConflictText(err)
	}
	switch r.Waiting {
	case "text":
		x.o.Out.Edit(ctx, in, a.Lang, nil, dialog.T("remind.type_text"))
	case "appointment":
		x.o.Out.Edit(ctx, in, a.Lang, nil, dialog.T("remind.type_appointment"))
	default:
		x.o.Out.Edit(ctx, in, a.Lang, whenButtons(r.ID), dialog.T("remind.when"))
	}
	return dialog.Text{}, nil
}

func ignoreConflictText(err error) error {
	if errors.Is(err, domain.ErrConflict) {
		return nil
	}
	return err
}

// The choices of when.
const (
	whenHour     = "h1"
	whenEvening  = "ev"
	whenTomorrow = "tm"
	whenTyped    = "ty"
	// "d1".."d7": Monday to Sunday of next week, 09:00.
)

func whenButtons(id string) [][]dialog.Button {
	b := func(label dialog.Text, choice string) dialog.Button {
		return dialog.Button{Label: label, Data: chat.ButtonData(chat.ActRemindWhen, id+":"+choice)}
	}
	rows := [][]dialog.Button{
		{b(dialog.T("remind.when.hour"), whenHour), b(dialog.T("remind.when.evening"), whenEvening)},
		{b(dialog.T("remind.when.tomorrow"), whenTomorrow)},
	}
	var week []dialog.Button
	for d := 1; d <= 7; d++ {
		week = append(week, b(dialog.T(fmt.Sprintf("remind.weekday_short.%d", d%7)), fmt.Sprintf("d%d", d)))
	}
	rows = append(rows, week[:4], week[4:])
	return append(rows, []dialog.Button{b(dialog.T("remind.when.typed"), whenTyped)})
}

// At is the time a choice of the when buttons stands for, after now.
func At(choice string, now time.Time, loc *time.Location) (time.Time, bool) {
	l := now.In(loc)
	y, m, d := l.Date()
	switch choice {
	case whenHour:
		return now.Add(time.Hour).Truncate(time.Minute), true
	case whenEvening:
		t := time.Date(y, m, d, 19, 0, 0, 0, loc)
		if !t.After(now) {
			t = time.Date(y, m, d+1, 19, 0, 0, 0, loc)
		}
		return t, true
	case whenTomorrow:
		return time.Date(y, m, d+1, 9, 0, 0, 0, loc), true
	}
	if len(choice) == 2 && choice[0] == 'd' && choice[1] >= '1' && choice[1] <= '7' {
		want := int(choice[1]-'0') % 7 // Monday 1 .. Sunday 0
		// Monday of next week, then the day.
		toMonday := (8 - int(l.Weekday())) % 7
		if toMonday == 0 {
			toMonday = 7
		}
		off := toMonday + (want+6)%7
		return time.Date(y, m, d+off, 9, 0, 0, 0, loc), true
	}
	return time.Time{}, false
}

func (x *Reminders) chooseWhen(ctx context.Context, in chat.Request, a chat.Actor, r domain.Reminder, choice string) (dialog.Text, error) {
	if r.Status != domain.ReminderDraft && !r.Moving {
		return dialog.T("remind.gone"), nil
	}
	if choice == whenTyped {
		r.Waiting, r.WaitingSince = "time", x.o.Now()
		if _, err := x.o.Store.SaveReminder(ctx, r); err != nil {
			return dialog.Text{}, ignoreConflictText(err)
		}
		x.o.Out.Edit(ctx, in, a.Lang, nil, dialog.T("remind.type_time"))
		return dialog.Text{}, nil
	}
	t, ok := At(choice, x.o.Now(), x.o.Loc)
	if !ok {
		return dialog.T("remind.gone"), nil
	}
	return dialog.Text{}, x.setWhen(ctx, a, r, t, func(texts []dialog.Text, rows [][]dialog.Button) {
		x.o.Out.Edit(ctx, in, a.Lang, rows, texts...)
	})
}

// setWhen gives a draft its time and asks for the repeat, or moves a
// reminder to it.
func (x *Reminders) setWhen(ctx context.Context, a chat.Actor, r domain.Reminder, t time.Time, show func([]dialog.Text, [][]dialog.Button)) error {
	r.First, r.N, r.Waiting = t, 0, ""
	if r.Moving {
		r.Moving, r.Due, r.Status, r.Reason = false, x.o.Quiet.Postpone(t, x.o.Loc), domain.ReminderScheduled, ""
		saved, err := x.o.Store.SaveReminder(ctx, r)
		if err != nil {
			return ignoreConflictText(err)
		}
		x.auditor.Record(ctx, a.ID, "reminder.moved", r.Key)
		c, _, err := x.o.Cases.Case(ctx, r.Key)
		if err != nil {
			return err
		}
		show([]dialog.Text{dialog.T("remind.moved"), x.summary(saved, c)}, nil)
		return nil
	}
	saved, err := x.o.Store.SaveReminder(ctx, r)
	if err != nil {
		return ignoreConflictText(err)
	}
	var rows [][]dialog.Button
	repeats := []Repeat{Once, Weekly, Monthly, Yearly}
	if r.Template == domain.TemplateCheckin {
		repeats = []Repeat{Weekly, Once, Monthly, Yearly} // weekly first: it is its default
	}
	for _, rep := range repeats {
		rows = append(rows, []dialog.Button{{Label: dialog.T("remind.repeat." + repeatKey(rep)), Data: chat.ButtonData(chat.ActRemindRepeat, saved.ID+":"+string(rep))}})
	}
	show([]dialog.Text{dialog.T("remind.repeat", "When", x.words(t))}, rows)
	return nil
}

func repeatKey(r Repeat) string {
	if r == Once {
		return "once"
	}
	return string(r)
}

func repeatName(r Repeat) dialog.Text { return dialog.T("remind.repeat_name." + repeatKey(r)) }

func (x *Reminders) chooseRepeat(ctx context.Context, in chat.Request, a chat.Actor, r domain.Reminder, rep Repeat) (dialog.Text, error) {
	if r.Status != domain.ReminderDraft || r.First.IsZero() || !rep.Valid() {
		return dialog.T("remind.gone"), nil
	}
	r.Repeat = string(rep)
	r, err := x.o.Store.SaveReminder(ctx, r)
	if err != nil {
		return dialog.Text{}, ignoreConflictText(err)
	}
	c, _, err := x.o.Cases.Case(ctx, r.Key)
	if err != nil {
		return dialog.Text{}, err
	}
	x.o.Out.Edit(ctx, in, a.Lang, [][]dialog.Button{{
		{Label: dialog.T("remind.btn_confirm"), Data: chat.ButtonData(chat.ActRemindSave, r.ID)},
		{Label: dialog.T("remind.btn_drop"), Data: chat.ButtonData(chat.ActRemindCancel, r.ID)},
	}}, dialog.T("remind.confirm"), x.summary(r, c))
	return dialog.Text{}, nil
}

// summary says a reminder in words: for whom, what, when (and when quiet
// hours move it), how often.
func (x *Reminders) summary(r domain.Reminder, c domain.Case) dialog.Text {
	due := x.o.Quiet.Postpone(r.First, x.o.Loc)
	quiet := dialog.Raw("")
	if !due.Equal(r.First) {
		quiet = dialog.T("remind.summary.quiet", "When", x.words(due))
	}
	what := templateName(r)
	switch r.Template {
	case domain.TemplateOwn:
		what = dialog.T("remind.summary.own", "Text", r.Text)
	case domain.TemplateAppointment:
		what = dialog.T("remind.summary.appointment", "When", x.words(r.Appointment), "Place", r.Place)
	case domain.TemplateRegister:
		what = dialog.T("remind.summary.register", "Fee", x.o.RegisterFee)
	}
	return dialog.T("remind.summary", "Who", whoOf(c), "What", what, "When", x.words(r.First),
		"Repeat", repeatName(Repeat(r.Repeat)), "Quiet", quiet)
}

func (x *Reminders) confirm(ctx context.Context, in chat.Request, a chat.Actor, r domain.Reminder) (dialog.Text, error) {
	if r.Status != domain.ReminderDraft || r.First.IsZero() || r.Template == "" {
		return dialog.T("remind.gone"), nil
	}
	c, ok, err := x.ownCase(ctx, a, r.Key)
	if err != nil {
		return dialog.Text{}, err
	}
	if !ok {
		return dialog.T("remind.gone"), nil
	}
	now := x.o.Now()
	if !r.First.After(now) {
		// It took a while to confirm: the first time has passed.
		if next, n, ok := NextAfter(r.First, Repeat(r.Repeat), now, x.o.Loc); ok {
			r.N, r.Due = n, next
		} else {
			r.Due = now
		}
	} else {
		r.Due = r.First
	}
	r.Due = x.o.Quiet.Postpone(r.Due, x.o.Loc)
	r.Status, r.Created = domain.ReminderScheduled, now
	r, err = x.o.Store.SaveReminder(ctx, r)
	if err != nil {
		return dialog.Text{}, ignoreConflictText(err)
	}
	x.auditor.Record(ctx, a.ID, "reminder.created", r.Key)
	x.o.Out.Edit(ctx, in, a.Lang, nil, dialog.T("remind.saved"), x.summary(r, c))
	return dialog.T("remind.saved_toast"), nil
}

func (x *Reminders) cancel(ctx context.Context, in chat.Request, a chat.Actor, r domain.Reminder) (dialog.Text, error) {
	draft := r.Status == domain.ReminderDraft
	if !draft && !r.Status.Live() {
		return dialog.T("remind.gone"), nil
	}
	r.Status, r.Due, r.Waiting, r.Moving = domain.ReminderCancelled, time.Time{}, "", false
	if draft {
		// A dropped draft stays a draft that can't be confirmed: the
		// lists hide it, and it expires.
		r.Status, r.First, r.Template = domain.ReminderDraft, time.Time{}, ""
	}
	if _, err := x.o.Store.SaveReminder(ctx, r); err != nil {
		return dialog.Text{}, ignoreConflictText(err)
	}
	if draft {
		x.o.Out.Edit(ctx, in, a.Lang, nil, dialog.T("remind.dropped"))
		return dialog.Text{}, nil
	}
	x.auditor.Record(ctx, a.ID, "reminder.cancelled", r.Key)
	return dialog.T("remind.cancelled_toast"), x.overview(ctx, a)
}

func (x *Reminders) startMove(ctx context.Context, in chat.Request, a chat.Actor, r domain.Reminder) (dialog.Text, error) {
	if !r.Status.Live() || r.Template == domain.TemplateNudge {
		return dialog.T("remind.gone"), nil
	}
	r.Moving = true
	if _, err := x.o.Store.SaveReminder(ctx, r); err != nil {
		return dialog.Text{}, ignoreConflictText(err)
	}
	x.o.Out.Say(ctx, a.ID, a.Lang, whenButtons(r.ID), dialog.T("remind.move"))
	return dialog.Text{}, nil
}

// typed is what a staff member typed after /remind for a draft (or a
// move) that waits for it.
func (x *Reminders) typed(ctx context.Context, a chat.Actor, r domain.Reminder, text string) error {
	say := func(texts []dialog.Text, rows [][]dialog.Button) { x.o.Out.Say(ctx, a.ID, a.Lang, rows, texts...) }
	now := x.o.Now()
	switch r.Waiting {
	case "text":
		if utf8.RuneCountInString(text) > maxTextLen {
			x.o.Out.Say(ctx, a.ID, a.Lang, nil, dialog.T("remind.text_too_long", "N", maxTextLen))
			return nil
		}
		r.Text, r.Waiting = text, ""
		saved, err := x.o.Store.SaveReminder(ctx, r)
		if err != nil {
			return ignoreConflictText(err)
		}
		say([]dialog.Text{dialog.T("remind.when")}, whenButtons(saved.ID))
		return nil
	case "appointment":
		when, place, _ := strings.Cut(text, ",")
		place = strings.TrimSpace(place)
		t, err := ParseWhen(when, now, x.o.Loc)
		if err != nil || place == "" || utf8.RuneCountInString(place) > maxTextLen {
			x.o.Out.Say(ctx, a.ID, a.Lang, nil, x.notUnderstood(err), dialog.T("remind.type_appointment"))
			return nil
		}
		r.Appointment, r.Place, r.Waiting = t, place, ""
		saved, err := x.o.Store.SaveReminder(ctx, r)
		if err != nil {
			return ignoreConflictText(err)
		}
		say([]dialog.Text{dialog.T("remind.when")}, whenButtons(saved.ID))
		return nil
	case "time":
		t, err := ParseWhen(text, now, x.o.Loc)
		if err != nil {
			x.o.Out.Say(ctx, a.ID, a.Lang, nil, x.notUnderstood(err), dialog.T("remind.type_time"))
			return nil
		}
		return x.setWhen(ctx, a, r, t, say)
	}
	return nil
}

func (x *Reminders) notUnderstood(err error) dialog.Text {
	switch {
	case errors.Is(err, ErrInPast):
		return dialog.T("remind.time.past")
	case errors.Is(err, ErrTooFar):
		return dialog.T("remind.time.far")
	case err == nil:
		return dialog.T("remind.appointment.no_place")
	}
	return dialog.T("remind.time.unknown")
}

// words is a time in words: "vrijdag 4 december om 16:00".
func (x *Reminders) words(t time.Time) dialog.Text {
	l := t.In(x.o.Loc)
	return dialog.T("remind.date", "Weekday", dialog.T(fmt.Sprintf("remind.weekday.%d", int(l.Weekday()))),
		"Day", l.Day(), "Month", dialog.T(fmt.Sprintf("remind.month.%d", int(l.Month()))),
		"Year", l.Year(), "Time", l.Format("15:04"))
}

func whoOf(c domain.Case) any {
	if c.FirstName == "" {
		return dialog.T("remind.someone")
	}
	return c.FirstName
}

func templateName(r domain.Reminder) dialog.Text {
	return dialog.T("remind.template." + orDefault(r.Template, domain.TemplateOwn))
}
