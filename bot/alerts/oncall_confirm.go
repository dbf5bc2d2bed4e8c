package alerts

import (
	"context"
	"strconv"
	"strings"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/render"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// /oncall add <n> names the staff member by their number in the list
// /oncall showed, and that list shifts when someone joins or leaves. So
// the bot asks first, naming the person, days and times; the button
// carries the staff member's user ID and the window, never the number,
// and only an admin's press adds it.

// onCallConfirm asks the admin to confirm a window for m.
func (x *Alerts) onCallConfirm(ctx context.Context, a chat.Actor, m domain.StaffMember, w domain.OnCallWindow) {
	arg := onCallButtonArg(w)
	x.out.Say(ctx, a.ID, a.Lang, [][]dialog.Button{
		{{Label: dialog.T("oncallconfirm.btn_add"), Data: chat.ButtonData(chat.ActOnCallAdd, arg)}},
		{{Label: dialog.T("oncallconfirm.btn_cancel"), Data: chat.ButtonData(chat.ActOnCallNo, "")}},
	}, dialog.T("oncallconfirm.ask", "Name", m.Name, "Role", chat.RoleText(m.Role),
		"Days", x.daysText(a.Lang, w.Days), "Time", x.timeText(a.Lang, w)))
}

// OnCallButton handles the answer to the confirmation (chat.ActOnCallAdd or
// chat.ActOnCallNo); the route table checked that the actor is an admin.
func (x *Alerts) OnCallButton(ctx context.Context, in chat.Request, a chat.Actor, act, arg string) (dialog.Text, error) {
	if act == chat.ActOnCallNo {
		x.out.Edit(ctx, in, a.Lang, nil, dialog.T("oncallconfirm.cancelled"))
		return dialog.Text{}, nil
	}
	w, ok := parseOnCallButton(arg)
	if !ok {
		return dialog.T("staff.gone"), nil
	}
	m, ok, err := x.o.People.Staff(ctx, w.Staff)
	if err != nil {
		return dialog.Text{}, err
	}
	if !ok {
		x.out.Edit(ctx, in, a.Lang, nil, dialog.T("oncallconfirm.not_staff"))
		return dialog.Text{}, nil
	}
	roster, err := x.o.Roster.OnCallRoster(ctx)
	if err != nil {
		return dialog.Text{}, err
	}
	who := []domain.StaffMember{m}
	for _, r := range roster {
		if r.Staff == w.Staff && r.Days == w.Days && r.From == w.From && r.To == w.To {
			// A second press, or the same window twice: once is enough.
			x.editHTML(ctx, in, a.Lang, x.o.Renderer.Join(a.Lang, "", dialog.T("oncallconfirm.already"))+"\n"+x.windowLine(a.Lang, r, who))
			return dialog.Text{}, nil
		}
	}
	w, err = x.o.Roster.AddOnCall(ctx, w)
	if err != nil {
		return dialog.Text{}, err
	}
	x.auditor.Record(ctx, a.ID, "oncall.added", "")
	x.o.Log.Info("on-call window added", "window", w.ID, "staff", x.pseudo.Of(m.UserID), "by", x.pseudo.Of(a.ID))
	x.editHTML(ctx, in, a.Lang, x.o.Renderer.Join(a.Lang, "", dialog.T("oncall.added"))+"\n"+x.windowLine(a.Lang, w, who))
	staff, err := x.o.People.ListStaff(ctx)
	if err != nil {
		return dialog.Text{}, err
	}
	return dialog.Text{}, x.onCallOverview(ctx, a, staff)
}

// editHTML replaces the pressed message with body (HTML), without
// buttons, or sends it when that can't be done.
func (x *Alerts) editHTML(ctx context.Context, in chat.Request, lang, body string) {
	if in.Pressed != 0 && render.Len(body) <= render.MaxMessageLen &&
		x.out.EditHTML(ctx, in.Chat, in.Pressed, lang, nil, body) {
		return
	}
	x.out.SayHTML(ctx, in.Chat, lang, nil, body, false)
}

// onCallButtonArg is a window as the argument of the confirm button:
// "<user ID>:<days>:<from>:<to>", at most 31 bytes.
func onCallButtonArg(w domain.OnCallWindow) string {
	return strconv.FormatInt(w.Staff, 10) + ":" + strconv.Itoa(int(w.Days)) + ":" +
		strconv.Itoa(w.From) + ":" + strconv.Itoa(w.To)
}

// parseOnCallButton reads the argument of the confirm button, which anyone
// can forge: false for anything but a valid window in canonical form.
func parseOnCallButton(arg string) (domain.OnCallWindow, bool) {
	parts := strings.Split(arg, ":")
	if len(parts) != 4 {
		return domain.OnCallWindow{}, false
	}
	staff, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || staff <= 0 {
		return domain.OnCallWindow{}, false
	}
	var n [3]int
	for i, p := range parts[1:] {
		if n[i], err = strconv.Atoi(p); err != nil || n[i] < 0 || n[i] >= domain.MinutesPerDay {
			return domain.OnCallWindow{}, false
		}
	}
	if n[0] > int(domain.AllDays) {
		return domain.OnCallWindow{}, false
	}
	w := domain.OnCallWindow{Staff: staff, Days: domain.Weekdays(n[0]), From: n[1], To: n[2]}
	if !w.Valid() || onCallButtonArg(w) != arg {
		return domain.OnCallWindow{}, false
	}
	return w, true
}
