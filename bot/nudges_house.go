package bot

import (
	"context"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/dialog"
)

// fallback handles what no route takes. A staff member's plain text goes
// to their /remind draft when one waits for typed input (own text, an
// appointment, a time); everything else, and all a young person types, to
// the conversation. A chat with a session is a young person's: it is
// never asked for, and costs no more than the session read the
// conversation does anyway (a cached one).
func (b *Bot) fallback(ctx context.Context, in chat.Request) error {
	if in.Private && in.Event.Kind == dialog.EventText {
		if took, err := b.staffTyped(ctx, in); took || err != nil {
			return err
		}
	}
	return b.conv.Handle(ctx, in)
}

func (b *Bot) staffTyped(ctx context.Context, in chat.Request) (bool, error) {
	if _, found, err := b.o.Store.Load(ctx, chat.SessionKey(in.Chat)); err != nil || found {
		return false, err
	}
	a, err := b.staff.Actor(ctx, in)
	if err != nil || !a.Member {
		return false, err
	}
	return b.remind.Typed(ctx, a, in.Event.Text)
}
