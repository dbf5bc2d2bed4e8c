package bot

import (
	"context"
	"strings"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/render"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// The on-call service (permanentie): the admin's /oncall sets who can be
// reached at which times; an alert (bot/alert.go) goes to them.

// OnCall keeps the on-call roster and the open alerts (storage.People
// implements it).
type OnCall interface {
	// AddOnCall adds a window at the end of the roster and returns it with
	// its ID, which is also its order.
	AddOnCall(ctx context.Context, w domain.OnCallWindow) (domain.OnCallWindow, error)
	// OnCallRoster returns the windows in roster order.
	OnCallRoster(ctx context.Context) ([]domain.OnCallWindow, error)
	// RemoveOnCall removes window id; false when there was none.
	RemoveOnCall(ctx context.Context, id int) (bool, error)

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

// loc is the time zone of the roster and of the times in alerts.
func (b *Bot) loc() *time.Location {
	if b.o.Renderer != nil && b.o.Renderer.Loc != nil {
		return b.o.Renderer.Loc
	}
	return time.UTC
}

// onCallCommand handles /oncall; the caller checked that the actor is an
// admin.
func (b *Bot) onCallCommand(ctx context.Context, a chat.Actor, arg string) error {
	if b.o.OnCall == nil {
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("oncall.unavailable"))
		return nil
	}
	cmd, errID := parseOnCall(arg)
	if errID != "" {
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T(errID), dialog.T("oncall.usage"))
		return nil
	}
	staff, err := b.o.People.ListStaff(ctx)
	if err != nil {
		return err
	}
	switch cmd.op {
	case onCallAdd:
		if cmd.staff > len(staff) {
			b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("oncall.err.no_staff", "N", cmd.staff))
			return b.onCallOverview(ctx, a, staff)
		}
		// The number is a position in a list that shifts: ask first,
		// naming the person (bot/oncall_confirm.go).
		m := staff[cmd.staff-1]
		b.onCallConfirm(ctx, a, m, domain.OnCallWindow{Staff: m.UserID, Days: cmd.days, From: cmd.from, To: cmd.to})
		return nil
	case onCallDel:
		ok, err := b.o.OnCall.RemoveOnCall(ctx, cmd.n)
		if err != nil {
			return err
		}
		if !ok {
			b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("oncall.err.no_window", "N", cmd.n))
			return b.onCallOverview(ctx, a, staff)
		}
		b.auditor.Record(ctx, a.ID, "oncall.removed", "")
		b.o.Log.Info("on-call window removed", "window", cmd.n, "by", b.pseudo.Of(a.ID))
		b.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("oncall.removed", "N", cmd.n))
	}
	return b.onCallOverview(ctx, a, staff)
}

// onCallOverview shows who is on call now, the roster, the staff with
// their numbers, and how to change the roster.
func (b *Bot) onCallOverview(ctx context.Context, a chat.Actor, staff []domain.StaffMember) error {
	roster, err := b.o.OnCall.OnCallRoster(ctx)
	if err != nil {
		return err
	}
	// An admin from the configuration gets their menu on first use.
	b.setStaffMenu(ctx, a.ID, a.Lang, true, a.Staff.Role)
	lang := a.Lang
	var body strings.Builder
	body.WriteString(b.o.Renderer.Join(lang, "", dialog.T("oncall.title")) + "\n")
	now := b.onCallNow(roster, staff, b.o.Now())
	if len(now) == 0 {
		body.WriteString(b.o.Renderer.Join(lang, "", dialog.T("oncall.now_none")))
	}
	for i, m := range now {
		id := "oncall.now"
		if i > 0 {
			id = "oncall.now_next"
		}
		body.WriteString(b.o.Renderer.Join(lang, "", dialog.T(id, "Name", m.Name, "Role", chat.RoleText(m.Role))))
		if i < len(now)-1 {
			body.WriteString("\n")
		}
	}
	body.WriteString("\n\n" + b.o.Renderer.Join(lang, "", dialog.T("oncall.roster_title")) + "\n")
	if len(roster) == 0 {
		body.WriteString(b.o.Renderer.Join(lang, "", dialog.T("oncall.roster_none")))
	}
	for i, w := range roster {
		if i > 0 {
			body.WriteString("\n")
		}
		body.WriteString(b.windowLine(lang, w, staff))
	}
	body.WriteString("\n\n" + b.o.Renderer.Join(lang, "", dialog.T("oncall.staff_title")) + "\n")
	if len(staff) == 0 {
		body.WriteString(b.o.Renderer.Join(lang, "", dialog.T("staff.overview.none")))
	}
	for i, m := range staff {
		if i > 0 {
			body.WriteString("\n")
		}
		body.WriteString(b.o.Renderer.Join(lang, "", dialog.T("oncall.staff_line", "N", i+1, "Name", m.Name, "Role", chat.RoleText(m.Role))))
	}
	body.WriteString("\n\n" + b.o.Renderer.Join(lang, "\n\n", dialog.T("oncall.usage"), dialog.T("oncall.zone", "Zone", b.loc().String())))
	b.out.SayHTML(ctx, a.ID, lang, nil, body.String(), false)
	return nil
}

// onCallNow is the staff on call at t, in roster order; windows of people
// who are no longer staff are skipped.
func (b *Bot) onCallNow(roster []domain.OnCallWindow, staff []domain.StaffMember, t time.Time) []domain.StaffMember {
	var out []domain.StaffMember
	for _, id := range domain.OnCallAt(roster, t, b.loc()) {
		for _, m := range staff {
			if m.UserID == id {
				out = append(out, m)
			}
		}
	}
	return out
}

// windowLine is one line of the roster: number, days, times, who.
func (b *Bot) windowLine(lang string, w domain.OnCallWindow, staff []domain.StaffMember) string {
	var name, role any = dialog.T("oncall.not_staff"), ""
	for _, m := range staff {
		if m.UserID == w.Staff {
			name, role = m.Name, chat.RoleText(m.Role)
		}
	}
	id := "oncall.window"
	if role == "" {
		id = "oncall.window_gone"
	}
	return b.o.Renderer.Join(lang, "", dialog.T(id, "N", w.ID, "Days", b.daysText(lang, w.Days), "Time", b.timeText(lang, w), "Name", name, "Role", role))
}

// daysText names a set of days: "ma-vr", "za, zo", "elke dag".
func (b *Bot) daysText(lang string, days domain.Weekdays) string {
	if days == domain.AllDays {
		return render.PlainText(b.o.Renderer.Join(lang, "", dialog.T("oncall.days_all")))
	}
	name := func(n int) string {
		return render.PlainText(b.o.Renderer.Join(lang, "", dialog.T("oncall.day."+string(rune('0'+n)))))
	}
	var parts []string
	for n := 1; n <= 7; {
		if !days.Has(isoDay(n)) {
			n++
			continue
		}
		end := n
		for end < 7 && days.Has(isoDay(end+1)) {
			end++
		}
		switch {
		case end-n >= 2:
			parts = append(parts, name(n)+"-"+name(end))
		case end > n:
			parts = append(parts, name(n), name(end))
		default:
			parts = append(parts, name(n))
		}
		n = end + 1
	}
	return strings.Join(parts, ", ")
}

// timeText is a window's times: "08:00-17:00", "00:00-24:00", or with a
// note when it ends the next day.
func (b *Bot) timeText(lang string, w domain.OnCallWindow) string {
	to := clockText(w.To)
	if w.To == 0 {
		to = "24:00"
	}
	s := clockText(w.From) + "-" + to
	if w.To != 0 && w.Overnight() {
		return render.PlainText(b.o.Renderer.Join(lang, "", dialog.T("oncall.overnight", "Time", s)))
	}
	return s
}
