package alerts

import (
	"context"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// An erasure withdraws the alert of the intake it erases: ToWithdraw
// before, Withdraw after.

// ToWithdraw loads the alert of key before the erasure removes it. A
// store that fails does not stop the erasure.
func (x *Alerts) ToWithdraw(ctx context.Context, key string) (domain.Alert, bool) {
	al, found, err := x.o.Alerts.Alert(ctx, key)
	if err != nil {
		x.o.Log.Warn("can't load the alert of an intake being erased; its messages keep their button", "chat", x.pseudo.Of(chat.ParseSessionKey(key)), "err", err)
		return domain.Alert{}, false
	}
	return al, found && len(al.Notices) > 0
}

// Withdraw replaces the messages of an erased person's alert, in each
// staff member's language, by a neutral line without the take button: a
// press would find no alert, and staff must not think someone else took
// it.
func (x *Alerts) Withdraw(ctx context.Context, al domain.Alert) {
	for _, n := range al.Notices {
		lang := x.dir.Lang(ctx, n.Chat)
		x.out.EditHTML(ctx, n.Chat, n.Message, lang, nil, x.o.Renderer.Join(lang, "", dialog.T("alert.staff.withdrawn")))
	}
	x.o.Log.Info("the alert of an erased intake was withdrawn", "chat", x.pseudo.Of(chat.ParseSessionKey(al.Key)), "messages", len(al.Notices))
}
