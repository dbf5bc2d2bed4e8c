package storage

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

func mustAddStaff(t *testing.T, p *People, m domain.StaffMember) {
	t.Helper()
	if err := p.Staff.AddStaff(context.Background(), m); err != nil {
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

func TestStaffAreAddedFoundListedByRoleAndRemoved(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	at := func(min int) time.Time { return fixedNow.Add(time.Duration(min) * time.Minute) }
	members := []domain.StaffMember{
		{UserID: 301, Role: domain.RoleCounsellor, Name: secrets[0], Lang: "nl", Added: at(1), AddedBy: 1},
		{UserID: 202, Role: domain.RoleDirector, Name: "Director late", Lang: "en", Added: at(5), AddedBy: 1},
		{UserID: 201, Role: domain.RoleDirector, Name: "Director early", Lang: "nl", Added: at(2), AddedBy: 1},
		{UserID: 101, Role: domain.RoleAdmin, Name: "Admin", Lang: "nl", Added: at(9)},
		{UserID: 302, Role: domain.RoleCounsellor, Name: "Counsellor", Lang: "ar", Added: at(0), AddedBy: 202},
	}
	for _, m := range members {
		mustAddStaff(t, e.people, m)
	}

	for _, want := range members {
		got, ok, err := e.people.Staff.Staff(ctx, want.UserID)
		if err != nil || !ok {
			t.Fatalf("Staff(%d) = %v, %v", want.UserID, ok, err)
		}
		if got.UserID != want.UserID || got.Role != want.Role || got.Name != want.Name ||
			got.Lang != want.Lang || !got.Added.Equal(want.Added) || got.AddedBy != want.AddedBy {
			t.Errorf("Staff(%d) = %+v, want %+v", want.UserID, got, want)
		}
	}
	if _, ok, err := e.people.Staff.Staff(ctx, 999); ok || err != nil {
		t.Errorf("a young person (not staff) = %v, %v; want false, nil", ok, err)
	}

	list, err := e.people.Staff.ListStaff(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := userIDs(list), []int64{101, 201, 202, 302, 301}; !equalInts(got, want) {
		t.Errorf("ListStaff = %v, want admins, directors, counsellors, each oldest first: %v", got, want)
	}

	// Adding again replaces: a counsellor becomes a director.
	promoted := members[0]
	promoted.Role = domain.RoleDirector
	mustAddStaff(t, e.people, promoted)
	if got, _, _ := e.people.Staff.Staff(ctx, 301); got.Role != domain.RoleDirector {
		t.Errorf("after re-adding, role = %q, want director", got.Role)
	}

	if err := e.people.Staff.RemoveStaff(ctx, 202); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := e.people.Staff.Staff(ctx, 202); ok || err != nil {
		t.Errorf("removed member: Staff = %v, %v; want false, nil", ok, err)
	}
	list, _ = e.people.Staff.ListStaff(ctx)
	if got, want := userIDs(list), []int64{101, 301, 201, 302}; !equalInts(got, want) {
		t.Errorf("ListStaff after removal = %v, want %v", got, want)
	}
	if err := e.people.Staff.RemoveStaff(ctx, 202); err != nil {
		t.Errorf("removing someone who is not staff: %v", err)
	}
	if n := e.client.Exists(ctx, "t:staff:202").Val(); n != 0 {
		t.Error("the removed member's record is still in Redis")
	}
}

func TestAZeroAddedTimeIsSetToNow(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	mustAddStaff(t, e.people, domain.StaffMember{UserID: 7, Role: domain.RoleDirector, Name: "X"})
	got, _, err := e.people.Staff.Staff(context.Background(), 7)
	if err != nil || !got.Added.Equal(fixedNow) {
		t.Errorf("Added = %v, %v; want %v", got.Added, err, fixedNow)
	}
}

func TestAddStaffRefusesAMemberWithoutIDOrRole(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	for _, m := range []domain.StaffMember{{Role: domain.RoleDirector}, {UserID: 5}} {
		if err := e.people.Staff.AddStaff(context.Background(), m); err == nil {
			t.Errorf("AddStaff(%+v) succeeded", m)
		}
	}
}

func TestStaffNamesAreNotReadableInRedisOrOnDisk(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	mustAddStaff(t, e.people, domain.StaffMember{UserID: 11, Role: domain.RoleDirector, Name: secrets[0], Lang: "nl", Added: fixedNow, AddedBy: 1})
	mustAddStaff(t, e.people, domain.StaffMember{UserID: 12, Role: domain.RoleCounsellor, Name: secrets[1], Lang: "en", Added: fixedNow, AddedBy: 11})

	if d := e.dump(t); bytes.Contains(d, []byte(secrets[0])) || bytes.Contains(d, []byte(secrets[1])) {
		t.Error("a staff member's name is readable in Redis or its files")
	}
	got := e.client.HGetAll(context.Background(), "t:staff:12").Val()
	want := map[string]string{"role": "counsellor", "lang": "en", "added": itoa(fixedNow.Unix()), "added_by": "11"}
	for f, v := range want {
		if got[f] != v {
			t.Errorf("plain field %s = %q, want %q", f, got[f], v)
		}
	}
	if len(got) != len(want)+1 || got["data"] == "" {
		t.Errorf("record has fields %v, want %v and data", keysOf(got), keysOf(want))
	}
}

func TestAStaffRoleChangedInRedisIsRefusedNotTrusted(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	mustAddStaff(t, e.people, domain.StaffMember{UserID: 12, Role: domain.RoleCounsellor, Name: "C"})
	mustAddStaff(t, e.people, domain.StaffMember{UserID: 13, Role: domain.RoleCounsellor, Name: "D"})

	// Someone with write access to Redis promotes a counsellor...
	e.client.HSet(ctx, "t:staff:12", "role", "admin")
	if _, _, err := e.people.Staff.Staff(ctx, 12); !errors.Is(err, ErrCorrupt) {
		t.Errorf("plain role changed: err = %v, want ErrCorrupt", err)
	}
	// ... or copies another member's sealed record over.
	e.client.HSet(ctx, "t:staff:13", "data", e.client.HGet(ctx, "t:staff:12", "data").Val())
	if _, _, err := e.people.Staff.Staff(ctx, 13); !errors.Is(err, ErrCorrupt) {
		t.Errorf("record copied from another member: err = %v, want ErrCorrupt", err)
	}
	if _, err := e.people.Staff.ListStaff(ctx); !errors.Is(err, ErrCorrupt) {
		t.Errorf("ListStaff: err = %v, want ErrCorrupt", err)
	}
}

func TestListStaffSkipsMembersWhoseRecordIsGone(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	mustAddStaff(t, e.people, domain.StaffMember{UserID: 1, Role: domain.RoleDirector})
	e.client.SAdd(ctx, "t:staff", "2")
	list, err := e.people.Staff.ListStaff(ctx)
	if err != nil || !equalInts(userIDs(list), []int64{1}) {
		t.Errorf("ListStaff = %v, %v; want [1]", userIDs(list), err)
	}
	if e.client.SIsMember(ctx, "t:staff", "2").Val() {
		t.Error("the dangling entry was not tidied away")
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAPendingStaffLinkIsTakenOnceAndExpires(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	ctx := context.Background()
	p := e.people
	now := time.Now().UTC().Truncate(time.Millisecond)
	l := domain.Link{Kind: domain.LinkStaff, Role: domain.RoleCounsellor, CreatedBy: 3, Note: secrets[2], Created: now, Expires: now.Add(time.Hour)}

	if err := p.Staff.SetPendingStaff(ctx, 44, l); err != nil {
		t.Fatal(err)
	}
	if ttl := e.client.TTL(ctx, "t:pendingstaff:44").Val(); ttl < 59*time.Minute || ttl > time.Hour {
		t.Errorf("TTL = %v, want an hour", ttl)
	}
	if bytes.Contains(e.dump(t), []byte(secrets[2])) {
		t.Error("the pending link is readable in Redis")
	}
	got, ok, err := p.Staff.TakePendingStaff(ctx, 44)
	if err != nil || !ok || got != l {
		t.Fatalf("first take = %+v, %v, %v", got, ok, err)
	}
	if _, ok, err := p.Staff.TakePendingStaff(ctx, 44); ok || err != nil {
		t.Errorf("second take = %v, %v; want false, nil", ok, err)
	}

	p.Staff.pendingTTL = 150 * time.Millisecond
	if err := p.Staff.SetPendingStaff(ctx, 45, l); err != nil {
		t.Fatal(err)
	}
	time.Sleep(250 * time.Millisecond)
	if _, ok, err := p.Staff.TakePendingStaff(ctx, 45); ok || err != nil {
		t.Errorf("after expiry = %v, %v; want false, nil", ok, err)
	}
}
