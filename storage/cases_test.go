package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

func mustSaveCase(t *testing.T, p *People, c domain.Case) {
	t.Helper()
	if err := p.Cases.SaveCase(context.Background(), c); err != nil {
		t.Fatalf("SaveCase: %v", err)
	}
}

func mustCase(t *testing.T, p *People, key string) domain.Case {
	t.Helper()
	c, ok, err := p.Cases.Case(context.Background(), key)
	if err != nil || !ok {
		t.Fatalf("Case(%q) = %v, %v", key, ok, err)
	}
	return c
}

func caseKeys(t *testing.T, p *People, staff int64) []string {
	t.Helper()
	cs, err := p.Cases.CasesOf(context.Background(), staff)
	if err != nil {
		t.Fatalf("CasesOf(%d): %v", staff, err)
	}
	keys := []string{}
	for _, c := range cs {
		keys = append(keys, c.Key)
	}
	return keys
}

func sameCase(a, b domain.Case) bool {
	return a.Key == b.Key && a.Director == b.Director && a.Counsellor == b.Counsellor &&
		a.FirstName == b.FirstName && a.Note == b.Note && a.Linked.Equal(b.Linked) &&
		a.Delivered.Equal(b.Delivered) && a.Acknowledged.Equal(b.Acknowledged) && a.AckBy == b.AckBy &&
		a.Reminded.Equal(b.Reminded) && a.Escalated.Equal(b.Escalated)
}

func TestCasesAreListedPerDirectorAndCounsellorNewestFirst(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	p := e.people
	at := func(min int) time.Time { return fixedNow.Add(time.Duration(min) * time.Minute) }
	cases := []domain.Case{
		{Key: "1001", Director: 100, Counsellor: 200, FirstName: "Ada", Note: "from the shelter", Linked: at(1)},
		{Key: "1002", Director: 100, FirstName: "Bo", Linked: at(3)},
		{Key: "1003", Director: 100, Counsellor: 200, FirstName: "Cas", Linked: at(2)},
		{Key: "1004", Director: 101, Counsellor: 201, FirstName: "Dee", Linked: at(4)},
	}
	for _, c := range cases {
		mustSaveCase(t, p, c)
	}
	for _, want := range cases {
		if got := mustCase(t, p, want.Key); !sameCase(got, want) {
			t.Errorf("Case(%s) = %+v, want %+v", want.Key, got, want)
		}
	}
	if _, ok, err := p.Cases.Case(context.Background(), "9999"); ok || err != nil {
		t.Errorf("unknown case: %v, %v; want false, nil", ok, err)
	}

	tests := []struct {
		name  string
		staff int64
		want  []string
	}{
		{"director", 100, []string{"1002", "1003", "1001"}},
		{"counsellor sees the ones they invited", 200, []string{"1003", "1001"}},
		{"another director", 101, []string{"1004"}},
		{"another counsellor", 201, []string{"1004"}},
		{"staff without cases", 999, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := caseKeys(t, p, tt.staff); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("CasesOf(%d) = %v, want %v", tt.staff, got, tt.want)
			}
		})
	}
}

func TestSavingACaseAgainUpdatesItAndMovesItBetweenStaff(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	p := e.people
	c := domain.Case{Key: "2001", Director: 100, Counsellor: 200, FirstName: "Ada", Linked: fixedNow}
	mustSaveCase(t, p, c)
	mustSaveCase(t, p, domain.Case{Key: "2002", Director: 100, Linked: fixedNow.Add(-time.Hour)})

	// The handoff goes on: delivered, then acknowledged.
	c.Delivered = fixedNow.Add(time.Hour)
	c.Acknowledged, c.AckBy = fixedNow.Add(2*time.Hour), 100
	mustSaveCase(t, p, c)
	if got := mustCase(t, p, "2001"); !sameCase(got, c) {
		t.Errorf("after update: %+v, want %+v", got, c)
	}
	if got := caseKeys(t, p, 100); fmt.Sprint(got) != "[2001 2002]" {
		t.Errorf("director's list after update = %v", got)
	}

	// Another director takes over; the counsellor leaves.
	c.Director, c.Counsellor = 101, 0
	mustSaveCase(t, p, c)
	for staff, want := range map[int64]string{100: "[2002]", 200: "[]", 101: "[2001]"} {
		if got := caseKeys(t, p, staff); fmt.Sprint(got) != want {
			t.Errorf("CasesOf(%d) = %v, want %s", staff, got, want)
		}
	}
}

func TestAZeroLinkedTimeIsSetToNow(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	mustSaveCase(t, e.people, domain.Case{Key: "1", Director: 5})
	if got := mustCase(t, e.people, "1"); !got.Linked.Equal(fixedNow) {
		t.Errorf("Linked = %v, want %v", got.Linked, fixedNow)
	}
}

func TestSaveCaseRefusesACaseWithoutKeyOrDirector(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	for _, c := range []domain.Case{{Director: 5}, {Key: "1"}} {
		if err := e.people.Cases.SaveCase(context.Background(), c); err == nil {
			t.Errorf("SaveCase(%+v) succeeded", c)
		}
	}
}

func TestFirstNamesAndNotesAreNotReadableInRedisOrOnDisk(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	mustSaveCase(t, e.people, domain.Case{Key: "3001", Director: 100, Counsellor: 200, FirstName: secrets[0], Note: secrets[1], Linked: fixedNow, Delivered: fixedNow.Add(time.Hour)})
	if err := e.people.Cases.MoveCase(context.Background(), "3001", "3002"); err != nil {
		t.Fatal(err)
	}
	d := e.dump(t)
	for _, s := range secrets[:2] {
		if bytes.Contains(d, []byte(s)) {
			t.Errorf("%q is readable in Redis or its files", s)
		}
	}
	got := e.client.HGetAll(context.Background(), "t:case:3002").Val()
	want := map[string]string{
		"director": "100", "counsellor": "200",
		"linked": itoa(fixedNow.Unix()), "delivered": itoa(fixedNow.Add(time.Hour).Unix()),
		"acknowledged": "0", "ack_by": "0", "reminded": "0", "escalated": "0",
	}
	for f, v := range want {
		if got[f] != v {
			t.Errorf("plain field %s = %q, want %q", f, got[f], v)
		}
	}
	if len(got) != len(want)+1 || got["data"] == "" {
		t.Errorf("record has fields %v, want %v and data", keysOf(got), keysOf(want))
	}
}

func TestACaseChangedInRedisIsRefusedNotTrusted(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	p := e.people
	mustSaveCase(t, p, domain.Case{Key: "4001", Director: 100, FirstName: "Ada"})
	mustSaveCase(t, p, domain.Case{Key: "4002", Director: 101, FirstName: "Bo"})

	// Someone with write access hands a case to another director...
	e.client.HSet(ctx, "t:case:4001", "director", "666")
	if _, _, err := p.Cases.Case(ctx, "4001"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("plain director changed: err = %v, want ErrCorrupt", err)
	}
	// ... or copies one case's record onto another.
	e.client.HSet(ctx, "t:case:4002", "data", e.client.HGet(ctx, "t:case:4001", "data").Val())
	if _, _, err := p.Cases.Case(ctx, "4002"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("record copied from another case: err = %v, want ErrCorrupt", err)
	}
}

func TestCasesOfNeverShowsACaseThatIsNotTheirs(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	mustSaveCase(t, e.people, domain.Case{Key: "5001", Director: 100, FirstName: "Ada"})
	e.client.ZAdd(ctx, "t:staff:999:cases", redisZ(1, "5001"), redisZ(2, "gone"))
	if got := caseKeys(t, e.people, 999); len(got) != 0 {
		t.Errorf("CasesOf(999) = %v: shows another director's case or a missing one", got)
	}
	if n := e.client.ZCard(ctx, "t:staff:999:cases").Val(); n != 0 {
		t.Errorf("%d stray entries left in the list", n)
	}
}

func TestMoveCaseTakesItsListsAndDueTimeAlong(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	p := e.people
	c := domain.Case{Key: "6001", Director: 100, Counsellor: 200, FirstName: "Ada", Note: "n", Linked: fixedNow, Delivered: fixedNow}
	mustSaveCase(t, p, c)
	mustSaveCase(t, p, domain.Case{Key: "6100", Director: 100, FirstName: "Bo", Linked: fixedNow.Add(time.Minute)})
	due := fixedNow.Add(48 * time.Hour)
	if err := p.Cases.ScheduleDue(ctx, "6001", due); err != nil {
		t.Fatal(err)
	}

	if err := p.Cases.MoveCase(ctx, "6001", "6002"); err != nil {
		t.Fatalf("MoveCase: %v", err)
	}
	if _, ok, err := p.Cases.Case(ctx, "6001"); ok || err != nil {
		t.Errorf("old key: %v, %v; want gone", ok, err)
	}
	want := c
	want.Key = "6002"
	if got := mustCase(t, p, "6002"); !sameCase(got, want) {
		t.Errorf("moved case = %+v, want %+v", got, want)
	}
	if got := caseKeys(t, p, 100); fmt.Sprint(got) != "[6100 6002]" {
		t.Errorf("director's list = %v, want [6100 6002]", got)
	}
	if got := caseKeys(t, p, 200); fmt.Sprint(got) != "[6002]" {
		t.Errorf("counsellor's list = %v, want [6002]", got)
	}
	if claimed, _ := p.Cases.ClaimDue(ctx, due, time.Minute, 10); fmt.Sprint(claimed) != "[6002]" {
		t.Errorf("due at the old time: %v, want [6002]", claimed)
	}

	if err := p.Cases.MoveCase(ctx, "6002", "6002"); err != nil {
		t.Errorf("moving onto itself: %v", err)
	}
}

func TestMoveCaseRefusesToOverwriteOrToMoveNothing(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	p := e.people
	a := domain.Case{Key: "7001", Director: 100, FirstName: "Ada", Linked: fixedNow}
	b := domain.Case{Key: "7002", Director: 101, FirstName: "Bo", Linked: fixedNow}
	mustSaveCase(t, p, a)
	mustSaveCase(t, p, b)

	if err := p.Cases.MoveCase(ctx, "7001", "7002"); !errors.Is(err, domain.ErrCaseExists) {
		t.Errorf("onto an existing case: err = %v, want domain.ErrCaseExists", err)
	}
	if got := mustCase(t, p, "7001"); !sameCase(got, a) {
		t.Errorf("the case that was to move changed: %+v", got)
	}
	if got := mustCase(t, p, "7002"); !sameCase(got, b) {
		t.Errorf("the case in the way changed: %+v", got)
	}
	if got := caseKeys(t, p, 100); fmt.Sprint(got) != "[7001]" {
		t.Errorf("director's list = %v", got)
	}
	if err := p.Cases.MoveCase(ctx, "7999", "7998"); !errors.Is(err, domain.ErrCaseNotFound) {
		t.Errorf("moving a missing case: err = %v, want domain.ErrCaseNotFound", err)
	}
}

func TestDeleteCaseLeavesNoTrace(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	p := e.people
	mustSaveCase(t, p, domain.Case{Key: "8001", Director: 100, Counsellor: 200, FirstName: "Ada"})
	if err := p.Cases.ScheduleDue(ctx, "8001", fixedNow); err != nil {
		t.Fatal(err)
	}
	if err := p.Cases.DeleteCase(ctx, "8001"); err != nil {
		t.Fatal(err)
	}
	if keys := e.client.Keys(ctx, "*").Val(); len(keys) != 0 {
		t.Errorf("keys left after erasing the only case: %v", keys)
	}
	if err := p.Cases.DeleteCase(ctx, "8001"); err != nil {
		t.Errorf("erasing again: %v", err)
	}
}

// ChangeCase changes a case that exists, like SaveCase (reassigned to
// another director, too), and writes nothing at all for one that is gone
// or was erased between its read and its write: no record, no list entry.
func TestChangeCaseNeverBringsBackAnErasedCase(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	p := e.people
	deliver := func(c *domain.Case) bool { c.Delivered, c.Director = fixedNow.Add(time.Hour), 101; return true }
	if ok, err := p.Cases.ChangeCase(ctx, "8101", deliver); err != nil || ok {
		t.Fatalf("ChangeCase of a missing case = %v, %v; want false", ok, err)
	}
	if keys := e.client.Keys(ctx, "*").Val(); len(keys) != 0 {
		t.Fatalf("ChangeCase of a missing case wrote %v", keys)
	}
	mustSaveCase(t, p, domain.Case{Key: "8101", Director: 100, Counsellor: 200, FirstName: "Ada", Linked: fixedNow})
	if ok, err := p.Cases.ChangeCase(ctx, "8101", deliver); err != nil || !ok {
		t.Fatalf("ChangeCase = %v, %v", ok, err)
	}
	if got := mustCase(t, p, "8101"); !got.Delivered.Equal(fixedNow.Add(time.Hour)) || got.Director != 101 {
		t.Errorf("changed case = %+v", got)
	}
	if n := e.client.ZCard(ctx, "t:staff:100:cases").Val(); n != 0 {
		t.Errorf("the old director still lists the case")
	}
	ok, err := p.Cases.ChangeCase(ctx, "8101", func(c *domain.Case) bool {
		// /delete lands between the read and the write.
		if err := p.Cases.DeleteCase(ctx, "8101"); err != nil {
			t.Fatal(err)
		}
		c.Acknowledged = fixedNow.Add(2 * time.Hour)
		return true
	})
	if err != nil || ok {
		t.Fatalf("ChangeCase of an erased case = %v, %v; want false", ok, err)
	}
	if keys := e.client.Keys(ctx, "*").Val(); len(keys) != 0 {
		t.Errorf("ChangeCase brought back %v", keys)
	}
}

func TestConcurrentReassignmentsLeaveTheCaseOnExactlyOneDirectorsList(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	const writers = 12
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			p := NewPeople(e.srv.Client(t), mustCodec(t, testKey(1)), "t:", fixedClock)
			for j := range 5 {
				c := domain.Case{Key: "9001", Director: int64(300 + i), Counsellor: int64(400 + j), FirstName: "Ada", Linked: fixedNow}
				if err := p.Cases.SaveCase(ctx, c); err != nil {
					t.Errorf("SaveCase: %v", err)
				}
			}
		}()
	}
	close(start)
	wg.Wait()

	final := mustCase(t, e.people, "9001")
	for i := range writers {
		want := "[]"
		if int64(300+i) == final.Director {
			want = "[9001]"
		}
		if got := caseKeys(t, e.people, int64(300+i)); fmt.Sprint(got) != want {
			t.Errorf("director %d's list = %v, want %s (case is with %d)", 300+i, got, want, final.Director)
		}
	}
	for j := range 5 {
		n := e.client.ZCard(ctx, fmt.Sprintf("t:staff:%d:cases", 400+j)).Val()
		if want := int64(0); int64(400+j) == final.Counsellor {
			if n != 1 {
				t.Errorf("counsellor %d's list has %d entries, want 1", 400+j, n)
			}
		} else if n != want {
			t.Errorf("counsellor %d's list has %d entries, want 0", 400+j, n)
		}
	}
}

func TestTidyingAListNeverDropsACaseThatIsTheirsByThen(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	p := e.people
	// CasesOf saw 9101 as someone else's, but by the time it tidies, the
	// case has been handed to 999; 9102 is gone for good.
	mustSaveCase(t, p, domain.Case{Key: "9101", Director: 999, FirstName: "Ada"})
	e.client.ZAdd(ctx, "t:staff:999:cases", redisZ(2, "9102"))
	err := tidyCasesScript.Run(ctx, e.client, []string{"t:staff:999:cases", "t:case:9101", "t:case:9102"}, "999", "9101", "9102").Err()
	if err != nil {
		t.Fatal(err)
	}
	if got := e.client.ZRange(ctx, "t:staff:999:cases", 0, -1).Val(); fmt.Sprint(got) != "[9101]" {
		t.Errorf("list after tidying = %v, want [9101]", got)
	}
}
