package bot

import (
	"context"
	"strconv"

	"github.com/intakebot/intakebot/bot/chat"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Taking an alert: the first press on "I'll take it" wins, the young
// person hears who will contact them, the other alert messages say who.

// takeAlert handles a press on "I'll take it". Staff who got the alert
// and admins may take it; the first press wins.
func (b *Bot) takeAlert(ctx context.Context, in chat.Request, a chat.Actor, key string) (dialog.Text, error) {
	if !a.IsStaff() || b.o.OnCall == nil {
		return b.refused(in, a), nil
	}
	al, found, err := b.o.OnCall.Alert(ctx, key)
	if err != nil {
		return dialog.Text{}, err
	}
	if !found {
		return dialog.T("alert.gone"), nil
	}
	if !a.Admin && !al.Notified(a.ID) {
		return b.refused(in, a), nil
	}
	now := b.o.Now()
	won, by, err := b.o.OnCall.TakeAlert(ctx, key, a.ID, now, alertHold)
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
		return dialog.T("alert.already", "Name", b.dir.Name(ctx, by)), nil
	}
	al.TakenBy, al.Taken = a.ID, now
	b.auditor.Record(ctx, a.ID, "alert.taken", key)
	b.o.Log.Info("alert taken", "chat", b.pseudo.Of(chat.ParseSessionKey(key)), "by", b.pseudo.Of(a.ID))

	c := b.alertCase(ctx, key)
	name := b.dir.ActorName(a)
	young := chat.ParseSessionKey(key)
	s, found, err := b.o.Store.Load(ctx, key)
	if err != nil || !found {
		s = dialog.Session{Key: key}
	}
	b.out.Say(ctx, young, b.dir.SessionLang(s), nil, dialog.T("alert.young.taken", "Name", name))

	body := b.o.Renderer.Join(a.Lang, "", dialog.T("alert.taker", "Who", firstName(c), "Name", b.dir.DirectorName(ctx, c))) +
		"\n\n" + b.chatLink(a.Lang, young, c)
	b.out.SayHTML(ctx, a.ID, a.Lang, nil, body, false)
	b.editTaken(ctx, al, c, name)
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
func (b *Bot) chatLink(lang string, young int64, c domain.Case) string {
	return `<a href="tg://user?id=` + strconv.FormatInt(young, 10) + `">` +
		b.o.Renderer.Join(lang, "", dialog.T("alert.open_chat", "Who", firstName(c))) + `</a>`
}

// editTaken replaces the alert messages by a line saying who took it.
func (b *Bot) editTaken(ctx context.Context, al domain.Alert, c domain.Case, name any) {
	for _, n := range al.Notices {
		lang := b.dir.Lang(ctx, n.Chat)
		status := dialog.T("alert.staff.taken", "Name", name, "Date", al.Taken)
		if n.Chat == al.TakenBy {
			status = dialog.T("alert.staff.taken_you", "Date", al.Taken)
		}
		b.out.S.Edit(ctx, n.Chat, n.Message, b.alertBody(ctx, lang, al, c, status), nil)
	}
}

// catchUp handles a take that came while messages were going out: the
// taker edited the messages known then, this edits the rest.
func (b *Bot) catchUp(ctx context.Context, a domain.Alert) error {
	fresh, found, err := b.o.OnCall.Alert(ctx, a.Key)
	if err != nil || !found || fresh.TakenBy == 0 {
		return err
	}
	b.editTaken(ctx, fresh, b.alertCase(ctx, a.Key), b.dir.Name(ctx, fresh.TakenBy))
	return nil
}
