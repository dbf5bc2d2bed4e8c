package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

var casesContract = []contract{
	{"ListedPerDirectorAndCounsellorNewestFirst", casesListedNewestFirst},
	{"SavingAgainUpdatesItAndMovesItBetweenStaff", caseSavedAgain},
	{"AZeroLinkedTimeIsSetToNow", caseZeroLinkedIsNow},
	{"SaveRefusesACaseWithoutKeyOrDirector", caseSaveRefuses},
	{"MoveTakesItsListsAndDueTimeAlong", caseMoveTakesListsAndDue},
	{"MoveRefusesToOverwriteOrToMoveNothing", caseMoveRefuses},
	{"DeleteLeavesNoTrace", caseDeleteLeavesNoTrace},
	{"ChangeNeverBringsBackAnErasedCase", caseChangeNeverRevives},
	{"ChangeKeepsAConcurrentAcknowledgement", caseChangeKeepsConcurrentAck},
	{"ConcurrentReassignmentsLeaveItOnExactlyOneDirectorsList", caseConcurrentReassignments},
}

func mustSaveCase(t *testing.T, s Stores, c domain.Case) {
	t.Helper()
	if err := s.Cases.SaveCase(t.Context(), c); err != nil {
		t.Fatalf("SaveCase: %v", err)
	}
}

func mustCase(t *testing.T, s Stores, key string) domain.Case {
	t.Helper()
	c, ok, err := s.Cases.Case(t.Context(), key)
	if err != nil || !ok {
		t.Fatalf("Case(%q) = %v, %v", key, ok, err)
	}
	return c
}

func caseKeys(t *testing.T, s Stores, staff int64) []string {
	t.Helper()
	cs, err := s.Cases.CasesOf(t.Context(), staff)
	if err != nil {
		t.Fatalf("CasesOf(%d): %v", staff, err)
	}
	keys := []string{}
	for _, c := range cs {
		keys = append(keys, c.Key)
	}
	return keys
}

// noCase fails t unless the case under key is gone and nobody lists it.
func noCase(t *testing.T, s Stores, key string, staff ...int64) {
	t.Helper()
	if _, ok, err := s.Cases.Case(t.Context(), key); ok || err != nil {
		t.Errorf("Case(%s) = %v, %v; want gone", key, ok, err)
	}
	for _, id := range staff {
		if got := caseKeys(t, s, id); len(got) != 0 {
			t.Errorf("CasesOf(%d) = %v, want none", id, got)
		}
	}
}

func sameCase(a, b domain.Case) bool {
	return a.Key == b.Key && a.Director == b.Director && a.Counsellor == b.Counsellor &&
		a.FirstName == b.FirstName && a.Note == b.Note && a.Linked.Equal(b.Linked) &&
		a.Delivered.Equal(b.Delivered) && a.Acknowledged.Equal(b.Acknowledged) && a.AckBy == b.AckBy &&
		a.Reminded.Equal(b.Reminded) && a.Escalated.Equal(b.Escalated)
}

func casesListedNewestFirst(t *testing.T, open Open) {
	s := openFixed(t, open)
	at := func(min int) time.Time { return fixedNow.Add(time.Duration(min) * time.Minute) }
	cases := []domain.Case{
		{Key: "1001", Director: 100, Counsellor: 200, FirstName: "Ada", Note: "from the shelter", Linked: at(1)},
		{Key: "1002", Director: 100, FirstName: "Bo", Linked: at(3)},
		{Key: "1003", Director: 100, Counsellor: 200, FirstName: "Cas", Linked: at(2)},
		{Key: "1004", Director: 101, Counsellor: 201, FirstName: "Dee", Linked: at(4)},
	}
	for _, c := range cases {
		mustSaveCase(t, s, c)
	}
	for _, want := range cases {
		if got := mustCase(t, s, want.Key); !sameCase(got, want) {
			t.Errorf("Case(%s) = %+v, want %+v", want.Key, got, want)
		}
	}
	if _, ok, err := s.Cases.Case(t.Context(), "9999"); ok || err != nil {
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
		{"nobody", 0, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := caseKeys(t, s, tt.staff); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("CasesOf(%d) = %v, want %v", tt.staff, got, tt.want)
			}
		})
	}
}

func caseSavedAgain(t *testing.T, open Open) {
	s := openFixed(t, open)
	c := domain.Case{Key: "2001", Director: 100, Counsellor: 200, FirstName: "Ada", Linked: fixedNow}
	mustSaveCase(t, s, c)
	mustSaveCase(t, s, domain.Case{Key: "2002", Director: 100, Linked: fixedNow.Add(-time.Hour)})

	// The handoff goes on: delivered, then acknowledged.
	c.Delivered = fixedNow.Add(time.Hour)
	c.Acknowledged, c.AckBy = fixedNow.Add(2*time.Hour), 100
	mustSaveCase(t, s, c)
	if got := mustCase(t, s, "2001"); !sameCase(got, c) {
		t.Errorf("after update: %+v, want %+v", got, c)
	}
	if got := caseKeys(t, s, 100); fmt.Sprint(got) != "[2001 2002]" {
		t.Errorf("director's list after update = %v", got)
	}

	// Another director takes over; the counsellor leaves.
	c.Director, c.Counsellor = 101, 0
	mustSaveCase(t, s, c)
	for staff, want := range map[int64]string{100: "[2002]", 200: "[]", 101: "[2001]"} {
		if got := caseKeys(t, s, staff); fmt.Sprint(got) != want {
			t.Errorf("CasesOf(%d) = %v, want %s", staff, got, want)
		}
	}
}

func caseZeroLinkedIsNow(t *testing.T, open Open) {
	s := openFixed(t, open)
	mustSaveCase(t, s, domain.Case{Key: "1", Director: 5})
	if got := mustCase(t, s, "1"); !got.Linked.Equal(fixedNow) {
		t.Errorf("Linked = %v, want %v", got.Linked, fixedNow)
	}
}

func caseSaveRefuses(t *testing.T, open Open) {
	s := openFixed(t, open)
	for _, c := range []domain.Case{{Director: 5}, {Key: "1"}} {
		if err := s.Cases.SaveCase(t.Context(), c); err == nil {
			t.Errorf("SaveCase(%+v) succeeded", c)
		}
	}
	noCase(t, s, "1", 5)
}

func caseMoveTakesListsAndDue(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	c := domain.Case{Key: "6001", Director: 100, Counsellor: 200, FirstName: "Ada", Note: "n", Linked: fixedNow, Delivered: fixedNow}
	mustSaveCase(t, s, c)
	mustSaveCase(t, s, domain.Case{Key: "6100", Director: 100, FirstName: "Bo", Linked: fixedNow.Add(time.Minute)})
	due := fixedNow.Add(48 * time.Hour)
	if err := s.Due.ScheduleDue(ctx, "6001", due); err != nil {
		t.Fatal(err)
	}

	if err := s.Cases.MoveCase(ctx, "6001", "6002"); err != nil {
		t.Fatalf("MoveCase: %v", err)
	}
	if _, ok, err := s.Cases.Case(ctx, "6001"); ok || err != nil {
		t.Errorf("old key: %v, %v; want gone", ok, err)
	}
	want := c
	want.Key = "6002"
	if got := mustCase(t, s, "6002"); !sameCase(got, want) {
		t.Errorf("moved case = %+v, want %+v", got, want)
	}
	if got := caseKeys(t, s, 100); fmt.Sprint(got) != "[6100 6002]" {
		t.Errorf("director's list = %v, want [6100 6002]", got)
	}
	if got := caseKeys(t, s, 200); fmt.Sprint(got) != "[6002]" {
		t.Errorf("counsellor's list = %v, want [6002]", got)
	}
	if claimed, _ := s.Due.ClaimDue(ctx, due, time.Minute, 10); fmt.Sprint(claimed) != "[6002]" {
		t.Errorf("due at the old time: %v, want [6002]", claimed)
	}

	if err := s.Cases.MoveCase(ctx, "6002", "6002"); err != nil {
		t.Errorf("moving onto itself: %v", err)
	}
	if got := mustCase(t, s, "6002"); !sameCase(got, want) {
		t.Errorf("after moving onto itself: %+v, want %+v", got, want)
	}
}

func caseMoveRefuses(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	a := domain.Case{Key: "7001", Director: 100, FirstName: "Ada", Linked: fixedNow}
	b := domain.Case{Key: "7002", Director: 101, FirstName: "Bo", Linked: fixedNow}
	mustSaveCase(t, s, a)
	mustSaveCase(t, s, b)

	if err := s.Cases.MoveCase(ctx, "7001", "7002"); !errors.Is(err, domain.ErrCaseExists) {
		t.Errorf("onto an existing case: err = %v, want domain.ErrCaseExists", err)
	}
	if got := mustCase(t, s, "7001"); !sameCase(got, a) {
		t.Errorf("the case that was to move changed: %+v", got)
	}
	if got := mustCase(t, s, "7002"); !sameCase(got, b) {
		t.Errorf("the case in the way changed: %+v", got)
	}
	if got := caseKeys(t, s, 100); fmt.Sprint(got) != "[7001]" {
		t.Errorf("director's list = %v", got)
	}
	if err := s.Cases.MoveCase(ctx, "7999", "7998"); !errors.Is(err, domain.ErrCaseNotFound) {
		t.Errorf("moving a missing case: err = %v, want domain.ErrCaseNotFound", err)
	}
	if err := s.Cases.MoveCase(ctx, "7999", "7002"); !errors.Is(err, domain.ErrCaseNotFound) {
		t.Errorf("moving a missing case onto an existing one: err = %v, want domain.ErrCaseNotFound", err)
	}
	for _, keys := range [][2]string{{"", "7003"}, {"7001", ""}} {
		if err := s.Cases.MoveCase(ctx, keys[0], keys[1]); err == nil {
			t.Errorf("MoveCase(%q, %q) succeeded", keys[0], keys[1])
		}
	}
}

func caseDeleteLeavesNoTrace(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	mustSaveCase(t, s, domain.Case{Key: "8001", Director: 100, Counsellor: 200, FirstName: "Ada"})
	if err := s.Due.ScheduleDue(ctx, "8001", fixedNow); err != nil {
		t.Fatal(err)
	}
	if err := s.Cases.DeleteCase(ctx, "8001"); err != nil {
		t.Fatal(err)
	}
	noCase(t, s, "8001", 100, 200)
	if claimed, err := s.Due.ClaimDue(ctx, fixedNow, time.Minute, 10); len(claimed) != 0 || err != nil {
		t.Errorf("ClaimDue after the erasure = %v, %v; want nothing", claimed, err)
	}
	if err := s.Cases.DeleteCase(ctx, "8001"); err != nil {
		t.Errorf("erasing again: %v", err)
	}
}

// ChangeCase changes a case that exists, like SaveCase (reassigned to
// another director, too), and writes nothing at all for one that is gone
// or was erased between its read and its write.
func caseChangeNeverRevives(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	deliver := func(c *domain.Case) bool { c.Delivered, c.Director = fixedNow.Add(time.Hour), 101; return true }
	if ok, err := s.Cases.ChangeCase(ctx, "8101", deliver); err != nil || ok {
		t.Fatalf("ChangeCase of a missing case = %v, %v; want false", ok, err)
	}
	noCase(t, s, "8101", 101)
	mustSaveCase(t, s, domain.Case{Key: "8101", Director: 100, Counsellor: 200, FirstName: "Ada", Linked: fixedNow})
	if ok, err := s.Cases.ChangeCase(ctx, "8101", deliver); err != nil || !ok {
		t.Fatalf("ChangeCase = %v, %v", ok, err)
	}
	if got := mustCase(t, s, "8101"); !got.Delivered.Equal(fixedNow.Add(time.Hour)) || got.Director != 101 {
		t.Errorf("changed case = %+v", got)
	}
	if got := caseKeys(t, s, 100); len(got) != 0 {
		t.Errorf("the old director still lists the case: %v", got)
	}
	ok, err := s.Cases.ChangeCase(ctx, "8101", func(c *domain.Case) bool {
		// /delete lands between the read and the write.
		if err := s.Cases.DeleteCase(ctx, "8101"); err != nil {
			t.Fatal(err)
		}
		c.Acknowledged = fixedNow.Add(2 * time.Hour)
		return true
	})
	if err != nil || ok {
		t.Fatalf("ChangeCase of an erased case = %v, %v; want false", ok, err)
	}
	noCase(t, s, "8101", 100, 101, 200)
}

// ChangeCase changes only what its function changes, on the case as it is
// when written: an acknowledgement that lands between its read and its
// write is kept (the function is asked again and declines), and so is a
// reassignment.
func caseChangeKeepsConcurrentAck(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	delivered := fixedNow.Add(time.Hour)
	mustSaveCase(t, s, domain.Case{Key: "8301", Director: 100, FirstName: "Ada", Linked: fixedNow, Delivered: delivered})
	acked := fixedNow.Add(2 * time.Hour)
	calls := 0
	ok, err := s.Cases.ChangeCase(ctx, "8301", func(c *domain.Case) bool {
		calls++
		if calls == 1 {
			// The director presses the button now, and another director
			// takes the case over.
			d := *c
			d.Acknowledged, d.AckBy, d.Director = acked, 100, 101
			if err := s.Cases.SaveCase(ctx, d); err != nil {
				t.Fatalf("SaveCase: %v", err)
			}
		}
		if !c.Acknowledged.IsZero() {
			return false
		}
		c.Reminded = fixedNow.Add(3 * time.Hour)
		return true
	})
	if err != nil || ok {
		t.Fatalf("ChangeCase = %v, %v; want false: acknowledged meanwhile", ok, err)
	}
	if calls != 2 {
		t.Errorf("the change was asked %d times, want 2", calls)
	}
	got := mustCase(t, s, "8301")
	if !got.Acknowledged.Equal(acked) || got.AckBy != 100 || got.Director != 101 || !got.Reminded.IsZero() {
		t.Errorf("case = %+v: the acknowledgement or the reassignment was lost", got)
	}

	// Unhindered, it writes.
	ok, err = s.Cases.ChangeCase(ctx, "8301", func(c *domain.Case) bool { c.Escalated = fixedNow.Add(4 * time.Hour); return true })
	if err != nil || !ok {
		t.Fatalf("ChangeCase = %v, %v", ok, err)
	}
	if got := mustCase(t, s, "8301"); !got.Escalated.Equal(fixedNow.Add(4*time.Hour)) || got.Director != 101 || got.FirstName != "Ada" {
		t.Errorf("case = %+v", got)
	}

	// An erased case is not brought back, and the function is not asked.
	if err := s.Cases.DeleteCase(ctx, "8301"); err != nil {
		t.Fatal(err)
	}
	ok, err = s.Cases.ChangeCase(ctx, "8301", func(c *domain.Case) bool { t.Error("asked to change an erased case"); return true })
	if err != nil || ok {
		t.Fatalf("ChangeCase of an erased case = %v, %v", ok, err)
	}
	noCase(t, s, "8301", 100, 101)
}

func caseConcurrentReassignments(t *testing.T, open Open) {
	s := openFixed(t, open)
	const writers = 12
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range writers {
		wg.Go(func() {
			r := s.replica(t)
			<-start
			for j := range 5 {
				c := domain.Case{Key: "9001", Director: int64(300 + i), Counsellor: int64(400 + j), FirstName: "Ada", Linked: fixedNow}
				if err := r.Cases.SaveCase(t.Context(), c); err != nil {
					t.Errorf("SaveCase: %v", err)
				}
			}
		})
	}
	close(start)
	wg.Wait()

	final := mustCase(t, s, "9001")
	for i := range writers {
		want := "[]"
		if int64(300+i) == final.Director {
			want = "[9001]"
		}
		if got := caseKeys(t, s, int64(300+i)); fmt.Sprint(got) != want {
			t.Errorf("director %d's list = %v, want %s (case is with %d)", 300+i, got, want, final.Director)
		}
	}
	for j := range 5 {
		want := "[]"
		if int64(400+j) == final.Counsellor {
			want = "[9001]"
		}
		if got := caseKeys(t, s, int64(400+j)); fmt.Sprint(got) != want {
			t.Errorf("counsellor %d's list = %v, want %s", 400+j, got, want)
		}
	}
}
