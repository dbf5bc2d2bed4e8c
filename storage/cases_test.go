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
	got := e.client.HGetAll(context.Background(), L("t:case:3002")).Val()
	want := map[string]string{
		// Staff stand in the plain fields by their names, never their IDs.
		"director": N("100"), "counsellor": N("200"),
		"linked": itoa(fixedNow.Unix()), "delivered": itoa(fixedNow.Add(time.Hour).Unix()),
		"acknowledged": "0", "reminded": "0", "escalated": "0",
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
	e.client.HSet(ctx, L("t:case:4001"), "director", "666")
	if _, _, err := p.Cases.Case(ctx, "4001"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("plain director changed: err = %v, want ErrCorrupt", err)
	}
	// ... or copies one case's record onto another.
	e.client.HSet(ctx, L("t:case:4002"), "data", e.client.HGet(ctx, L("t:case:4001"), "data").Val())
	if _, _, err := p.Cases.Case(ctx, "4002"); !errors.Is(err, ErrCorrupt) {
		t.Errorf("record copied from another case: err = %v, want ErrCorrupt", err)
	}
}

func TestCasesOfNeverShowsACaseThatIsNotTheirs(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	mustSaveCase(t, e.people, domain.Case{Key: "5001", Director: 100, FirstName: "Ada"})
	e.client.ZAdd(ctx, L("t:staff:999:cases"), redisZ(1, N("5001")), redisZ(2, N("gone")))
	if got := caseKeys(t, e.people, 999); len(got) != 0 {
		t.Errorf("CasesOf(999) = %v: shows another director's case or a missing one", got)
	}
	if n := e.client.ZCard(ctx, L("t:staff:999:cases")).Val(); n != 0 {
		t.Errorf("%d stray entries left in the list", n)
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
	k := p.Cases.keys
	e.client.ZAdd(ctx, k.casesKey(999), redisZ(2, k.member("9102")))
	for _, c := range []string{"9101", "9102"} {
		if err := p.Cases.unlistNames(ctx, k.caseKey(c), k.member(c), []string{k.userMember(999)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.client.ZRange(ctx, k.casesKey(999), 0, -1).Val(); fmt.Sprint(got) != "["+k.member("9101")+"]" {
		t.Errorf("list after tidying = %v, want [%s]", got, k.member("9101"))
	}
}

// The contract (storetest) covers what callers see of cases; here, that
// erasing, or a change that loses to an erasure, leaves no key behind.
func TestErasedCasesLeaveNoKeys(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	p := e.people
	noKeys := func(when string) {
		t.Helper()
		if keys := e.client.Keys(ctx, "*").Val(); len(keys) != 0 {
			t.Errorf("%s: keys left: %v", when, keys)
		}
	}
	mustSaveCase(t, p, domain.Case{Key: "8001", Director: 100, Counsellor: 200, FirstName: "Ada"})
	if err := p.Cases.ScheduleDue(ctx, "8001", fixedNow); err != nil {
		t.Fatal(err)
	}
	if err := p.Cases.DeleteCase(ctx, "8001"); err != nil {
		t.Fatal(err)
	}
	noKeys("after erasing the only case")

	deliver := func(c *domain.Case) bool { c.Delivered, c.Director = fixedNow.Add(time.Hour), 101; return true }
	if _, err := p.Cases.ChangeCase(ctx, "8101", deliver); err != nil {
		t.Fatal(err)
	}
	noKeys("after changing a missing case")
	mustSaveCase(t, p, domain.Case{Key: "8101", Director: 100, Counsellor: 200, FirstName: "Ada", Linked: fixedNow})
	if _, err := p.Cases.ChangeCase(ctx, "8101", deliver); err != nil {
		t.Fatal(err)
	}
	if n := e.client.ZCard(ctx, L("t:staff:100:cases")).Val(); n != 0 {
		t.Errorf("the old director's list keeps the case")
	}
	if _, err := p.Cases.ChangeCase(ctx, "8101", func(c *domain.Case) bool {
		if err := p.Cases.DeleteCase(ctx, "8101"); err != nil {
			t.Fatal(err)
		}
		c.Acknowledged = fixedNow.Add(2 * time.Hour)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	noKeys("after a change that lost to an erasure")

	mustSaveCase(t, p, domain.Case{Key: "8201", Director: 100, Linked: fixedNow})
	if err := p.Cases.DeleteCase(ctx, "8201"); err != nil {
		t.Fatal(err)
	}
	if err := p.Cases.ScheduleDue(ctx, "8201", fixedNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	noKeys("after scheduling an erased case")
}

// Reassignments race between the write and the lists; whoever wins, the
// owners' lists hold the case and, once read, no other list does.
func TestConcurrentReassignmentsLeaveNoStaleListEntries(t *testing.T) {
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
	// The lists are in other slots than the case on Redis Cluster, so a
	// writer's list entry may land after another writer took the case
	// over: such a stale entry is never shown, and the first CasesOf takes
	// it away. What must never happen is a missing entry of the owner.
	for _, id := range []int64{300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 400, 401, 402, 403, 404} {
		if _, err := e.people.Cases.CasesOf(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []int64{300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 400, 401, 402, 403, 404} {
		want := int64(0)
		if id == final.Director || id == final.Counsellor {
			want = 1
		}
		if n := e.client.ZCard(ctx, L(fmt.Sprintf("t:staff:%d:cases", id))).Val(); n != want {
			t.Errorf("staff %d's list has %d entries, want %d", id, n, want)
		}
	}
}
