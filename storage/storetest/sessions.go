package storetest

import (
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage"
)

var sessionsContract = []contract{
	{"ComeBackExactlyAsSaved", sessionComesBack},
	{"AnUnknownSessionIsNotFound", sessionUnknownNotFound},
	{"AStaleSaveIsRefusedAndChangesNothing", sessionStaleSaveRefused},
	{"ConcurrentSavesOfOneVersionHaveExactlyOneWinner", sessionConcurrentSaves},
	{"IdleSessionsExpireAndEverySaveRenewsTheTTL", sessionIdleExpiry},
	{"ActiveSessionsAreCountedAndPruned", sessionsActive},
	{"DeleteErases", sessionDelete},
}

// intakeSession is a session midway through an intake, with every kind of
// answer filled in.
func intakeSession(key string) dialog.Session {
	at := fixedNow.Add(-10 * time.Minute)
	return dialog.Session{
		Key:         key,
		FlowID:      "intake",
		FlowVersion: 3,
		Lang:        "nl",
		State:       dialog.StateAsking,
		Current:     "q_money",
		History:     []string{"q_name", "q_housing", "q_health", "q_mood", "q_school"},
		Answers: map[string]dialog.Answer{
			"q_name":    {Text: "Zoe", At: at},
			"q_housing": {Choices: []string{"a friend's couch", "other"}, At: at.Add(time.Minute)},
			"q_health":  {Items: []string{"medication", "asthma"}, At: at.Add(2 * time.Minute)},
			"q_mood":    {Scale: 2, At: at.Add(3 * time.Minute)},
			"q_school":  {Skipped: true, At: at.Add(4 * time.Minute)},
			"q_worries": {Text: "letters", At: at.Add(5 * time.Minute)},
		},
		Draft:        []string{"not finished"},
		Started:      at,
		Updated:      fixedNow,
		LastUpdateID: 100,
	}
}

func mustSave(t *testing.T, s Stores, sess dialog.Session) dialog.Session {
	t.Helper()
	saved, err := s.Sessions.Save(t.Context(), sess)
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	return saved
}

func mustLoad(t *testing.T, s Stores, key string) dialog.Session {
	t.Helper()
	sess, err := s.Sessions.Load(t.Context(), key)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return sess
}

func sessionComesBack(t *testing.T, open Open) {
	s := openFixed(t, open)
	sess := intakeSession("1001")
	saved := mustSave(t, s, sess)
	if saved.Version != 1 {
		t.Errorf("first save: Version = %d, want 1", saved.Version)
	}
	got := mustLoad(t, s, "1001")
	want := sess.Clone()
	want.Version = 1
	if !got.Equal(want) {
		t.Errorf("Load returned\n%+v\nwant\n%+v", got, want)
	}
	// What the caller does with its copy does not reach the store.
	got.Answers["q_name"] = dialog.Answer{Text: "changed"}
	got.History[0] = "changed"
	if again := mustLoad(t, s, "1001"); !again.Equal(want) {
		t.Error("changing a loaded session changed the stored one")
	}
	if fresh, err := s.Sessions.LoadFresh(t.Context(), "1001"); err != nil || !fresh.Equal(want) {
		t.Errorf("LoadFresh = %+v, %v", fresh, err)
	}

	// The next answer is saved on top of the loaded session.
	got = mustLoad(t, s, "1001")
	got.Answers["q_money"] = dialog.Answer{Text: "ok", At: fixedNow}
	got.LastUpdateID = 101
	saved = mustSave(t, s, got)
	again := mustLoad(t, s, "1001")
	if again.Version != 2 || !again.Equal(saved) || again.Answers["q_money"].Text != "ok" {
		t.Errorf("after second save: got version %d, answers %v", again.Version, again.Answers)
	}
	if _, err := s.Sessions.Save(t.Context(), dialog.Session{Version: 0}); err == nil {
		t.Error("a session without key was saved")
	}
	if _, err := s.Sessions.Save(t.Context(), dialog.Session{Key: "1002", Version: -1}); err == nil {
		t.Error("a session with a negative version was saved")
	}
}

func sessionUnknownNotFound(t *testing.T, open Open) {
	s := openFixed(t, open)
	for _, load := range []func(key string) (dialog.Session, error){
		func(key string) (dialog.Session, error) { return s.Sessions.Load(t.Context(), key) },
		func(key string) (dialog.Session, error) { return s.Sessions.LoadFresh(t.Context(), key) },
	} {
		if _, err := load("never-seen"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("load of an unknown key: err = %v, want storage.ErrNotFound", err)
		}
	}
}

func sessionStaleSaveRefused(t *testing.T, open Open) {
	tests := []struct {
		name    string
		existed bool  // whether the session is stored before the bad save
		version int64 // the version the bad save claims
	}{
		{"save based on an old version", true, 1},
		{"new session over an existing one", true, 0},
		{"version ahead of the store", true, 7},
		{"session erased or expired meanwhile", false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openFixed(t, open)
			ctx := t.Context()
			var before dialog.Session
			if tt.existed {
				v1 := mustSave(t, s, intakeSession("2002"))
				before = mustSave(t, s, v1) // now at version 2
			}
			activeBefore, _ := s.Sessions.ActiveSince(ctx, fixedNow)

			stale := intakeSession("2002")
			stale.Version = tt.version
			stale.State = dialog.StateSubmitted
			stale.Updated = fixedNow.Add(time.Hour) // would move it in the active index
			stale.Answers["q_name"] = dialog.Answer{Text: "overwritten"}
			if _, err := s.Sessions.Save(ctx, stale); !errors.Is(err, domain.ErrConflict) {
				t.Fatalf("Save: err = %v, want domain.ErrConflict", err)
			}

			after, err := s.Sessions.Load(ctx, "2002")
			switch {
			case !tt.existed && !errors.Is(err, storage.ErrNotFound):
				t.Errorf("a refused save stored a session: %v", err)
			case tt.existed && (err != nil || !after.Equal(before)):
				t.Errorf("a refused save changed the session: %+v, %v", after, err)
			}
			if activeAfter, _ := s.Sessions.ActiveSince(ctx, fixedNow); activeAfter != activeBefore {
				t.Errorf("a refused save changed the active index from %d to %d", activeBefore, activeAfter)
			}
		})
	}
}

func sessionConcurrentSaves(t *testing.T, open Open) {
	tests := []struct {
		name    string
		version int64
	}{
		{"two quick first messages", 0},
		{"two quick answers to one question", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openFixed(t, open)
			if tt.version > 0 {
				mustSave(t, s, intakeSession("3003"))
			}
			const writers = 20
			var (
				wg        sync.WaitGroup
				mu        sync.Mutex
				winners   []dialog.Session
				conflicts int
				others    []error
			)
			start := make(chan struct{})
			for i := range writers {
				wg.Go(func() {
					sess := intakeSession("3003")
					sess.Version = tt.version
					sess.Current = "writer-" + strconv.Itoa(i)
					<-start
					saved, err := s.Sessions.Save(t.Context(), sess)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						winners = append(winners, saved)
					case errors.Is(err, domain.ErrConflict):
						conflicts++
					default:
						others = append(others, err)
					}
				})
			}
			close(start)
			wg.Wait()

			if len(others) > 0 {
				t.Fatalf("unexpected errors: %v", others)
			}
			if len(winners) != 1 || conflicts != writers-1 {
				t.Fatalf("%d saves won and %d conflicted; want 1 and %d", len(winners), conflicts, writers-1)
			}
			got := mustLoad(t, s, "3003")
			if !got.Equal(winners[0]) || got.Version != tt.version+1 {
				t.Errorf("stored session is %q at version %d; want the winner %q at %d",
					got.Current, got.Version, winners[0].Current, tt.version+1)
			}
		})
	}
}

func sessionIdleExpiry(t *testing.T, open Open) {
	s := open(t, Config{SessionIdleTTL: 300 * time.Millisecond})
	saved := mustSave(t, s, intakeSession("4004"))
	s.Clock.Pass(200 * time.Millisecond)
	saved = mustSave(t, s, mustLoad(t, s, "4004"))
	s.Clock.Pass(200 * time.Millisecond)
	if got := mustLoad(t, s, "4004"); got.Version != saved.Version {
		t.Errorf("after the renewing save: version %d, want %d", got.Version, saved.Version)
	}
	s.Clock.Pass(200 * time.Millisecond)
	if _, err := s.Sessions.Load(t.Context(), "4004"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("an idle session: err = %v, want storage.ErrNotFound", err)
	}
	// An expired session begins anew at version 0.
	if _, err := s.Sessions.Save(t.Context(), saved); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("a save over an expired session: err = %v, want domain.ErrConflict", err)
	}
	if again := mustSave(t, s, intakeSession("4004")); again.Version != 1 {
		t.Errorf("a new session after expiry got version %d, want 1", again.Version)
	}
}

func sessionsActive(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	at := func(key string, ago time.Duration) {
		sess := intakeSession(key)
		sess.Updated = fixedNow.Add(-ago)
		mustSave(t, s, sess)
	}
	at("2301", 3*time.Hour)
	at("2302", 2*time.Hour)
	at("2303", time.Hour)
	at("2304", 0)

	count := func(since time.Time) int64 {
		t.Helper()
		n, err := s.Sessions.ActiveSince(ctx, since)
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
	sess := mustLoad(t, s, "2301")
	sess.Updated = fixedNow
	mustSave(t, s, sess)
	if n := count(fixedNow.Add(-90 * time.Minute)); n != 3 {
		t.Errorf("after 2301 answered again: %d active, want 3", n)
	}

	if err := s.Sessions.Delete(ctx, "2304"); err != nil {
		t.Fatal(err)
	}
	if n := count(fixedNow.Add(-90 * time.Minute)); n != 2 {
		t.Errorf("after Delete: %d active, want 2", n)
	}

	// Pruning drops what was last updated before the cutoff (2302), and
	// only from the index.
	pruned, err := s.Sessions.PruneActive(ctx, fixedNow.Add(-90*time.Minute))
	if err != nil {
		t.Fatalf("PruneActive: %v", err)
	}
	if pruned != 1 {
		t.Errorf("PruneActive removed %d, want 1", pruned)
	}
	if n := count(time.Time{}); n != 2 {
		t.Errorf("active ever after pruning: %d, want 2 (2301 and 2303)", n)
	}
	if n, err := s.Sessions.PruneActive(ctx, fixedNow.Add(-90*time.Minute)); err != nil || n != 0 {
		t.Errorf("pruning again: %d, %v; want 0, nil", n, err)
	}
	mustLoad(t, s, "2302")
}

func sessionDelete(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	mustSave(t, s, intakeSession("6006"))
	if err := s.Sessions.Delete(ctx, "6006"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sessions.Load(ctx, "6006"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Load after Delete: err = %v, want storage.ErrNotFound", err)
	}
	if err := s.Sessions.Delete(ctx, "6006"); err != nil {
		t.Errorf("deleting again: %v", err)
	}
	if again := mustSave(t, s, intakeSession("6006")); again.Version != 1 {
		t.Errorf("a session begun after Delete got version %d, want 1", again.Version)
	}
}
