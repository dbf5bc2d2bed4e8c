package storage

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

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

func TestSessionComesBackExactlyAsSaved(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sess := intakeSession("1001")

	saved := mustSave(t, e.sessions, sess)
	if saved.Version != 1 {
		t.Errorf("first save: Version = %d, want 1", saved.Version)
	}
	got, err := e.sessions.Load(ctx, "1001")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := sess.Clone()
	want.Version = 1
	if !got.Equal(want) {
		t.Errorf("Load returned\n%+v\nwant\n%+v", got, want)
	}

	// The next answer is saved on top of the loaded session.
	got.Answers["q_money"] = dialog.Answer{Text: "ok", At: fixedNow}
	got.LastUpdateID = 101
	saved = mustSave(t, e.sessions, got)
	again, err := e.sessions.Load(ctx, "1001")
	if err != nil {
		t.Fatalf("Load after second save: %v", err)
	}
	if again.Version != 2 || !again.Equal(saved) || again.Answers["q_money"].Text != "ok" {
		t.Errorf("after second save: got version %d, answers %v", again.Version, again.Answers)
	}
}

func TestUnknownSessionIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.sessions.Load(context.Background(), "never-seen")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("Load of an unknown key: err = %v, want ErrNotFound", err)
	}
}

func TestStaleSaveIsRefusedAndChangesNothing(t *testing.T) {
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
			if !errors.Is(err, ErrConflict) {
				t.Fatalf("Save: err = %v, want ErrConflict", err)
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
			if n, _ := e.client.Exists(ctx, e.sessions.submittedKey()).Result(); n != 0 {
				t.Error("a refused save added the session to the submitted index")
			}
			if activeAfter := e.client.ZRangeWithScores(ctx, e.sessions.activeKey(), 0, -1).Val(); !slices.Equal(activeBefore, activeAfter) {
				t.Errorf("a refused save changed the active index from %v to %v", activeBefore, activeAfter)
			}
		})
	}
}

func TestConcurrentSavesOfOneVersionHaveExactlyOneWinner(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		version int64
	}{
		{"two quick first messages", 0},
		{"two quick answers to one question", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			if tt.version > 0 {
				mustSave(t, e.sessions, intakeSession("3003"))
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
					saved, err := e.sessions.Save(ctx, sess)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						winners = append(winners, saved)
					case errors.Is(err, ErrConflict):
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
			got, err := e.sessions.Load(ctx, "3003")
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(winners[0]) || got.Version != tt.version+1 {
				t.Errorf("stored session is %q at version %d; want the winner %q at %d",
					got.Current, got.Version, winners[0].Current, tt.version+1)
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
	ttl, err := client.PTTL(context.Background(), "intakebot:session:5005").Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl < 90*24*time.Hour-time.Minute || ttl > 90*24*time.Hour {
		t.Errorf("TTL of intakebot:session:5005 = %v, want 90 days", ttl)
	}
}

func TestNoAnswerIsReadableInRedisOrOnDisk(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	for i, key := range []string{"6001", "6002", "6003"} {
		sess := intakeSession(key)
		if i == 2 {
			sess.State, sess.Submitted = dialog.StateSubmitted, fixedNow
		}
		mustSave(t, e.sessions, sess)
	}

	var dump bytes.Buffer
	var cursor uint64
	keys := 0
	for {
		batch, next, err := e.client.Scan(ctx, cursor, "*", 100).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range batch {
			keys++
			dump.WriteString(k + "\n")
			typ, err := e.client.Type(ctx, k).Result()
			if err != nil {
				t.Fatal(err)
			}
			switch typ {
			case "hash":
				for f, v := range e.client.HGetAll(ctx, k).Val() {
					dump.WriteString(f + "=" + v + "\n")
				}
			case "string":
				dump.WriteString(e.client.Get(ctx, k).Val() + "\n")
			case "zset":
				for _, z := range e.client.ZRangeWithScores(ctx, k, 0, -1).Val() {
					dump.WriteString(z.Member.(string) + "\n")
				}
			default:
				t.Errorf("key %s has type %s, which this test cannot read", k, typ)
			}
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	if keys != 5 {
		t.Errorf("found %d keys, want 3 sessions, the submitted index and the active index", keys)
	}

	// The append-only file is what a stolen disk or backup would show.
	err := filepath.WalkDir(e.srv.Dir(), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		dump.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, secret := range secrets {
		if bytes.Contains(dump.Bytes(), []byte(secret)) {
			t.Errorf("%q is readable in Redis or its files", secret)
		}
	}
}

func TestOnlyStatusAndTimesStayReadable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	mustSave(t, e.sessions, intakeSession("6500"))
	got, err := e.client.HGetAll(context.Background(), e.sessions.sessionKey("6500")).Result()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"v":       "1",
		"state":   "asking",
		"updated": strconv.FormatInt(fixedNow.Unix(), 10),
		"upd":     "100",
	}
	for f, v := range want {
		if got[f] != v {
			t.Errorf("plain field %q = %q, want %q", f, got[f], v)
		}
	}
	// The write tag is random: it only has to differ between saves.
	if w := got["w"]; len(w) == 0 || len(w) > 13 || strings.Trim(w, "0123456789abcdefghijklmnopqrstuvwxyz") != "" {
		t.Errorf("write tag w = %q, want a short base-36 number", w)
	}
	if len(got) != len(want)+2 || got["data"] == "" {
		t.Errorf("record has fields %v, want %v, w and data", keysOf(got), keysOf(want))
	}
}

func keysOf(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestChangedRecordIsRefusedNotMisread(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	mustSave(t, e.sessions, intakeSession("7001"))
	mustSave(t, e.sessions, intakeSession("7002"))
	data7001 := e.client.HGet(ctx, e.sessions.sessionKey("7001"), "data").Val()

	tamper := func(f func(b []byte)) string {
		b := []byte(data7001)
		f(b)
		return string(b)
	}
	tests := []struct {
		name  string
		key   string // the session whose record is changed
		field string
		value string
		want  error
	}{
		{"ciphertext byte flipped", "7001", "data", tamper(func(b []byte) { b[headerSize+3] ^= 0x20 }), ErrCorrupt},
		{"tag byte flipped", "7001", "data", tamper(func(b []byte) { b[len(b)-1] ^= 0x01 }), ErrCorrupt},
		{"data truncated", "7001", "data", data7001[:len(data7001)/2], ErrCorrupt},
		{"data emptied", "7001", "data", "", ErrCorrupt},
		{"key ID changed", "7001", "data", tamper(func(b []byte) { b[2] ^= 0xff }), ErrUnknownKey},
		{"another session's data copied in", "7002", "data", data7001, ErrCorrupt},
		{"version is not a number", "7001", "v", "one", ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Each case starts from a freshly saved record.
			sess := intakeSession(tt.key)
			if err := e.sessions.Delete(ctx, tt.key); err != nil {
				t.Fatal(err)
			}
			mustSave(t, e.sessions, sess)
			if err := e.client.HSet(ctx, e.sessions.sessionKey(tt.key), tt.field, tt.value).Err(); err != nil {
				t.Fatal(err)
			}
			got, err := e.sessions.Load(ctx, tt.key)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Load = %+v, %v; want %v", got, err, tt.want)
			}
			if errors.Is(err, ErrNotFound) {
				t.Error("a damaged record must not look like a new conversation")
			}
		})
	}

	t.Run("record renamed to another session", func(t *testing.T) {
		if err := e.sessions.Delete(ctx, "7002"); err != nil {
			t.Fatal(err)
		}
		mustSave(t, e.sessions, intakeSession("7002"))
		if _, err := e.sessions.Load(ctx, "7002"); err != nil {
			t.Fatalf("Load of the intact record: %v", err)
		}
		if err := e.client.Rename(ctx, e.sessions.sessionKey("7002"), e.sessions.sessionKey("7003")).Err(); err != nil {
			t.Fatal(err)
		}
		if _, err := e.sessions.Load(ctx, "7003"); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Load of a renamed record: err = %v, want ErrCorrupt", err)
		}
	})
}

func TestSessionsSurviveKeyRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	oldKey, newKey := testKey(1), testKey(2)
	opts := SessionsOptions{IdleTTL: testTTL}
	withOld := NewSessions(e.client, mustCodec(t, oldKey), opts)
	rotated := NewSessions(e.client, mustCodec(t, newKey, oldKey), opts)
	newOnly := NewSessions(e.client, mustCodec(t, newKey), opts)

	mustSave(t, withOld, intakeSession("8001"))
	mustSave(t, withOld, intakeSession("8002"))

	if _, err := newOnly.Load(ctx, "8001"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Load without the old key: err = %v, want ErrUnknownKey", err)
	}
	got, err := rotated.Load(ctx, "8001")
	if err != nil {
		t.Fatalf("Load with the old key kept for reading: %v", err)
	}
	if got.Answers["q_name"].Text != secrets[0] {
		t.Errorf("answer after rotation = %q", got.Answers["q_name"].Text)
	}
	// Saving again moves the record to the new key.
	mustSave(t, rotated, got)
	if _, err := newOnly.Load(ctx, "8001"); err != nil {
		t.Errorf("Load with only the new key after a re-save: %v", err)
	}
	if _, err := newOnly.Load(ctx, "8002"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("a session not saved since the rotation: err = %v, want ErrUnknownKey", err)
	}
}

func TestSessionsSurviveARedisRestart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		stop func(*redistest.Server, testing.TB)
	}{
		{"graceful restart", (*redistest.Server).Stop},
		{"crash", (*redistest.Server).Kill},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			saved := mustSave(t, e.sessions, intakeSession("9009"))

			tt.stop(e.srv, t)
			down, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			if _, err := e.sessions.Load(down, "9009"); err == nil || errors.Is(err, ErrNotFound) {
				t.Errorf("Load while Redis is down: err = %v; want an error that is not ErrNotFound", err)
			}
			if _, err := e.sessions.Save(down, saved); err == nil || errors.Is(err, ErrConflict) {
				t.Errorf("Save while Redis is down: err = %v; want an error that is not ErrConflict", err)
			}

			e.srv.StartAgain(t)
			got, err := e.sessions.Load(ctx, "9009")
			if err != nil {
				t.Fatalf("Load after the restart: %v", err)
			}
			if !got.Equal(saved) {
				t.Errorf("session after the restart differs from the one saved")
			}
			if _, err := e.sessions.Save(ctx, got); err != nil {
				t.Errorf("the conversation can't continue after the restart: %v", err)
			}
		})
	}
}

func TestSubmittedIntakeIsIndexedForTheHandoff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	submittedAt := fixedNow.Add(-time.Hour)

	mustSave(t, e.sessions, intakeSession("1101"))
	done := intakeSession("1102")
	done.State, done.Submitted = dialog.StateSubmitted, submittedAt
	mustSave(t, e.sessions, done)
	noTime := intakeSession("1103")
	noTime.State = dialog.StateSubmitted
	mustSave(t, e.sessions, noTime)

	got, err := e.client.ZRangeWithScores(ctx, e.sessions.submittedKey(), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	want := []redis.Z{
		{Score: float64(submittedAt.Unix()), Member: "1102"},
		{Score: float64(fixedNow.Unix()), Member: "1103"}, // the clock, when the session has no time
	}
	if len(got) != len(want) {
		t.Fatalf("submitted index = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("submitted index[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestDeleteErasesTheSessionAndItsHandoffEntry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	sess := intakeSession("1201")
	sess.State = dialog.StateSubmitted
	mustSave(t, e.sessions, sess)
	mustSave(t, e.sessions, intakeSession("1202"))

	if err := e.sessions.Delete(ctx, "1201"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := e.sessions.Load(ctx, "1201"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load after Delete: err = %v, want ErrNotFound", err)
	}
	if n := e.client.ZCard(ctx, e.sessions.submittedKey()).Val(); n != 0 {
		t.Errorf("submitted index still has %d entries", n)
	}
	if _, err := e.sessions.Load(ctx, "1202"); err != nil {
		t.Errorf("Delete touched another session: %v", err)
	}
	if err := e.sessions.Delete(ctx, "1201"); err != nil {
		t.Errorf("erasing twice: %v", err)
	}
	// After erasing, the young person can start over as new.
	if _, err := e.sessions.Save(ctx, intakeSession("1201")); err != nil {
		t.Errorf("a new intake after erasing: %v", err)
	}
}

func TestDeploymentsWithDifferentPrefixesDoNotSeeEachOther(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	codec := mustCodec(t, testKey(1))
	a := NewSessions(e.client, codec, SessionsOptions{Prefix: "town-a:"})
	b := NewSessions(e.client, codec, SessionsOptions{Prefix: "town-b:"})
	mustSave(t, a, intakeSession("1301"))
	if _, err := b.Load(context.Background(), "1301"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load under another prefix: err = %v, want ErrNotFound", err)
	}
}

func TestSaveRefusesASessionWithoutKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if _, err := e.sessions.Save(context.Background(), dialog.Session{}); err == nil {
		t.Error("Save accepted a session without a key")
	}
}
