package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

var dueContract = []contract{
	{"ClaimReturnsOnlyDueCasesAndPushesThemBackByTheLease", dueClaimWithLease},
	{"ClaimTakesAtMostLimit", dueClaimAtMostLimit},
	{"ACancelledOrMovedDueTimeIsNotClaimed", dueCancelledOrMoved},
	{"ScheduleAfterAnErasureWritesNothing", dueScheduleAfterErasure},
	{"AClaimerThatCrashesLeavesTheCaseDueAgainAfterTheLease", dueCrashedClaimer},
	{"ConcurrentClaimersNeverGetTheSameCase", dueConcurrentClaimers},
}

// mustSchedule schedules the case under key, saving one first if there is
// none: a due time is only kept for a case that exists.
func mustSchedule(t *testing.T, s Stores, key string, at time.Time) {
	t.Helper()
	if _, ok, err := s.Cases.Case(t.Context(), key); err != nil {
		t.Fatal(err)
	} else if !ok {
		mustSaveCase(t, s, domain.Case{Key: key, Director: 1, Linked: at})
	}
	if err := s.Due.ScheduleDue(t.Context(), key, at); err != nil {
		t.Fatalf("ScheduleDue: %v", err)
	}
}

func claim(t *testing.T, s Stores, now time.Time, lease time.Duration, limit int) string {
	t.Helper()
	got, err := s.Due.ClaimDue(t.Context(), now, lease, limit)
	if err != nil {
		t.Fatalf("ClaimDue: %v", err)
	}
	return fmt.Sprint(got)
}

func dueClaimWithLease(t *testing.T, open Open) {
	s := openFixed(t, open)
	mustSchedule(t, s, "b", fixedNow.Add(-time.Second))
	mustSchedule(t, s, "a", fixedNow.Add(-2*time.Second))
	mustSchedule(t, s, "c", fixedNow.Add(time.Minute))
	mustSchedule(t, s, "now", fixedNow)

	if got := claim(t, s, fixedNow, 30*time.Second, 10); got != "[a b now]" {
		t.Errorf("first claim = %s, want the due ones, earliest first: [a b now]", got)
	}
	if got := claim(t, s, fixedNow, 30*time.Second, 10); got != "[]" {
		t.Errorf("second claim at once = %s, want nothing (they are leased)", got)
	}
	if got := claim(t, s, fixedNow.Add(30*time.Second-time.Millisecond), time.Hour, 10); got != "[]" {
		t.Errorf("claim just before the lease ends = %s, want nothing", got)
	}
	if got := claim(t, s, fixedNow.Add(30*time.Second), time.Hour, 10); got != "[a b now]" {
		t.Errorf("claim after the lease = %s, want [a b now] again", got)
	}
	if got := claim(t, s, fixedNow.Add(time.Minute), 30*time.Second, 10); got != "[c]" {
		t.Errorf("claim a minute later = %s, want [c]", got)
	}
}

func dueClaimAtMostLimit(t *testing.T, open Open) {
	s := openFixed(t, open)
	for i := range 5 {
		mustSchedule(t, s, fmt.Sprint("k", i), fixedNow.Add(time.Duration(i-10)*time.Second))
	}
	for _, want := range []string{"[k0 k1]", "[k2 k3]", "[k4]", "[]"} {
		if got := claim(t, s, fixedNow, time.Minute, 2); got != want {
			t.Errorf("claim = %s, want %s", got, want)
		}
	}
	if got := claim(t, s, fixedNow.Add(time.Hour), time.Minute, 0); got != "[]" {
		t.Errorf("limit 0 claimed %s", got)
	}
	if _, err := s.Due.ClaimDue(t.Context(), fixedNow, 0, 10); err == nil {
		t.Error("a claim without lease succeeded")
	}
}

func dueCancelledOrMoved(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	mustSchedule(t, s, "cancelled", fixedNow.Add(-time.Second))
	mustSchedule(t, s, "moved", fixedNow.Add(-time.Second))
	mustSchedule(t, s, "moved", fixedNow.Add(time.Hour))
	if err := s.Due.CancelDue(ctx, "cancelled"); err != nil {
		t.Fatal(err)
	}
	if err := s.Due.CancelDue(ctx, "never scheduled"); err != nil {
		t.Errorf("cancelling nothing: %v", err)
	}
	if got := claim(t, s, fixedNow, time.Minute, 10); got != "[]" {
		t.Errorf("claim = %s, want nothing", got)
	}
	if got := claim(t, s, fixedNow.Add(time.Hour), time.Minute, 10); got != "[moved]" {
		t.Errorf("claim at the new time = %s, want [moved]", got)
	}
	if got := claim(t, s, fixedNow.Add(24*time.Hour), time.Minute, 10); got != "[moved]" {
		t.Errorf("claim a day later = %s, want only [moved]: the cancelled one came back", got)
	}
}

// Work that wrote a case just before a /delete then schedules its due
// time: the erased case gets no due entry back (its member is the chat ID).
func dueScheduleAfterErasure(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	mustSaveCase(t, s, domain.Case{Key: "8201", Director: 100, Linked: fixedNow})
	if ok, err := s.Cases.ChangeCase(ctx, "8201", func(c *domain.Case) bool { c.Acknowledged = fixedNow; return true }); err != nil || !ok {
		t.Fatalf("ChangeCase = %v, %v", ok, err)
	}
	// /delete lands here, between the write and the due time.
	if err := s.Cases.DeleteCase(ctx, "8201"); err != nil {
		t.Fatal(err)
	}
	if err := s.Due.ScheduleDue(ctx, "8201", fixedNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, s, fixedNow.Add(2*time.Hour), time.Minute, 10); got != "[]" {
		t.Errorf("ScheduleDue after the erasure left %s due", got)
	}
	noCase(t, s, "8201", 100)
	// A case that exists gets its due time.
	mustSaveCase(t, s, domain.Case{Key: "8202", Director: 100, Linked: fixedNow})
	mustSchedule(t, s, "8202", fixedNow)
	if got := claim(t, s, fixedNow, time.Minute, 10); got != "[8202]" {
		t.Errorf("claim = %s, want [8202]", got)
	}
	if err := s.Due.ScheduleDue(ctx, "", fixedNow); err == nil {
		t.Error("ScheduleDue without a case key succeeded")
	}
}

func dueCrashedClaimer(t *testing.T, open Open) {
	s := openFixed(t, open)
	mustSchedule(t, s, "4711", fixedNow)
	if got := claim(t, s, fixedNow, time.Minute, 10); got != "[4711]" {
		t.Fatalf("claim = %s", got)
	}
	// The replica dies here: no CancelDue, no ScheduleDue. Another one
	// keeps claiming.
	other := s.replica(t)
	if got := claim(t, other, fixedNow.Add(59*time.Second), time.Minute, 10); got != "[]" {
		t.Errorf("within the lease: %s, want nothing", got)
	}
	if got := claim(t, other, fixedNow.Add(time.Minute), time.Minute, 10); got != "[4711]" {
		t.Errorf("after the lease: %s, want [4711]", got)
	}
}

func dueConcurrentClaimers(t *testing.T, open Open) {
	s := openFixed(t, open)
	const cases, claimers = 300, 8
	for i := range cases {
		mustSchedule(t, s, fmt.Sprint(i), fixedNow.Add(-time.Duration(i)*time.Millisecond))
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		start = make(chan struct{})
		taken = make(map[string]int)
	)
	for range claimers {
		wg.Go(func() {
			r := s.replica(t)
			<-start
			for {
				got, err := r.Due.ClaimDue(t.Context(), fixedNow, time.Minute, 7)
				if err != nil {
					t.Errorf("ClaimDue: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, k := range got {
					taken[k]++
				}
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if len(taken) != cases {
		t.Errorf("%d of %d cases claimed", len(taken), cases)
	}
	for k, n := range taken {
		if n != 1 {
			t.Errorf("case %s claimed %d times", k, n)
		}
	}
}
