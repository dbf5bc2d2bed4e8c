package jobqueue

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/storage/redistest"
)

func newJobs(t *testing.T) (*Jobs, *redistest.Server) {
	t.Helper()
	srv := redistest.Start(t)
	return NewJobs(srv.Client(t), "t:"), srv
}

func mustScheduleJob(t *testing.T, j *Jobs, kind, id string, at time.Time) {
	t.Helper()
	if err := j.Schedule(context.Background(), kind, id, at); err != nil {
		t.Fatalf("Schedule: %v", err)
	}
}

func claimJobs(t *testing.T, j *Jobs, kind string, now time.Time, lease time.Duration, limit int) []string {
	t.Helper()
	got, err := j.Claim(context.Background(), kind, now, lease, limit)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	return got
}

func TestJobsClaimHandsOutDueJobsOfOneKindWithALease(t *testing.T) {
	t.Parallel()
	j, srv := newJobs(t)
	const lease = time.Minute
	mustScheduleJob(t, j, "reminder", "b", fixedNow.Add(-time.Second))
	mustScheduleJob(t, j, "reminder", "a", fixedNow.Add(-2*time.Second))
	mustScheduleJob(t, j, "reminder", "now", fixedNow)
	mustScheduleJob(t, j, "reminder", "later", fixedNow.Add(time.Hour))
	mustScheduleJob(t, j, "checkin", "other-kind", fixedNow.Add(-time.Hour))
	mustScheduleJob(t, j, "reminder", "cancelled", fixedNow.Add(-time.Hour))
	if err := j.Cancel(context.Background(), "reminder", "cancelled"); err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		name  string
		now   time.Time
		limit int
		want  []string
	}{
		{"the due ones, earliest first, up to the limit", fixedNow, 2, []string{"a", "b"}},
		{"the rest of the due ones", fixedNow, 10, []string{"now"}},
		{"nothing while they are leased", fixedNow.Add(lease - time.Millisecond), 10, nil},
		{"all three again when the lease ran out", fixedNow.Add(lease), 10, []string{"a", "b", "now"}},
		{"a limit below one claims nothing", fixedNow.Add(time.Hour), 0, nil},
		{"an hour on, the leases ran out and the later one is due", fixedNow.Add(time.Hour), 10, []string{"a", "b", "now", "later"}},
	}
	for _, step := range steps {
		if got := claimJobs(t, j, "reminder", step.now, lease, step.limit); !slices.Equal(got, step.want) {
			t.Errorf("%s: claimed %v, want %v", step.name, got, step.want)
		}
	}
	score, err := srv.Client(t).ZScore(context.Background(), "t:jobs:reminder", "later").Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := float64(fixedNow.Add(time.Hour + lease).UnixMilli()); score != want {
		t.Errorf("a claimed job is due again at %v, want now+lease %v", score, want)
	}
}

func TestJobsDoneRemovesAJobOnlyUnderItsOwnLease(t *testing.T) {
	t.Parallel()
	const lease = time.Minute
	until := fixedNow.Add(lease)
	tests := []struct {
		name      string
		meanwhile func(t *testing.T, j *Jobs)
		wantDue   []string // claimable a day later
	}{
		{"finished: gone", func(*testing.T, *Jobs) {}, nil},
		{"scheduled again by its run: kept", func(t *testing.T, j *Jobs) {
			mustScheduleJob(t, j, "reminder", "r1", fixedNow.Add(time.Hour))
		}, []string{"r1"}},
		{"claimed again by another after the lease: kept", func(t *testing.T, j *Jobs) {
			claimJobs(t, j, "reminder", until, lease, 1)
		}, []string{"r1"}},
		{"cancelled meanwhile: still gone", func(t *testing.T, j *Jobs) {
			if err := j.Cancel(context.Background(), "reminder", "r1"); err != nil {
				t.Fatal(err)
			}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			j, _ := newJobs(t)
			mustScheduleJob(t, j, "reminder", "r1", fixedNow)
			claimJobs(t, j, "reminder", fixedNow, lease, 1)
			tt.meanwhile(t, j)
			if err := j.Done(context.Background(), "reminder", "r1", until); err != nil {
				t.Fatalf("Done: %v", err)
			}
			if got := claimJobs(t, j, "reminder", fixedNow.Add(24*time.Hour), lease, 10); !slices.Equal(got, tt.wantDue) {
				t.Errorf("a day later %v is due, want %v", got, tt.wantDue)
			}
		})
	}
}

func TestJobClaimedAndNotDoneComesBackAfterTheLeaseAlsoAfterARestart(t *testing.T) {
	t.Parallel()
	j, srv := newJobs(t)
	const lease = 5 * time.Minute
	mustScheduleJob(t, j, "reminder", "r1", fixedNow)
	if got := claimJobs(t, j, "reminder", fixedNow, lease, 10); !slices.Equal(got, []string{"r1"}) {
		t.Fatalf("claimed %v, want [r1]", got)
	}
	// The claimer dies here; so does Redis, and comes back from its AOF.
	srv.Kill(t)
	srv.StartAgain(t)
	j = NewJobs(srv.Client(t), "t:")
	if got := claimJobs(t, j, "reminder", fixedNow.Add(lease-time.Second), lease, 10); len(got) != 0 {
		t.Errorf("claimed %v within the lease, want nothing", got)
	}
	if got := claimJobs(t, j, "reminder", fixedNow.Add(lease), lease, 10); !slices.Equal(got, []string{"r1"}) {
		t.Errorf("claimed %v after the lease, want [r1] again", got)
	}
}

func TestTwoClaimersRacingGetEachJobExactlyOnceWithinALease(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	const n = 1000
	ctx := context.Background()
	setup := NewJobs(srv.Client(t), "t:")
	for i := range n {
		mustScheduleJob(t, setup, "reminder", fmt.Sprintf("job-%04d", i), fixedNow.Add(-time.Duration(i)*time.Millisecond))
	}
	claimers := []*Jobs{NewJobs(srv.Client(t), "t:"), NewJobs(srv.Client(t), "t:")}
	got := make([][]string, len(claimers))
	var wg sync.WaitGroup
	for c, j := range claimers {
		wg.Go(func() {
			for {
				ids, err := j.Claim(ctx, "reminder", fixedNow, time.Hour, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ids) == 0 {
					return
				}
				got[c] = append(got[c], ids...)
			}
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for _, ids := range got {
		for _, id := range ids {
			seen[id]++
		}
	}
	for id, times := range seen {
		if times != 1 {
			t.Errorf("%s claimed %d times within one lease", id, times)
		}
	}
	if len(seen) != n {
		t.Errorf("%d jobs claimed, want all %d", len(seen), n)
	}
	if len(got[0]) == 0 || len(got[1]) == 0 {
		t.Logf("one claimer took all (%d and %d): the race was not exercised this time", len(got[0]), len(got[1]))
	}
}

func TestLeaseIsHeldByOneUntilItsTTLEnds(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx := context.Background()
	replicas := []*Leases{NewLeases(srv.Client(t), "t:"), NewLeases(srv.Client(t), "t:")}
	const ttl = 200 * time.Millisecond
	acquire := func(l *Leases, name string) bool {
		t.Helper()
		ok, err := l.Acquire(ctx, name, ttl)
		if err != nil {
			t.Fatalf("Acquire: %v", err)
		}
		return ok
	}
	if !acquire(replicas[0], "trim-audit") {
		t.Fatal("the first replica did not get a free lease")
	}
	if acquire(replicas[1], "trim-audit") {
		t.Error("the second replica got a lease the first holds")
	}
	if !acquire(replicas[1], "prune-active") {
		t.Error("a lease of another name is not free")
	}
	pttl := srv.Client(t).PTTL(ctx, "t:lease:trim-audit").Val()
	if pttl <= 0 || pttl > ttl {
		t.Errorf("the lease expires in %v, want within %v", pttl, ttl)
	}
	time.Sleep(ttl + 50*time.Millisecond)
	if !acquire(replicas[1], "trim-audit") {
		t.Error("the lease is not free after its ttl")
	}
}

func TestJobsAndLeasesReportRedisDown(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	// No retries: the first refused connection is the answer.
	client := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	j, l := NewJobs(client, "t:"), NewLeases(client, "t:")
	srv.Stop(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	calls := map[string]func() error{
		"Schedule": func() error { return j.Schedule(ctx, "k", "id", fixedNow) },
		"Cancel":   func() error { return j.Cancel(ctx, "k", "id") },
		"Claim":    func() error { _, err := j.Claim(ctx, "k", fixedNow, time.Minute, 1); return err },
		"Done":     func() error { return j.Done(ctx, "k", "id", fixedNow) },
		"Acquire":  func() error { _, err := l.Acquire(ctx, "trim", time.Minute); return err },
	}
	for name, call := range calls {
		if err := call(); err == nil {
			t.Errorf("%s with Redis down: no error", name)
		}
	}
}

// fixedNow is the clock of these tests.
var fixedNow = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
