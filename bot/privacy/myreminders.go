package privacy

import (
	"context"
	"strings"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/dialog"
)

// Reminders finds the reminders to a young person (storage.Reminders);
// the erasure removes them (Erasure).
type Reminders interface {
	RemindersFor(ctx context.Context, key string) ([]domain.Reminder, error)
}

// reminderLines are the young person's reminders for /mydata, rendered in
// lang: what, by whom (role and name, as the director is named), when
// next (or that it ended) and how often. Drafts a staff member has not
// confirmed are not theirs yet.
func (p *Privacy) reminderLines(ctx context.Context, lang, key string) ([]string, error) {
	rs, err := p.o.Reminders.RemindersFor(ctx, key)
	if err != nil {
		return nil, err
	}
	text := func(t dialog.Text) string {
		return strings.TrimSpace(render.PlainText(p.o.Renderer.Text(lang, t)))
	}
	var out []string
	for _, r := range rs {
		if r.Status == domain.ReminderDraft {
			continue
		}
		var who dialog.Text
		if r.Template == domain.TemplateNudge {
			who = dialog.T("mydata.reminder.by_bot")
		} else if m, ok, err := p.o.Dir.Staff.Staff(ctx, r.Staff); err != nil {
			return nil, err
		} else if ok {
			who = dialog.T("mydata.reminder.by", "Role", chat.RoleText(m.Role), "Name", m.Name)
		} else {
			who = dialog.T("mydata.reminder.by_gone")
		}
		var what dialog.Text
		switch r.Template {
		case domain.TemplateIntake, domain.TemplateRegister, domain.TemplateNudge:
			what = dialog.T("mydata.reminder.what." + r.Template)
		case domain.TemplateAppointment:
			what = dialog.T("mydata.reminder.what.appointment", "Date", r.Appointment, "Place", r.Place)
		default:
			what = dialog.T("mydata.reminder.what.own", "Text", r.Text)
		}
		var when dialog.Text
		switch {
		case r.Status.Live() && !r.Due.IsZero():
			when = dialog.T("mydata.reminder.next", "Date", r.Due)
		case r.Status == domain.ReminderStopped:
			when = dialog.T("mydata.reminder.stopped")
		default:
			when = dialog.T("mydata.reminder.ended")
		}
		repeat := "once"
		if r.Repeat != "" {
			repeat = r.Repeat
		}
		if r.Template == domain.TemplateNudge {
			repeat = "nudge"
		}
		out = append(out, text(dialog.T("mydata.reminder", "What", what, "Who", who, "When", when,
			"Repeat", dialog.T("mydata.reminder.repeat."+repeat))))
	}
	return out, nil
}
