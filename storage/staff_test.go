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

func TestStaffNamesAreNotReadableInRedisOrOnDisk(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	mustAddStaff(t, e.people, domain.StaffMember{UserID: 11, Role: domain.RoleDirector, Name: secrets[0], Lang: "nl", Added: fixedNow, AddedBy: 1})
	mustAddStaff(t, e.people, domain.StaffMember{UserID: 12, Role: domain.RoleCounsellor, Name: secrets[1], Lang: "en", Added: fixedNow, AddedBy: 11})

	if d := e.dump(t); bytes.Contains(d, []byte(secrets[0])) || bytes.Contains(d, []byte(secrets[1])) {
		t.Error("a staff member's name is readable in Redis or its files")
	}
	got := e.client.HGetAll(context.Background(), L("t:staff:12")).Val()
	want := map[string]string{"role": "counsellor", "lang": "en", "added": itoa(fixedNow.Unix())} // who added them is sealed
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
	e.client.HSet(ctx, L("t:staff:12"), "role", "admin")
	if _, _, err := e.people.Staff.Staff(ctx, 12); !errors.Is(err, ErrCorrupt) {
		t.Errorf("plain role changed: err = %v, want ErrCorrupt", err)
	}
	// ... or copies another member's sealed record over.
	e.client.HSet(ctx, L("t:staff:13"), "data", e.client.HGet(ctx, L("t:staff:12"), "data").Val())
	if _, _, err := e.people.Staff.Staff(ctx, 13); !errors.Is(err, ErrCorrupt) {
		t.Errorf("record copied from another member: err = %v, want ErrCorrupt", err)
	}
	// A list never trusts them either; it leaves them out (issue 14: one
	// bad record used to fail the whole list for everyone).
	if list, err := e.people.Staff.ListStaff(ctx); err != nil || len(list) != 0 {
		t.Errorf("ListStaff = %v, %v; want neither tampered member, no error", userIDs(list), err)
	}
}

func TestListStaffSkipsMembersWhoseRecordIsGone(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	mustAddStaff(t, e.people, domain.StaffMember{UserID: 1, Role: domain.RoleDirector})
	e.client.SAdd(ctx, "t:staff", N("2"))
	list, err := e.people.Staff.ListStaff(ctx)
	if err != nil || !equalInts(userIDs(list), []int64{1}) {
		t.Errorf("ListStaff = %v, %v; want [1]", userIDs(list), err)
	}
	if e.client.SIsMember(ctx, "t:staff", N("2")).Val() {
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

// The contract (storetest) covers what callers see; here, what Redis holds.
func TestARemovedMembersRecordLeavesRedis(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	mustAddStaff(t, e.people, domain.StaffMember{UserID: 202, Role: domain.RoleDirector})
	if err := e.people.Staff.RemoveStaff(ctx, 202); err != nil {
		t.Fatal(err)
	}
	if n := e.client.Exists(ctx, L("t:staff:202"), "t:staff").Val(); n != 0 {
		t.Error("the removed member's record or set entry is still in Redis")
	}
}

func TestAPendingStaffLinkIsSealedAndExpiresInAnHour(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	ctx := context.Background()
	now := time.Now()
	l := domain.Link{Kind: domain.LinkStaff, Role: domain.RoleCounsellor, CreatedBy: 3, Note: secrets[2], Created: now, Expires: now.Add(time.Hour)}
	if err := e.people.Staff.SetPendingStaff(ctx, 44, l); err != nil {
		t.Fatal(err)
	}
	if ttl := e.client.TTL(ctx, L("t:pendingstaff:44")).Val(); ttl < 59*time.Minute || ttl > time.Hour {
		t.Errorf("TTL = %v, want an hour", ttl)
	}
	if bytes.Contains(e.dump(t), []byte(secrets[2])) {
		t.Error("the pending link is readable in Redis")
	}
}
