package memory

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage"
)

// Staff keeps the staff members and the staff links whose openers have yet
// to give their name, as storage.Staff does. It is safe for concurrent
// use.
type Staff struct{ d *data }

// Staff returns the staff member with userID; false when there is none.
func (st *Staff) Staff(_ context.Context, userID int64) (domain.StaffMember, bool, error) {
	st.d.mu.Lock()
	defer st.d.mu.Unlock()
	m, ok := st.d.staff[userID]
	if !ok {
		return domain.StaffMember{}, false, nil
	}
	if st.d.badStaff[userID] {
		return domain.StaffMember{}, false, fmt.Errorf("can't load staff member: %w: damaged", storage.ErrCorrupt)
	}
	return jsonCopy(m), true, nil
}

// AddStaff stores m, replacing a member with the same user ID. A zero
// m.Added is set to now.
func (st *Staff) AddStaff(_ context.Context, m domain.StaffMember) error {
	if m.UserID == 0 {
		return errors.New("can't add staff member: no user ID")
	}
	if m.Role == "" {
		return errors.New("can't add staff member: no role")
	}
	st.d.mu.Lock()
	defer st.d.mu.Unlock()
	if m.Added.IsZero() {
		m.Added = st.d.now()
	}
	st.d.staff[m.UserID] = jsonCopy(m)
	delete(st.d.badStaff, m.UserID) // written anew, as in Redis
	return nil
}

// ListStaff returns every staff member, by role (admins, directors,
// counsellors) and then by the time they were added.
func (st *Staff) ListStaff(context.Context) ([]domain.StaffMember, error) {
	st.d.mu.Lock()
	defer st.d.mu.Unlock()
	var out []domain.StaffMember
	for id, m := range st.d.staff {
		if st.d.badStaff[id] {
			st.d.skip("staff")
			continue
		}
		out = append(out, jsonCopy(m))
	}
	slices.SortFunc(out, domain.CompareStaff)
	return out, nil
}

// RemoveStaff removes the member; removing someone who is not staff is not
// an error. Their cases and invites stay.
func (st *Staff) RemoveStaff(_ context.Context, userID int64) error {
	st.d.mu.Lock()
	defer st.d.mu.Unlock()
	delete(st.d.staff, userID)
	delete(st.d.badStaff, userID)
	return nil
}

// QuarantineStaff sets the record of userID aside, as storage does with
// one that does not open: they are staff no more. False when there was
// none.
func (st *Staff) QuarantineStaff(_ context.Context, userID int64) (bool, error) {
	st.d.mu.Lock()
	defer st.d.mu.Unlock()
	m, ok := st.d.staff[userID]
	if !ok {
		return false, nil
	}
	st.d.asideStaff[userID] = m
	delete(st.d.staff, userID)
	delete(st.d.badStaff, userID)
	return true, nil
}

// SetPendingStaff remembers, for storage.PendingStaffTTL, that userID
// opened the staff link l; a second call replaces it.
func (st *Staff) SetPendingStaff(_ context.Context, userID int64, l domain.Link) error {
	d := st.d
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pending[userID] = expiring[[]byte]{v: mustJSON(l), until: d.now().Add(d.pendingTTL)}
	return nil
}

// TakePendingStaff returns the link SetPendingStaff remembered for userID
// and forgets it: only one caller gets it. False when there is none or it
// expired.
func (st *Staff) TakePendingStaff(_ context.Context, userID int64) (domain.Link, bool, error) {
	d := st.d
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.pending[userID]
	delete(d.pending, userID)
	if !ok || !p.live(d.now()) {
		return domain.Link{}, false, nil
	}
	return fromJSON[domain.Link](p.v), true, nil
}
