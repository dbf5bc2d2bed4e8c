package alerts

import (
	"context"
	"log/slog"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/jobs"
	"github.com/intakebot/intakebot/dialog"
)

// Off is the room's answers when the bot has no on-call store (a People
// without one, as in tests): no alert is raised, nobody can take one,
// and /oncall says it is unavailable.
type Off struct {
	out    Out
	log    *slog.Logger
	pseudo chat.Pseudonyms
}

// NewOff makes the room without an on-call store.
func NewOff(out Out, log *slog.Logger, pseudonyms chat.Pseudonyms) *Off {
	return &Off{out: out, log: log, pseudo: pseudonyms}
}

// Raise only logs that an alert was asked for.
func (f *Off) Raise(_ context.Context, s dialog.Session, kind dialog.AlertKind) {
	log := f.log.With("chat", f.pseudo.Of(chat.ParseSessionKey(s.Key)), "alert", string(kind))
	log.Warn("an alert was asked for, but there is no on-call store")
}

// Job has nothing to escalate without a store: it panics.
func (f *Off) Job() jobs.Queue { panic("alerts: no on-call store to escalate alerts from") }

// Take refuses: there is no alert to take.
func (f *Off) Take(_ context.Context, in chat.Request, a chat.Actor, _ string) (dialog.Text, error) {
	return refused(f.log, f.pseudo, in, a), nil
}

// OnCallCommand says the on-call service is unavailable.
func (f *Off) OnCallCommand(ctx context.Context, _ chat.Request, a chat.Actor) error {
	f.out.Say(ctx, a.ID, a.Lang, nil, dialog.T("oncall.unavailable"))
	return nil
}

// OnCallButton cancels as the room does, and says the on-call service is
// unavailable instead of adding a window.
func (f *Off) OnCallButton(ctx context.Context, in chat.Request, a chat.Actor, act, arg string) (dialog.Text, error) {
	if act == chat.ActOnCallNo {
		f.out.Edit(ctx, in, a.Lang, nil, dialog.T("oncallconfirm.cancelled"))
		return dialog.Text{}, nil
	}
	if _, ok := parseOnCallButton(arg); !ok {
		return dialog.T("staff.gone"), nil
	}
	f.out.Edit(ctx, in, a.Lang, nil, dialog.T("oncall.unavailable"))
	return dialog.Text{}, nil
}

// ToWithdraw finds no alert.
func (f *Off) ToWithdraw(context.Context, string) (domain.Alert, bool) { return domain.Alert{}, false }

// Withdraw has nothing to withdraw.
func (f *Off) Withdraw(context.Context, domain.Alert) {}
