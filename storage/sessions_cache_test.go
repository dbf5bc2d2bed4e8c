package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/sesscache"
)

// replica is one bot process: its own client, its own cache, and a count of
// the round trips it makes.
type replica struct {
	client   *redis.Client
	sessions *Sessions
	trips    *redistest.RoundTrips
}

func newReplica(t testing.TB, srv *redistest.Server, cacheSize int) replica {
	t.Helper()
	client := srv.Client(t)
	trips := redistest.CountRoundTrips(client)
	// Connect now, so that the handshake is not counted against the test.
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	trips.Reset()
	return replica{
		client: client,
		sessions: NewSessions(client, mustCodec(t, testKey(1)), SessionsOptions{
			IdleTTL:   testTTL,
			Now:       func() time.Time { return fixedNow },
			CacheSize: cacheSize,
		}),
		trips: trips,
	}
}

// tripsOf runs f and returns the round trips it took.
func (r replica) tripsOf(t *testing.T, f func()) int64 {
	t.Helper()
	r.trips.Reset()
	f()
	if d := r.trips.Dials(); d != 0 {
		t.Errorf("%d new connections during a measured step; counts are off", d)
	}
	return r.trips.Count()
}

func mustLoad(t *testing.T, s *Sessions, key string) dialog.Session {
	t.Helper()
	sess, err := s.Load(context.Background(), key)
	if err != nil {
		t.Fatalf("Load(%q): %v", key, err)
	}
	return sess
}

func TestAnUpdateCostsOneRoundTripWithAWarmCache(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cacheSize int
		want      int64 // round trips per update: Load + Save
	}{
		{"warm cache", 10000, 1},
		{"no cache", 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newReplica(t, redistest.Start(t), tt.cacheSize)
			ctx := context.Background()
			// The first save also loads the script into Redis (EVALSHA,
			// NOSCRIPT, EVAL); the hot path then finds it there.
			mustSave(t, r.sessions, intakeSession("1401"))

			for i := range 5 {
				n := r.tripsOf(t, func() {
					sess := mustLoad(t, r.sessions, "1401")
					sess.Answers["q_money"] = dialog.Answer{Text: strconv.Itoa(i), At: fixedNow}
					sess.LastUpdateID++
					if _, err := r.sessions.Save(ctx, sess); err != nil {
						t.Fatalf("Save: %v", err)
					}
				})
				if n != tt.want {
					t.Errorf("update %d took %d round trips %v, want %d", i, n, r.trips.Log(), tt.want)
				}
			}
			// The cache changes the cost only, never the outcome.
			fresh := NewSessions(r.client, mustCodec(t, testKey(1)), SessionsOptions{})
			got, err := fresh.Load(ctx, "1401")
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != 6 || got.Answers["q_money"].Text != "4" {
				t.Errorf("stored session at version %d with q_money %q, want 6 and %q",
					got.Version, got.Answers["q_money"].Text, "4")
			}
		})
	}
}

func TestACacheMissCostsOneRoundTripAndFillsTheCache(t *testing.T) {
	t.Parallel()
	r := newReplica(t, redistest.Start(t), 100)
	mustSave(t, r.sessions, intakeSession("1402"))
	r.sessions.Forget("1402")

	if n := r.tripsOf(t, func() { mustLoad(t, r.sessions, "1402") }); n != 1 {
		t.Errorf("Load after Forget took %d round trips, want 1", n)
	}
	if n := r.tripsOf(t, func() { mustLoad(t, r.sessions, "1402") }); n != 0 {
		t.Errorf("the next Load took %d round trips, want 0", n)
	}
	if n := r.tripsOf(t, func() {
		if _, err := r.sessions.LoadFresh(context.Background(), "1402"); err != nil {
			t.Fatal(err)
		}
	}); n != 1 {
		t.Errorf("LoadFresh took %d round trips, want 1", n)
	}
	st := r.sessions.CacheStats()
	if st.Hits != 1 || st.Misses != 1 || st.Len != 1 || st.Size != 100 {
		t.Errorf("CacheStats = %+v, want 1 hit, 1 miss, 1 of 100", st)
	}
	if _, err := r.sessions.Load(context.Background(), "never-seen"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load of an unknown key: err = %v, want ErrNotFound", err)
	}
	if st := r.sessions.CacheStats(); st.Len != 1 {
		t.Errorf("a missing session was cached: %d entries", st.Len)
	}
}

func TestAStaleCacheOnAnotherReplicaConflictsAndLosesNothing(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	a, b := newReplica(t, srv, 100), newReplica(t, srv, 100)
	ctx := context.Background()
	mustSave(t, a.sessions, intakeSession("1501"))
	if v := mustLoad(t, b.sessions, "1501").Version; v != 1 {
		t.Fatalf("B loaded version %d, want 1", v)
	}

	// A answers a question: v1 -> v2.
	sessA := mustLoad(t, a.sessions, "1501")
	sessA.Answers["q_money"] = dialog.Answer{Text: "from A", At: fixedNow}
	mustSave(t, a.sessions, sessA)

	// B still holds v1 and decides on it.
	var sessB dialog.Session
	if n := b.tripsOf(t, func() { sessB = mustLoad(t, b.sessions, "1501") }); n != 0 {
		t.Errorf("B's Load took %d round trips, want 0 (a cache hit)", n)
	}
	if sessB.Version != 1 {
		t.Fatalf("B's cache gave version %d, want the stale 1", sessB.Version)
	}
	sessB.Answers["q_goal"] = dialog.Answer{Text: "from B", At: fixedNow}
	if _, err := b.sessions.Save(ctx, sessB); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("B's save on a stale state: err = %v, want domain.ErrConflict", err)
	}

	// B reloads, now from Redis, and sees A's answer.
	if n := b.tripsOf(t, func() { sessB = mustLoad(t, b.sessions, "1501") }); n != 1 {
		t.Errorf("B's reload took %d round trips, want 1 (from Redis)", n)
	}
	if sessB.Version != 2 || sessB.Answers["q_money"].Text != "from A" {
		t.Fatalf("B reloaded version %d with q_money %q, want 2 with A's answer",
			sessB.Version, sessB.Answers["q_money"].Text)
	}
	sessB.Answers["q_goal"] = dialog.Answer{Text: "from B", At: fixedNow}
	mustSave(t, b.sessions, sessB)

	// No update is lost, whichever replica reads.
	for name, r := range map[string]replica{"A": a, "B": b} {
		got, err := r.sessions.LoadFresh(ctx, "1501")
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 3 || got.Answers["q_money"].Text != "from A" || got.Answers["q_goal"].Text != "from B" {
			t.Errorf("%s reads version %d, q_money %q, q_goal %q; want 3 with both answers",
				name, got.Version, got.Answers["q_money"].Text, got.Answers["q_goal"].Text)
		}
	}
}

func TestACachedSessionErasedElsewhereIsNeverWrittenBack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// reborn: after the erasure the young person starts again and the
		// new session reaches the version B holds, with other content.
		reborn bool
	}{
		{"erased", false},
		{"erased and begun anew up to the same version", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := redistest.Start(t)
			a, b := newReplica(t, srv, 100), newReplica(t, srv, 100)
			ctx := context.Background()
			old := mustSave(t, a.sessions, intakeSession("1601"))
			mustSave(t, a.sessions, old) // version 2
			if v := mustLoad(t, b.sessions, "1601").Version; v != 2 {
				t.Fatalf("B cached version %d, want 2", v)
			}

			if err := a.sessions.Delete(ctx, "1601"); err != nil {
				t.Fatal(err)
			}
			var reborn dialog.Session
			if tt.reborn {
				reborn = dialog.Session{Key: "1601", FlowID: "intake", State: dialog.StateWelcome, Lang: "en"}
				reborn = mustSave(t, a.sessions, reborn)
				reborn = mustSave(t, a.sessions, reborn)
				if reborn.Version != 2 {
					t.Fatalf("the new session is at version %d, want 2 like B's copy", reborn.Version)
				}
			}

			stale := mustLoad(t, b.sessions, "1601") // the erased data, from B's cache
			stale.LastUpdateID++
			if _, err := b.sessions.Save(ctx, stale); !errors.Is(err, domain.ErrConflict) {
				t.Fatalf("B's save of the erased session: err = %v, want domain.ErrConflict", err)
			}
			got, err := b.sessions.Load(ctx, "1601")
			switch {
			case !tt.reborn && !errors.Is(err, ErrNotFound):
				t.Errorf("B's reload: err = %v, want ErrNotFound", err)
			case tt.reborn && err != nil:
				t.Fatalf("B's reload: %v", err)
			case tt.reborn && !got.Equal(reborn):
				t.Errorf("B's reload is not the new session: %+v", got)
			}
			// Nothing of the erased intake came back.
			if got, err := a.sessions.LoadFresh(ctx, "1601"); err == nil && len(got.Answers) != 0 {
				t.Errorf("erased answers are back in Redis: %v", keysOfAnswers(got))
			}
		})
	}
}

func keysOfAnswers(s dialog.Session) []string {
	var ks []string
	for k := range s.Answers {
		ks = append(ks, k)
	}
	return ks
}

func TestTwoReplicasAppendingConcurrentlyLoseNoEntry(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	replicas := []replica{newReplica(t, srv, 100), newReplica(t, srv, 100)}
	ctx := context.Background()
	const (
		key        = "1701"
		goroutines = 10 // per replica
		entries    = 3  // per goroutine
		maxTries   = 2000
	)
	start := intakeSession(key)
	start.Answers["q_list"] = dialog.Answer{}
	mustSave(t, replicas[0].sessions, start)

	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		conflicts int
		failures  []error
	)
	for r, rep := range replicas {
		for g := range goroutines {
			wg.Go(func() {
				for e := range entries {
					entry := fmt.Sprintf("r%d-g%d-e%d", r, g, e)
					err := appendWithRetry(ctx, rep.sessions, key, entry, maxTries, func() {
						mu.Lock()
						conflicts++
						mu.Unlock()
					})
					if err != nil {
						mu.Lock()
						failures = append(failures, fmt.Errorf("%s: %w", entry, err))
						mu.Unlock()
						return
					}
				}
			})
		}
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("appends failed: %v", failures)
	}

	var want []string
	for r := range replicas {
		for g := range goroutines {
			for e := range entries {
				want = append(want, fmt.Sprintf("r%d-g%d-e%d", r, g, e))
			}
		}
	}
	for _, rep := range replicas {
		got, err := rep.sessions.LoadFresh(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		items := slices.Clone(got.Answers["q_list"].Items)
		sort.Strings(items)
		sort.Strings(want)
		if !slices.Equal(items, want) {
			t.Fatalf("list has %d entries %v\nwant each of %d exactly once", len(items), items, len(want))
		}
		if got.Version != int64(1+len(want)) {
			t.Errorf("version %d, want %d: one save per entry", got.Version, 1+len(want))
		}
	}
	t.Logf("%d entries, %d conflicts retried", len(want), conflicts)
}

// appendWithRetry is the bot's update loop in small: load, decide, save, and
// on a lost race load and decide again.
func appendWithRetry(ctx context.Context, s *Sessions, key, entry string, maxTries int, conflicted func()) error {
	for range maxTries {
		sess, err := s.Load(ctx, key)
		if err != nil {
			return err
		}
		a := sess.Answers["q_list"]
		a.Items = append(a.Items, entry)
		sess.Answers["q_list"] = a
		_, err = s.Save(ctx, sess)
		if errors.Is(err, domain.ErrConflict) {
			conflicted()
			continue
		}
		return err
	}
	return fmt.Errorf("no save after %d tries", maxTries)
}

func TestTheCacheHandsOutCopies(t *testing.T) {
	t.Parallel()
	r := newReplica(t, redistest.Start(t), 100)
	ctx := context.Background()
	in := intakeSession("1801")
	in.Recent = []int64{98, 99, 100}
	saved := mustSave(t, r.sessions, in)
	want := saved.Clone()

	scribble := func(s *dialog.Session) {
		s.History[0] = "scribbled"
		s.Draft[0] = "scribbled"
		s.Recent[0] = -1
		s.Answers["q_housing"].Choices[0] = "scribbled"
		s.Answers["q_health"].Items[0] = "scribbled"
		s.Answers["q_new"] = dialog.Answer{Text: "scribbled"}
		delete(s.Answers, "q_name")
	}

	// What the caller gave to Save and what Save returned share nothing
	// with the cache.
	scribble(&in) // shares its maps and slices with saved
	scribble(&saved)
	if got := mustLoad(t, r.sessions, "1801"); !got.Equal(want) {
		t.Errorf("changing the saved session changed the cache:\n%+v", got)
	}

	// Nor does a loaded session, hit or miss.
	for _, load := range []func() dialog.Session{
		func() dialog.Session { return mustLoad(t, r.sessions, "1801") },
		func() dialog.Session {
			s, err := r.sessions.LoadFresh(ctx, "1801")
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	} {
		got := load()
		scribble(&got)
		if again := mustLoad(t, r.sessions, "1801"); !again.Equal(want) {
			t.Errorf("changing a loaded session changed the next Load:\n%+v", again)
		}
	}
}

func TestTheCacheEvictsTheLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	r := newReplica(t, redistest.Start(t), 2)
	mustSave(t, r.sessions, intakeSession("a"))
	mustSave(t, r.sessions, intakeSession("b")) // cache: b a
	mustLoad(t, r.sessions, "a")                // cache: a b
	mustSave(t, r.sessions, intakeSession("c")) // cache: c a; b goes

	for _, tt := range []struct {
		key  string
		want int64
	}{
		{"a", 0}, {"c", 0}, // still cached
		{"b", 1}, // evicted: from Redis, and now cached: b c; a goes
		{"c", 0},
		{"a", 1},
	} {
		if n := r.tripsOf(t, func() { mustLoad(t, r.sessions, tt.key) }); n != tt.want {
			t.Errorf("Load(%q) took %d round trips, want %d", tt.key, n, tt.want)
		}
	}
	if st := r.sessions.CacheStats(); st.Len != 2 {
		t.Errorf("cache holds %d sessions, want 2", st.Len)
	}
}

func TestSessionCacheLRUOrder(t *testing.T) {
	t.Parallel()
	c := sesscache.New(3)
	put := func(k string) { c.Put(k, dialog.Session{Key: k}, "") }
	has := func(k string) bool { _, ok := c.Get(k); return ok }
	put("1")
	put("2")
	put("3")
	has("1")   // order: 1 3 2
	put("2")   // replaced and used: 2 1 3
	put("4")   // 3 goes
	has("404") // a miss changes nothing
	for k, want := range map[string]bool{"1": true, "2": true, "3": false, "4": true} {
		if got := has(k); got != want {
			t.Errorf("cached %q = %v, want %v", k, got, want)
		}
	}
	c.Remove("2")
	c.Remove("2") // twice is fine
	if has("2") || c.Stats().Len != 2 {
		t.Errorf("after remove: %+v", c.Stats())
	}

	var none *sesscache.Cache // CacheSize 0
	none.Put("x", dialog.Session{}, "")
	if _, ok := none.Get("x"); ok || none.Stats() != (CacheStats{}) || sesscache.New(0) != nil {
		t.Error("a zero-size cache keeps something")
	}
}

func TestSaveEvictsOnAnyError(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	r := newReplica(t, srv, 100)
	ctx := context.Background()
	saved := mustSave(t, r.sessions, intakeSession("1901"))

	// A conflict: the key goes, the next Load reads Redis.
	stale := saved
	stale.Version = 7
	if _, err := r.sessions.Save(ctx, stale); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("err = %v, want domain.ErrConflict", err)
	}
	if n := r.tripsOf(t, func() { mustLoad(t, r.sessions, "1901") }); n != 1 {
		t.Errorf("Load after a conflict took %d round trips, want 1", n)
	}

	// Redis down: Save fails, and whether the script ran is unknown.
	srv.Stop(t)
	down, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := r.sessions.Save(down, saved); err == nil || errors.Is(err, domain.ErrConflict) {
		t.Fatalf("Save while Redis is down: err = %v, want an error that is not domain.ErrConflict", err)
	}
	srv.StartAgain(t)
	got, err := r.sessions.Load(ctx, "1901")
	if err != nil {
		t.Fatalf("Load after the restart: %v", err)
	}
	if st := r.sessions.CacheStats(); st.Misses != 2 {
		t.Errorf("Load after a failed save was served from the cache (%+v)", st)
	}
	if _, err := r.sessions.Save(ctx, got); err != nil {
		t.Errorf("the conversation can't continue: %v", err)
	}
}

func TestDeleteAndForgetEvict(t *testing.T) {
	t.Parallel()
	r := newReplica(t, redistest.Start(t), 100)
	ctx := context.Background()
	mustSave(t, r.sessions, intakeSession("2001"))
	if err := r.sessions.Delete(ctx, "2001"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.sessions.Load(ctx, "2001"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load after Delete: err = %v, want ErrNotFound", err)
	}

	mustSave(t, r.sessions, intakeSession("2002"))
	r.sessions.Forget("2002")
	r.sessions.Forget("2002")
	r.sessions.Forget("never-cached")
	if n := r.tripsOf(t, func() { mustLoad(t, r.sessions, "2002") }); n != 1 {
		t.Errorf("Load after Forget took %d round trips, want 1", n)
	}
}

func TestSaveChecksTheVersionAloneWhenTheCacheLostTheEntry(t *testing.T) {
	t.Parallel()
	r := newReplica(t, redistest.Start(t), 1)
	mustSave(t, r.sessions, intakeSession("2101"))
	sess := mustLoad(t, r.sessions, "2101")
	mustSave(t, r.sessions, intakeSession("2102")) // pushes 2101 out
	sess.LastUpdateID++
	saved := mustSave(t, r.sessions, sess)
	if saved.Version != 2 {
		t.Errorf("Version = %d, want 2", saved.Version)
	}

	// A record from before write tags had no w field.
	if err := r.client.HDel(context.Background(), r.sessions.sessionKey("2101"), "w").Err(); err != nil {
		t.Fatal(err)
	}
	old, err := r.sessions.LoadFresh(context.Background(), "2101")
	if err != nil {
		t.Fatal(err)
	}
	if saved := mustSave(t, r.sessions, old); saved.Version != 3 {
		t.Errorf("Version = %d, want 3", saved.Version)
	}
}

func TestEverySaveWritesANewWriteTag(t *testing.T) {
	t.Parallel()
	r := newReplica(t, redistest.Start(t), 0)
	ctx := context.Background()
	key := r.sessions.sessionKey("2201")
	sess := intakeSession("2201")
	seen := map[string]bool{}
	for range 20 {
		sess = mustSave(t, r.sessions, sess)
		w := r.client.HGet(ctx, key, "w").Val()
		if w == "" || seen[w] {
			t.Fatalf("write tag %q is empty or repeated", w)
		}
		seen[w] = true
	}
}
