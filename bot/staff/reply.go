package staff

import (
	"context"
	"strings"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/dialog"
)

// What the bot says to staff outside the engine.

// rawButton is a button labelled with a person's words, cut short.
func rawButton(prefix, label, data string) dialog.Button {
	r := []rune(strings.Join(strings.Fields(label), " "))
	if len(r) > maxLabelRunes {
		r = append(r[:maxLabelRunes-1], '…')
	}
	return dialog.Button{Label: dialog.Raw(prefix + string(r)), Data: data}
}

// staffHelp tells a staff member what they can do here.
// The help of each command comes from the route table.
func (b *Office) staffHelp(ctx context.Context, a chat.Actor, first ...dialog.Text) {
	texts := append(first, dialog.T("staff.help", "Role", a.Role()))
	texts = append(texts, b.o.Help(a)...)
	b.out.Say(ctx, a.ID, a.Lang, nil, texts...)
}
