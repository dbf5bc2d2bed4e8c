package staff

import (
	"context"
	"errors"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Staff records that do not open. One such record used to fail every
// update that looked it up: the member's own, and, for the open intake's
// director, every newcomer's. It is read a few times more, then set aside
// (kept in the store's quarantine, not deleted): the member is staff no
// more until an admin adds them again, they hear so, and the admins are
// told once (the store moves a record aside only once).

// unreadableTries is how often a staff record that does not open is read
// before it is set aside, unreadablePause (then twice that) in between.
const unreadableTries = 3

var unreadablePause = 50 * time.Millisecond

// member is Staff.Staff, with a record that does not open set aside and
// taken as no member.
func (b *Office) member(ctx context.Context, id int64) (domain.StaffMember, bool, error) {
	m, ok, err := b.o.Staff.Staff(ctx, id)
	for i := 1; i < unreadableTries && errors.Is(err, domain.ErrUnreadable); i++ {
		t := time.NewTimer(time.Duration(i) * unreadablePause)
		select {
		case <-ctx.Done():
			t.Stop()
			return domain.StaffMember{}, false, ctx.Err()
		case <-t.C:
		}
		m, ok, err = b.o.Staff.Staff(ctx, id)
	}
	if !errors.Is(err, domain.ErrUnreadable) {
		return m, ok, err
	}
	moved, err := b.o.Staff.QuarantineStaff(ctx, id)
	if err != nil {
		return domain.StaffMember{}, false, err
	}
	if moved {
		ref := b.pseudo.Of(id)
		b.o.Metrics.Quarantined.Add(1)
		b.o.Log.Warn("a staff record that does not open was set aside; an admin can add them again", "staff", ref)
		b.out.Say(ctx, id, b.o.Engine.MatchLanguage(""), nil, dialog.T("record.staff_set_aside"))
		b.TellAdmins(ctx, dialog.T("record.set_aside_admin", "Topic", dialog.T("record.kind.staff"), "Pseudonym", ref))
	}
	return domain.StaffMember{}, false, nil
}

// TellAdmins sends texts to every admin, each in their language.
func (b *Office) TellAdmins(ctx context.Context, texts ...dialog.Text) {
	for _, id := range b.o.Admins {
		b.out.Say(ctx, id, b.o.Dir.Lang(ctx, id), nil, texts...)
	}
}
