package staff

import (
	"context"
	"errors"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

// Records that do not open. One such staff record or case used to fail
// every update that looked it up: the person's own, and, for the open
// intake's director, every newcomer's. It is read a few times more, then
// set aside (kept in the store's quarantine, not deleted) and taken as not
// there; a staff member hears that they are staff no more until an admin
// adds them again, and the admins are told once (the store moves a record
// aside only once).

// unreadableTries is how often a record that does not open is read before
// it is set aside, unreadablePause (then twice that) in between.
const unreadableTries = 3

var unreadablePause = 50 * time.Millisecond

// reread calls read again, a few times with a pause, while what it reads
// does not open.
func reread[T any](ctx context.Context, read func() (T, bool, error)) (T, bool, error) {
	v, ok, err := read()
	for i := 1; i < unreadableTries && errors.Is(err, domain.ErrUnreadable); i++ {
		t := time.NewTimer(time.Duration(i) * unreadablePause)
		select {
		case <-ctx.Done():
			t.Stop()
			return v, false, ctx.Err()
		case <-t.C:
		}
		v, ok, err = read()
	}
	return v, ok, err
}

// member is Staff.Staff, with a record that does not open set aside and
// taken as no member.
func (b *Office) member(ctx context.Context, id int64) (domain.StaffMember, bool, error) {
	m, ok, err := reread(ctx, func() (domain.StaffMember, bool, error) { return b.o.Staff.Staff(ctx, id) })
	if !errors.Is(err, domain.ErrUnreadable) {
		return m, ok, err
	}
	moved, err := b.o.Staff.QuarantineStaff(ctx, id)
	if err != nil {
		return domain.StaffMember{}, false, err
	}
	if moved {
		b.setAside(ctx, "record.kind.staff", b.pseudo.Of(id))
		b.out.Say(ctx, id, b.o.Engine.MatchLanguage(""), nil, dialog.T("record.staff_set_aside"))
	}
	return domain.StaffMember{}, false, nil
}

// caseOf is Cases.Case, with a case that does not open set aside and
// taken as none: the young person goes on as someone without one.
func (b *Office) caseOf(ctx context.Context, key string) (domain.Case, bool, error) {
	c, ok, err := reread(ctx, func() (domain.Case, bool, error) { return b.o.Cases.Case(ctx, key) })
	if !errors.Is(err, domain.ErrUnreadable) {
		return c, ok, err
	}
	moved, err := b.o.Cases.QuarantineCase(ctx, key)
	if err != nil {
		return domain.Case{}, false, err
	}
	if moved {
		b.setAside(ctx, "record.kind.case", b.pseudo.Of(chat.ParseSessionKey(key)))
	}
	return domain.Case{}, false, nil
}

// setAside counts and logs a record of kind set aside and tells the
// admins, by its pseudonym ref.
func (b *Office) setAside(ctx context.Context, kind, ref string) {
	b.o.Metrics.Quarantined.Add(1)
	b.o.Log.Warn("a record that does not open was set aside", "kind", kind, "ref", ref)
	b.TellAdmins(ctx, dialog.T("record.set_aside_admin", "Topic", dialog.T(kind), "Pseudonym", ref))
}

// TellAdmins sends texts to every admin, each in their language.
func (b *Office) TellAdmins(ctx context.Context, texts ...dialog.Text) {
	for _, id := range b.o.Admins {
		b.out.Say(ctx, id, b.o.Dir.Lang(ctx, id), nil, texts...)
	}
}
