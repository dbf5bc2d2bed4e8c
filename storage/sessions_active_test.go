package storage

import (
	"context"
	"slices"
	"sort"
	"testing"
	"time"
)

func TestActiveSessionsAreCountedAndPruned(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	at := func(key string, ago time.Duration) {
		s := intakeSession(key)
		s.Updated = fixedNow.Add(-ago)
		mustSave(t, e.sessions, s)
	}
	at("2301", 3*time.Hour)
	at("2302", 2*time.Hour)
	at("2303", time.Hour)
	at("2304", 0)

	count := func(since time.Time) int64 {
		t.Helper()
		n, err := e.sessions.ActiveSince(ctx, since)
		if err != nil {
			t.Fatalf("ActiveSince: %v", err)
		}
		return n
	}
	if n := count(fixedNow.Add(-90 * time.Minute)); n != 2 {
		t.Errorf("active in the last 90 minutes: %d, want 2", n)
	}
	if n := count(fixedNow.Add(-time.Hour)); n != 2 {
		t.Errorf("active since exactly an hour ago: %d, want 2 (the bound counts)", n)
	}
	if n := count(time.Time{}); n != 4 {
		t.Errorf("active ever: %d, want 4", n)
	}

	// A later save moves the session, it does not count it twice.
	s := mustLoad(t, e.sessions, "2301")
	s.Updated = fixedNow
	mustSave(t, e.sessions, s)
	if n := count(fixedNow.Add(-90 * time.Minute)); n != 3 {
		t.Errorf("after 2301 answered again: %d active, want 3", n)
	}

	if err := e.sessions.Delete(ctx, "2304"); err != nil {
		t.Fatal(err)
	}
	if n := count(fixedNow.Add(-90 * time.Minute)); n != 2 {
		t.Errorf("after Delete: %d active, want 2", n)
	}

	// 2302 expires by its idle TTL; pruning drops what is older than that.
	if err := e.client.Del(ctx, e.sessions.sessionKey("2302")).Err(); err != nil {
		t.Fatal(err)
	}
	pruned, err := e.sessions.PruneActive(ctx, fixedNow.Add(-90*time.Minute))
	if err != nil {
		t.Fatalf("PruneActive: %v", err)
	}
	if pruned != 1 {
		t.Errorf("PruneActive removed %d, want 1", pruned)
	}
	members := e.client.ZRange(ctx, e.sessions.activeKey(), 0, -1).Val()
	sort.Strings(members)
	if want := []string{"2301", "2303"}; !slices.Equal(members, want) {
		t.Errorf("active index = %v, want %v", members, want)
	}
	if n, err := e.sessions.PruneActive(ctx, fixedNow.Add(-90*time.Minute)); err != nil || n != 0 {
		t.Errorf("pruning again: %d, %v; want 0, nil", n, err)
	}
}

func TestActiveIndexErrorsAreReported(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.Stop(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := e.sessions.ActiveSince(ctx, fixedNow); err == nil {
		t.Error("ActiveSince with Redis down: no error")
	}
	if _, err := e.sessions.PruneActive(ctx, fixedNow); err == nil {
		t.Error("PruneActive with Redis down: no error")
	}
}
