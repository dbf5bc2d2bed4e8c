package storage

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage/redistest"
)

// Distinctive strings a young person might have written. None of them may
// ever be readable in Redis or in its files.
var secrets = []string{
	"Zoe-Vermeulen-7731",
	"sleeping-on-a-friends-couch-4419",
	"stopped-my-medication-8812",
	"debt-collector-letters-5520",
	"draft-entry-not-finished-6604",
}

var fixedNow = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

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
			"q_name":    {Text: secrets[0], At: at},
			"q_housing": {Choices: []string{secrets[1], "other"}, At: at.Add(time.Minute)},
			"q_health":  {Items: []string{secrets[2], "asthma"}, At: at.Add(2 * time.Minute)},
			"q_mood":    {Scale: 2, At: at.Add(3 * time.Minute)},
			"q_school":  {Skipped: true, At: at.Add(4 * time.Minute)},
			"q_worries": {Text: secrets[3], At: at.Add(5 * time.Minute)},
		},
		Draft:        []string{secrets[4]},
		Started:      at,
		Updated:      fixedNow,
		LastUpdateID: 100,
	}
}

type env struct {
	srv      *redistest.Server
	client   *redis.Client
	sessions *Sessions
}

const testTTL = time.Hour

func newEnv(t *testing.T) env {
	t.Helper()
	srv := redistest.Start(t)
	client := srv.Client(t)
	return env{
		srv:    srv,
		client: client,
		sessions: NewSessions(client, mustCodec(t, testKey(1)), SessionsOptions{
			IdleTTL: testTTL,
			Now:     func() time.Time { return fixedNow },
		}),
	}
}

func mustSave(t *testing.T, s *Sessions, sess dialog.Session) dialog.Session {
	t.Helper()
	saved, err := s.Save(context.Background(), sess)
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	return saved
}

// The contract (storetest) covers what callers see of a refused save; here,
// that not one field of the record, nor either index, changed in Redis.
func TestStaleSaveChangesNothingInRedis(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		existed bool  // whether the session is in Redis before the bad save
		version int64 // the version the bad save claims
	}{
		{"save based on an old version", true, 1},
		{"new session over an existing one", true, 0},
		{"version ahead of the store", true, 7},
		{"session erased or expired meanwhile", false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			key := e.sessions.sessionKey("2002")
			if tt.existed {
				v1 := mustSave(t, e.sessions, intakeSession("2002"))
				mustSave(t, e.sessions, v1) // now at version 2
			}
			before, err := e.client.HGetAll(ctx, key).Result()
			if err != nil {
				t.Fatal(err)
			}
			activeBefore := e.client.ZRangeWithScores(ctx, e.sessions.activeKey(), 0, -1).Val()

			stale := intakeSession("2002")
			stale.Version = tt.version
			stale.State = dialog.StateSubmitted
			stale.Updated = fixedNow.Add(time.Hour) // would move its score in the active index
			stale.Answers["q_name"] = dialog.Answer{Text: "overwritten"}
			_, err = e.sessions.Save(ctx, stale)
			if !errors.Is(err, domain.ErrConflict) {
				t.Fatalf("Save: err = %v, want domain.ErrConflict", err)
			}

			after, err := e.client.HGetAll(ctx, key).Result()
			if err != nil {
				t.Fatal(err)
			}
			if len(before) != len(after) {
				t.Fatalf("record changed: %d fields before, %d after", len(before), len(after))
			}
			for f, v := range before {
				if after[f] != v {
					t.Errorf("field %q changed", f)
				}
			}
			if activeAfter := e.client.ZRangeWithScores(ctx, e.sessions.activeKey(), 0, -1).Val(); !slices.Equal(activeBefore, activeAfter) {
				t.Errorf("a refused save changed the active index from %v to %v", activeBefore, activeAfter)
			}
		})
	}
}

func TestIdleSessionsExpireAndEverySaveRenewsTheTTL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	key := e.sessions.sessionKey("4004")
	assertTTL := func(when string) {
		t.Helper()
		ttl, err := e.client.PTTL(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl < testTTL-time.Minute || ttl > testTTL {
			t.Errorf("%s: TTL = %v, want about %v", when, ttl, testTTL)
		}
	}

	saved := mustSave(t, e.sessions, intakeSession("4004"))
	assertTTL("after the first save")

	// Pretend the session has been idle for most of its lifetime.
	if err := e.client.PExpire(ctx, key, 2*time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	mustSave(t, e.sessions, saved)
	assertTTL("after the next save")
}

func TestDefaultsKeepSessionsForNinetyDaysUnderTheDefaultPrefix(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	client := srv.Client(t)
	s := NewSessions(client, mustCodec(t, testKey(1)), SessionsOptions{})
	mustSave(t, s, intakeSession("5005"))
	ttl, err := client.PTTL(context.Background(), L("intakebot:session:5005")).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl < 90*24*time.Hour-time.Minute || ttl > 90*24*time.Hour {
		t.Errorf("TTL of intakebot:session:5005 = %v, want 90 days", ttl)
	}
}
