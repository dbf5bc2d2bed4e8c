package alerts

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
// reached at which times; an alert (alert.go) goes to them.

// loc is the time zone of the roster and of the times in alerts.
func (x *Alerts) loc() *time.Location {
	if x.o.Renderer != nil && x.o.Renderer.Loc != nil {
		return x.o.Renderer.Loc
	}
	return time.UTC
}

// OnCallCommand handles /oncall; the route table checked that the actor
// is an admin.
func (x *Alerts) OnCallCommand(ctx context.Context, in chat.Request, a chat.Actor) error {
	cmd, errID := parseOnCall(in.Event.Arg)
	if errID != "" {
		x.out.Say(ctx, a.ID, a.Lang, nil, dialog.T(errID), dialog.T("oncall.usage"))
		return nil
	}
	staff, err := x.o.People.ListStaff(ctx)
	if err != nil {
		return err
	}
	switch cmd.op {
	case onCallAdd:
		if cmd.staff > len(staff) {
			x.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("oncall.err.no_staff", "N", cmd.staff))
			return x.onCallOverview(ctx, a, staff)
		}
		// The number is a position in a list that shifts: ask first,
		// naming the person (oncall_confirm.go).
		m := staff[cmd.staff-1]
		x.onCallConfirm(ctx, a, m, domain.OnCallWindow{Staff: m.UserID, Days: cmd.days, From: cmd.from, To: cmd.to})
		return nil
	case onCallDel:
		ok, err := x.o.Roster.RemoveOnCall(ctx, cmd.n)
		if err != nil {
			return err
		}
		if !ok {
			x.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("oncall.err.no_window", "N", cmd.n))
			return x.onCallOverview(ctx, a, staff)
		}
		x.auditor.Record(ctx, a.ID, "oncall.removed", "")
		x.o.Log.Info("on-call window removed", "window", cmd.n, "by", x.pseudo.Of(a.ID))
		x.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("oncall.removed", "N", cmd.n))
	}
	return x.onCallOverview(ctx, a, staff)
}

// onCallOverview shows who is on call now, the roster, the staff with
// their numbers, and how to change the roster.
func (x *Alerts) onCallOverview(ctx context.Context, a chat.Actor, staff []domain.StaffMember) error {
	roster, err := x.o.Roster.OnCallRoster(ctx)
	if err != nil {
		return err
	}
	// An admin from the configuration gets their menu on first use.
	x.o.Menus.SetStaffMenu(ctx, a.ID, a.Lang, true, a.Staff.Role)
	lang := a.Lang
	var body strings.Builder
	body.WriteString(x.o.Renderer.Join(lang, "", dialog.T("oncall.title")) + "\n")
	now := x.onCallNow(roster, staff, x.o.Now())
	if len(now) == 0 {
		body.WriteString(x.o.Renderer.Join(lang, "", dialog.T("oncall.now_none")))
	}
	for i, m := range now {
		id := "oncall.now"
		if i > 0 {
			id = "oncall.now_next"
		}
		body.WriteString(x.o.Renderer.Join(lang, "", dialog.T(id, "Name", m.Name, "Role", chat.RoleText(m.Role))))
		if i < len(now)-1 {
			body.WriteString("\n")
		}
	}
	body.WriteString("\n\n" + x.o.Renderer.Join(lang, "", dialog.T("oncall.roster_title")) + "\n")
	if len(roster) == 0 {
		body.WriteString(x.o.Renderer.Join(lang, "", dialog.T("oncall.roster_none")))
	}
	for i, w := range roster {
		if i > 0 {
			body.WriteString("\n")
		}
		body.WriteString(x.windowLine(lang, w, staff))
	}
	body.WriteString("\n\n" + x.o.Renderer.Join(lang, "", dialog.T("oncall.staff_title")) + "\n")
	if len(staff) == 0 {
		body.WriteString(x.o.Renderer.Join(lang, "", dialog.T("staff.overview.none")))
	}
	for i, m := range staff {
		if i > 0 {
			body.WriteString("\n")
		}
		body.WriteString(x.o.Renderer.Join(lang, "", dialog.T("oncall.staff_line", "N", i+1, "Name", m.Name, "Role", chat.RoleText(m.Role))))
	}
	body.WriteString("\n\n" + x.o.Renderer.Join(lang, "\n\n", dialog.T("oncall.usage"), dialog.T("oncall.zone", "Zone", x.loc().String())))
	x.out.SayHTML(ctx, a.ID, lang, nil, body.String(), false)
	return nil
}

// onCallNow is the staff on call at t, in roster order; windows of people
// who are no longer staff are skipped.
func (x *Alerts) onCallNow(roster []domain.OnCallWindow, staff []domain.StaffMember, t time.Time) []domain.StaffMember {
	var out []domain.StaffMember
	for _, id := range domain.OnCallAt(roster, t, x.loc()) {
		for _, m := range staff {
			if m.UserID == id {
				out = append(out, m)
			}
		}
	}
	return out
}

// windowLine is one line of the roster: number, days, times, who.
func (x *Alerts) windowLine(lang string, w domain.OnCallWindow, staff []domain.StaffMember) string {
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
	return x.o.Renderer.Join(lang, "", dialog.T(id, "N", w.ID, "Days", x.daysText(lang, w.Days), "Time", x.timeText(lang, w), "Name", name, "Role", role))
}

// daysText names a set of days: "ma-vr", "za, zo", "elke dag".
func (x *Alerts) daysText(lang string, days domain.Weekdays) string {
	if days == domain.AllDays {
		return render.PlainText(x.o.Renderer.Join(lang, "", dialog.T("oncall.days_all")))
	}
	name := func(n int) string {
		return render.PlainText(x.o.Renderer.Join(lang, "", dialog.T("oncall.day."+string(rune('0'+n)))))
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
func (x *Alerts) timeText(lang string, w domain.OnCallWindow) string {
	to := clockText(w.To)
	if w.To == 0 {
		to = "24:00"
	}
	s := clockText(w.From) + "-" + to
	if w.To != 0 && w.Overnight() {
		return render.PlainText(x.o.Renderer.Join(lang, "", dialog.T("oncall.overnight", "Time", s)))
	}
	return s
}
