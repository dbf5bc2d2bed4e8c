package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

var staffContract = []contract{
	{"AddedFoundListedByRoleAndRemoved", staffAddedFoundListedByRoleAndRemoved},
	{"AZeroAddedTimeIsSetToNow", staffZeroAddedTimeIsNow},
	{"AddRefusesAMemberWithoutIDOrRole", staffAddRefusesWithoutIDOrRole},
	{"APendingStaffLinkIsTakenOnceAndExpires", pendingStaffTakenOnceAndExpires},
}

func mustAddStaff(t *testing.T, s Stores, m domain.StaffMember) {
	t.Helper()
	if err := s.Staff.AddStaff(t.Context(), m); err != nil {
		t.Fatalf("AddStaff: %v", err)
	}
}

func userIDs(ms []domain.StaffMember) []int64 {
	var ids []int64
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	return ids
}

func staffAddedFoundListedByRoleAndRemoved(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	at := func(min int) time.Time { return fixedNow.Add(time.Duration(min) * time.Minute) }
	members := []domain.StaffMember{
		{UserID: 301, Role: domain.RoleCounsellor, Name: "Counsellor early", Lang: "nl", Added: at(1), AddedBy: 1},
		{UserID: 202, Role: domain.RoleDirector, Name: "Director late", Lang: "en", Added: at(5), AddedBy: 1},
		{UserID: 201, Role: domain.RoleDirector, Name: "Director early", Lang: "nl", Added: at(2), AddedBy: 1},
		{UserID: 101, Role: domain.RoleAdmin, Name: "Admin", Lang: "nl", Added: at(9)},
		{UserID: 302, Role: domain.RoleCounsellor, Name: "Counsellor", Lang: "ar", Added: at(0), AddedBy: 202},
	}
	for _, m := range members {
		mustAddStaff(t, s, m)
	}

	for _, want := range members {
		got, ok, err := s.Staff.Staff(ctx, want.UserID)
		if err != nil || !ok {
			t.Fatalf("Staff(%d) = %v, %v", want.UserID, ok, err)
		}
		if got.UserID != want.UserID || got.Role != want.Role || got.Name != want.Name ||
			got.Lang != want.Lang || !got.Added.Equal(want.Added) || got.AddedBy != want.AddedBy {
			t.Errorf("Staff(%d) = %+v, want %+v", want.UserID, got, want)
		}
	}
	if _, ok, err := s.Staff.Staff(ctx, 999); ok || err != nil {
		t.Errorf("a young person (not staff) = %v, %v; want false, nil", ok, err)
	}

	list, err := s.Staff.ListStaff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := userIDs(list), []int64{101, 201, 202, 302, 301}; !slices.Equal(got, want) {
		t.Errorf("ListStaff = %v, want admins, directors, counsellors, each oldest first: %v", got, want)
	}

	// Adding again replaces: a counsellor becomes a director.
	promoted := members[0]
	promoted.Role = domain.RoleDirector
	mustAddStaff(t, s, promoted)
	if got, _, _ := s.Staff.Staff(ctx, 301); got.Role != domain.RoleDirector {
		t.Errorf("after re-adding, role = %q, want director", got.Role)
	}

	if err := s.Staff.RemoveStaff(ctx, 202); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Staff.Staff(ctx, 202); ok || err != nil {
		t.Errorf("removed member: Staff = %v, %v; want false, nil", ok, err)
	}
	list, _ = s.Staff.ListStaff(ctx)
	if got, want := userIDs(list), []int64{101, 301, 201, 302}; !slices.Equal(got, want) {
		t.Errorf("ListStaff after removal = %v, want %v", got, want)
	}
	if err := s.Staff.RemoveStaff(ctx, 202); err != nil {
		t.Errorf("removing someone who is not staff: %v", err)
	}
}

func staffZeroAddedTimeIsNow(t *testing.T, open Open) {
	s := openFixed(t, open)
	mustAddStaff(t, s, domain.StaffMember{UserID: 7, Role: domain.RoleDirector, Name: "X"})
	got, _, err := s.Staff.Staff(t.Context(), 7)
	if err != nil || !got.Added.Equal(fixedNow) {
		t.Errorf("Added = %v, %v; want %v", got.Added, err, fixedNow)
	}
}

func staffAddRefusesWithoutIDOrRole(t *testing.T, open Open) {
	s := openFixed(t, open)
	for _, m := range []domain.StaffMember{{Role: domain.RoleDirector}, {UserID: 5}} {
		if err := s.Staff.AddStaff(t.Context(), m); err == nil {
			t.Errorf("AddStaff(%+v) succeeded", m)
		}
	}
	if list, err := s.Staff.ListStaff(t.Context()); len(list) != 0 || err != nil {
		t.Errorf("after refused adds, ListStaff = %v, %v; want none", userIDs(list), err)
	}
}

func pendingStaffTakenOnceAndExpires(t *testing.T, open Open) {
	s := open(t, Config{})
	ctx := t.Context()
	now := s.Clock.Now().UTC().Truncate(time.Millisecond)
	l := domain.Link{Kind: domain.LinkStaff, Role: domain.RoleCounsellor, CreatedBy: 3, Note: "a note", Created: now, Expires: now.Add(time.Hour)}

	if err := s.Staff.SetPendingStaff(ctx, 44, l); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Staff.TakePendingStaff(ctx, 44)
	if err != nil || !ok || got != l {
		t.Fatalf("first take = %+v, %v, %v", got, ok, err)
	}
	if _, ok, err := s.Staff.TakePendingStaff(ctx, 44); ok || err != nil {
		t.Errorf("second take = %v, %v; want false, nil", ok, err)
	}

	short := open(t, Config{PendingStaffTTL: 150 * time.Millisecond})
	if err := short.Staff.SetPendingStaff(ctx, 45, l); err != nil {
		t.Fatal(err)
	}
	short.Clock.Pass(250 * time.Millisecond)
	if _, ok, err := short.Staff.TakePendingStaff(ctx, 45); ok || err != nil {
		t.Errorf("after expiry = %v, %v; want false, nil", ok, err)
	}
}
