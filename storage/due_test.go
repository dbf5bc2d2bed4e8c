package storage

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

// mustSchedule schedules the case under key, saving one first if there is
// none: a due time is only kept for a case that exists.
func mustSchedule(t *testing.T, p *People, key string, at time.Time) {
	t.Helper()
	if _, ok, err := p.Cases.Case(context.Background(), key); err != nil {
		t.Fatal(err)
	} else if !ok {
		mustSaveCase(t, p, domain.Case{Key: key, Director: 1, Linked: at})
	}
	if err := p.Cases.ScheduleDue(context.Background(), key, at); err != nil {
		t.Fatalf("ScheduleDue: %v", err)
	}
}

func claim(t *testing.T, p *People, now time.Time, lease time.Duration, limit int) string {
	t.Helper()
	got, err := p.Cases.ClaimDue(context.Background(), now, lease, limit)
	if err != nil {
		t.Fatalf("ClaimDue: %v", err)
	}
	return fmt.Sprint(got)
}

func TestClaimDueReturnsOnlyDueCasesAndPushesThemBackByTheLease(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	p := e.people
	mustSchedule(t, p, "b", fixedNow.Add(-time.Second))
	mustSchedule(t, p, "a", fixedNow.Add(-2*time.Second))
	mustSchedule(t, p, "c", fixedNow.Add(time.Minute))
	mustSchedule(t, p, "now", fixedNow)

	if got := claim(t, p, fixedNow, 30*time.Second, 10); got != "[a b now]" {
		t.Errorf("first claim = %s, want the due ones, earliest first: [a b now]", got)
	}
	if got := claim(t, p, fixedNow, 30*time.Second, 10); got != "[]" {
		t.Errorf("second claim at once = %s, want nothing (they are leased)", got)
	}
	score := e.client.ZScore(context.Background(), "t:due", "a").Val()
	if want := float64(fixedNow.Add(30 * time.Second).UnixMilli()); score != want {
		t.Errorf("a is due again at %v, want now+lease %v", score, want)
	}
	if got := claim(t, p, fixedNow.Add(30*time.Second), time.Hour, 10); got != "[a b now]" {
		t.Errorf("claim after the lease = %s, want [a b now] again", got)
	}
	if got := claim(t, p, fixedNow.Add(time.Minute), 30*time.Second, 10); got != "[c]" {
		t.Errorf("claim a minute later = %s, want [c]", got)
	}
}

func TestClaimDueTakesAtMostLimit(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	p := e.people
	for i := range 5 {
		mustSchedule(t, p, fmt.Sprint("k", i), fixedNow.Add(time.Duration(i-10)*time.Second))
	}
	for _, want := range []string{"[k0 k1]", "[k2 k3]", "[k4]", "[]"} {
		if got := claim(t, p, fixedNow, time.Minute, 2); got != want {
			t.Errorf("claim = %s, want %s", got, want)
		}
	}
	if got := claim(t, p, fixedNow.Add(time.Hour), time.Minute, 0); got != "[]" {
		t.Errorf("limit 0 claimed %s", got)
	}
	if _, err := p.Cases.ClaimDue(context.Background(), fixedNow, 0, 10); err == nil {
		t.Error("a claim without lease succeeded")
	}
}

func TestACancelledOrMovedDueTimeIsNotClaimed(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	p := e.people
	mustSchedule(t, p, "cancelled", fixedNow.Add(-time.Second))
	mustSchedule(t, p, "moved", fixedNow.Add(-time.Second))
	mustSchedule(t, p, "moved", fixedNow.Add(time.Hour))
	if err := p.Cases.CancelDue(ctx, "cancelled"); err != nil {
		t.Fatal(err)
	}
	if err := p.Cases.CancelDue(ctx, "never scheduled"); err != nil {
		t.Errorf("cancelling nothing: %v", err)
	}
	if got := claim(t, p, fixedNow, time.Minute, 10); got != "[]" {
		t.Errorf("claim = %s, want nothing", got)
	}
	if got := claim(t, p, fixedNow.Add(time.Hour), time.Minute, 10); got != "[moved]" {
		t.Errorf("claim at the new time = %s, want [moved]", got)
	}
	if n := e.client.ZCard(ctx, "t:due").Val(); n != 1 {
		t.Errorf("%d due entries, want 1", n)
	}
}

func TestAClaimerThatCrashesLeavesTheCaseDueAgainAfterTheLease(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	p := e.people
	mustSchedule(t, p, "4711", fixedNow)
	if got := claim(t, p, fixedNow, time.Minute, 10); got != "[4711]" {
		t.Fatalf("claim = %s", got)
	}
	// The replica dies here: no CancelDue, no ScheduleDue. Another one
	// (a new People on its own client) keeps claiming.
	other := NewPeople(e.srv.Client(t), mustCodec(t, testKey(1)), "t:", fixedClock)
	if got := claim(t, other, fixedNow.Add(59*time.Second), time.Minute, 10); got != "[]" {
		t.Errorf("within the lease: %s, want nothing", got)
	}
	if got := claim(t, other, fixedNow.Add(time.Minute), time.Minute, 10); got != "[4711]" {
		t.Errorf("after the lease: %s, want [4711]", got)
	}
}

func TestConcurrentClaimersNeverGetTheSameCase(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	const cases, claimers = 300, 8
	for i := range cases {
		mustSchedule(t, e.people, fmt.Sprint(i), fixedNow.Add(-time.Duration(i)*time.Millisecond))
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		start = make(chan struct{})
		taken = make(map[string]int)
	)
	for range claimers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := NewPeople(e.srv.Client(t), mustCodec(t, testKey(1)), "t:", fixedClock)
			<-start
			for {
				got, err := p.Cases.ClaimDue(context.Background(), fixedNow, time.Minute, 7)
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
		}()
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
