package storage

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage/redistest"
)

// That People offers every method of bot.People is checked where both
// meet: cmd/intakebot asserts `var _ bot.People = peopleStore{}`.

type peopleEnv struct {
	srv    *redistest.Server
	client *redis.Client
	people *People
}

// newPeopleEnv starts a Redis and a People on it with the prefix "t:". A
// nil now is the real clock, which links need: Redis expires them by its
// own.
func newPeopleEnv(t *testing.T, now func() time.Time) peopleEnv {
	t.Helper()
	srv := redistest.Start(t)
	client := srv.Client(t)
	return peopleEnv{srv: srv, client: client, people: NewPeople(client, mustCodec(t, testKey(1)), "t:", now)}
}

func fixedClock() time.Time { return fixedNow }

// dump returns every key and value in Redis, and the files in its data
// directory (the AOF is what a stolen disk or backup would show).
func (e peopleEnv) dump(t *testing.T) []byte {
	t.Helper()
	ctx := context.Background()
	var out bytes.Buffer
	keys, err := e.client.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		out.WriteString(k + "\n")
		switch typ := e.client.Type(ctx, k).Val(); typ {
		case "hash":
			for f, v := range e.client.HGetAll(ctx, k).Val() {
				out.WriteString(f + "=" + v + "\n")
			}
		case "string":
			out.WriteString(e.client.Get(ctx, k).Val() + "\n")
		case "set":
			out.WriteString(strings.Join(e.client.SMembers(ctx, k).Val(), "\n") + "\n")
		case "zset":
			out.WriteString(strings.Join(e.client.ZRange(ctx, k, 0, -1).Val(), "\n") + "\n")
		case "stream":
			for _, m := range e.client.XRange(ctx, k, "-", "+").Val() {
				for f, v := range m.Values {
					out.WriteString(f + "=" + v.(string) + "\n")
				}
			}
		default:
			t.Errorf("key %s has type %s, which this test cannot read", k, typ)
		}
	}
	err = filepath.WalkDir(e.srv.Dir(), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		out.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

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

// TestEveryMethodFailsWhileRedisIsDownAndSaysNoMore checks that an outage
// is an error (never "not found" or "invalid link") and that errors name no
// person, token or case.
func TestEveryMethodFailsWhileRedisIsDownAndSaysNoMore(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	p := e.people
	token := "AAAAAAAAAAAAAAAAAAAAAA"
	const user, caseKey = 48151623, "chat-9182736"
	link := domain.Link{Kind: domain.LinkInvite, Director: user, FirstName: secrets[0], Expires: time.Now().Add(time.Hour)}
	c := domain.Case{Key: caseKey, Director: user, FirstName: secrets[0]}
	e.srv.Stop(t)

	tests := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Staff", func(ctx context.Context) error { _, _, err := p.Staff.Staff(ctx, user); return err }},
		{"AddStaff", func(ctx context.Context) error {
			return p.Staff.AddStaff(ctx, domain.StaffMember{UserID: user, Role: domain.RoleDirector, Name: secrets[0]})
		}},
		{"ListStaff", func(ctx context.Context) error { _, err := p.Staff.ListStaff(ctx); return err }},
		{"RemoveStaff", func(ctx context.Context) error { return p.Staff.RemoveStaff(ctx, user) }},
		{"CreateLink", func(ctx context.Context) error { _, err := p.Links.CreateLink(ctx, link); return err }},
		{"UseLink", func(ctx context.Context) error { _, err := p.Links.UseLink(ctx, token); return err }},
		{"PendingInvites", func(ctx context.Context) error { _, err := p.Links.PendingInvites(ctx, user); return err }},
		{"LinkFailure", func(ctx context.Context) error { _, err := p.Links.LinkFailure(ctx, user); return err }},
		{"LinkFailures", func(ctx context.Context) error { _, err := p.Links.LinkFailures(ctx, user); return err }},
		{"SetPendingStaff", func(ctx context.Context) error { return p.Staff.SetPendingStaff(ctx, user, link) }},
		{"TakePendingStaff", func(ctx context.Context) error { _, _, err := p.Staff.TakePendingStaff(ctx, user); return err }},
		{"SaveCase", func(ctx context.Context) error { return p.Cases.SaveCase(ctx, c) }},
		{"ChangeCase", func(ctx context.Context) error {
			_, err := p.Cases.ChangeCase(ctx, caseKey, func(*domain.Case) bool { return true })
			return err
		}},
		{"Case", func(ctx context.Context) error { _, _, err := p.Cases.Case(ctx, caseKey); return err }},
		{"CasesOf", func(ctx context.Context) error { _, err := p.Cases.CasesOf(ctx, user); return err }},
		{"MoveCase", func(ctx context.Context) error { return p.Cases.MoveCase(ctx, caseKey, caseKey+"x") }},
		{"DeleteCase", func(ctx context.Context) error { return p.Cases.DeleteCase(ctx, caseKey) }},
		{"Audit", func(ctx context.Context) error {
			return p.Audit.Audit(ctx, domain.AuditEntry{Actor: user, Action: "summary.opened", Case: caseKey})
		}},
		{"AuditLog", func(ctx context.Context) error { _, err := p.Audit.AuditLog(ctx, 10); return err }},
		{"ScheduleDue", func(ctx context.Context) error { return p.Cases.ScheduleDue(ctx, caseKey, time.Now()) }},
		{"CancelDue", func(ctx context.Context) error { return p.Cases.CancelDue(ctx, caseKey) }},
		{"ClaimDue", func(ctx context.Context) error {
			_, err := p.Cases.ClaimDue(ctx, time.Now(), time.Minute, 10)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			err := tt.call(ctx)
			if err == nil {
				t.Fatal("no error with Redis down")
			}
			if errors.Is(err, domain.ErrLinkInvalid) || errors.Is(err, domain.ErrCaseNotFound) {
				t.Errorf("an outage reported as a verdict: %v", err)
			}
			for _, s := range []string{itoa(user), caseKey, token, secrets[0]} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q names %q", err, s)
				}
			}
		})
	}
}

// TestRoundTripsPerMethod pins what each method costs on a warm
// connection (scripts cached on the server).
func TestRoundTripsPerMethod(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	trips := redistest.CountRoundTrips(e.client)
	p := e.people
	ctx := context.Background()
	now := time.Now()
	invite := domain.Link{Kind: domain.LinkInvite, Director: 5, Created: now, Expires: now.Add(time.Hour)}

	var tokens []string
	steps := []struct {
		name string
		want int64
		run  func() error
	}{
		{"AddStaff", 1, func() error { return p.Staff.AddStaff(ctx, domain.StaffMember{UserID: 5, Role: domain.RoleDirector}) }},
		{"Staff", 1, func() error { _, _, err := p.Staff.Staff(ctx, 5); return err }},
		{"ListStaff", 2, func() error { _, err := p.Staff.ListStaff(ctx); return err }},
		{"CreateLink", 1, func() error { tok, err := p.Links.CreateLink(ctx, invite); tokens = append(tokens, tok); return err }},
		{"PendingInvites", 2, func() error { _, err := p.Links.PendingInvites(ctx, 5); return err }},
		{"UseLink (invite)", 2, func() error { _, err := p.Links.UseLink(ctx, tokens[len(tokens)-1]); return err }},
		{"UseLink (unknown token)", 1, func() error {
			_, err := p.Links.UseLink(ctx, "BBBBBBBBBBBBBBBBBBBBBB")
			if errors.Is(err, domain.ErrLinkInvalid) {
				return nil
			}
			return err
		}},
		{"LinkFailure", 1, func() error { _, err := p.Links.LinkFailure(ctx, 6); return err }},
		{"LinkFailures", 1, func() error { _, err := p.Links.LinkFailures(ctx, 6); return err }},
		{"SetPendingStaff", 1, func() error { return p.Staff.SetPendingStaff(ctx, 6, invite) }},
		{"TakePendingStaff", 1, func() error { _, _, err := p.Staff.TakePendingStaff(ctx, 6); return err }},
		{"SaveCase (new)", 1, func() error {
			return p.Cases.SaveCase(ctx, domain.Case{Key: "c1", Director: 5, Counsellor: 7, Linked: now})
		}},
		{"SaveCase (update)", 1, func() error {
			return p.Cases.SaveCase(ctx, domain.Case{Key: "c1", Director: 5, Counsellor: 7, Linked: now, Delivered: now})
		}},
		{"SaveCase (reassigned)", 2, func() error { return p.Cases.SaveCase(ctx, domain.Case{Key: "c1", Director: 8, Linked: now}) }},
		{"SaveCase (back)", 2, func() error {
			return p.Cases.SaveCase(ctx, domain.Case{Key: "c1", Director: 5, Counsellor: 7, Linked: now})
		}},
		{"Case", 1, func() error { _, _, err := p.Cases.Case(ctx, "c1"); return err }},
		{"ChangeCase", 2, func() error {
			_, err := p.Cases.ChangeCase(ctx, "c1", func(c *domain.Case) bool { c.Reminded = now; return true })
			return err
		}},
		{"CasesOf", 2, func() error { _, err := p.Cases.CasesOf(ctx, 5); return err }},
		{"MoveCase", 2, func() error { return p.Cases.MoveCase(ctx, "c1", "c2") }},
		{"MoveCase back", 2, func() error { return p.Cases.MoveCase(ctx, "c2", "c1") }},
		{"Audit", 1, func() error {
			return p.Audit.Audit(ctx, domain.AuditEntry{Actor: 5, Action: "summary.opened", Case: "c1"})
		}},
		{"AuditLog", 1, func() error { _, err := p.Audit.AuditLog(ctx, 50); return err }},
		{"ScheduleDue", 1, func() error { return p.Cases.ScheduleDue(ctx, "c1", now) }},
		{"ClaimDue", 1, func() error { _, err := p.Cases.ClaimDue(ctx, now, time.Minute, 10); return err }},
		{"CancelDue", 1, func() error { return p.Cases.CancelDue(ctx, "c1") }},
		{"RemoveStaff", 1, func() error { return p.Staff.RemoveStaff(ctx, 5) }},
		{"DeleteCase", 2, func() error { return p.Cases.DeleteCase(ctx, "c1") }},
	}
	// Warm up: dial the connections and load the scripts.
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	for _, s := range steps {
		trips.Reset()
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if trips.Dials() != 0 {
			t.Errorf("%s dialed; counts are off", s.name)
		}
		if got := trips.Count(); got != s.want {
			t.Errorf("%s: %d round trips %v, want %d", s.name, got, trips.Log(), s.want)
		}
	}
}
