package alerts

import (
	"context"
	"strconv"

	"github.com/intakebot/intakebot/bot/chat"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Taking an alert: the first press on "I'll take it" wins, the young
// person hears who will contact them, the other alert messages say who.

// Take handles a press on "I'll take it" (chat.ActTakeAlert). Staff who got the alert
// and admins may take it; the first press wins.
func (x *Alerts) Take(ctx context.Context, in chat.Request, a chat.Actor, key string) (dialog.Text, error) {
	if !a.IsStaff() {
		return x.refused(in, a), nil
	}
	al, found, err := x.o.Alerts.Alert(ctx, key)
	if err != nil {
		return dialog.Text{}, err
	}
	if !found {
		return dialog.T("alert.gone"), nil
	}
	if !a.Admin && !al.Notified(a.ID) {
		return x.refused(in, a), nil
	}
	now := x.o.Now()
	won, by, err := x.o.Alerts.TakeAlert(ctx, key, a.ID, now, alertHold)
	if err != nil {
		return dialog.Text{}, err
	}
	if !won && by == 0 {
		return dialog.T("alert.gone"), nil
	}
	if !won {
		if by == a.ID {
			return dialog.T("alert.yours"), nil
		}
		return dialog.T("alert.already", "Name", x.dir.Name(ctx, by)), nil
	}
	al.TakenBy, al.Taken = a.ID, now
	x.auditor.Record(ctx, a.ID, "alert.taken", key)
	x.o.Log.Info("alert taken", "chat", x.pseudo.Of(chat.ParseSessionKey(key)), "by", x.pseudo.Of(a.ID))

	c, _ := x.alertCase(ctx, key)
	name := x.dir.ActorName(a)
	young := chat.ParseSessionKey(key)
	s, found, err := x.o.Sessions.Load(ctx, key)
	if err != nil || !found {
		s = dialog.Session{Key: key}
	}
	x.out.Say(ctx, young, x.dir.SessionLang(s), nil, dialog.T("alert.young.taken", "Name", name))

	body := x.o.Renderer.Join(a.Lang, "", dialog.T("alert.taker", "Who", firstName(c), "Name", x.dir.DirectorName(ctx, c))) +
		"\n\n" + x.chatLink(a.Lang, young, c)
	x.out.SayHTML(ctx, a.ID, a.Lang, nil, body, false)
	x.editTaken(ctx, al, c, name)
	return dialog.Text{}, nil
}

// firstName is the young person's first name from the invite, or words
// for "the young person".
func firstName(c domain.Case) any {
	if c.FirstName != "" {
		return c.FirstName
	}
	return dialog.T("alert.the_young_person")
}

// chatLink is a mention link that opens the young person's chat, if their
// privacy settings let Telegram show it; the director is the other way.
func (x *Alerts) chatLink(lang string, young int64, c domain.Case) string {
	return `<a href="tg://user?id=` + strconv.FormatInt(young, 10) + `">` +
		x.o.Renderer.Join(lang, "", dialog.T("alert.open_chat", "Who", firstName(c))) + `</a>`
}

// editTaken replaces the alert messages by a line saying who took it.
func (x *Alerts) editTaken(ctx context.Context, al domain.Alert, c domain.Case, name any) {
	for _, n := range al.Notices {
		lang := x.dir.Lang(ctx, n.Chat)
		status := dialog.T("alert.staff.taken", "Name", name, "Date", al.Taken)
		if n.Chat == al.TakenBy {
			status = dialog.T("alert.staff.taken_you", "Date", al.Taken)
		}
		x.out.EditHTML(ctx, n.Chat, n.Message, lang, nil, x.alertBody(ctx, lang, al, c, status))
	}
}

// catchUp handles a take that came while messages were going out: the
// taker edited the messages known then, this edits the rest.
func (x *Alerts) catchUp(ctx context.Context, a domain.Alert) error {
	fresh, found, err := x.o.Alerts.Alert(ctx, a.Key)
	if err != nil || !found || fresh.TakenBy == 0 {
		return err
	}
	c, _ := x.alertCase(ctx, a.Key)
	x.editTaken(ctx, fresh, c, x.dir.Name(ctx, fresh.TakenBy))
	return nil
}
