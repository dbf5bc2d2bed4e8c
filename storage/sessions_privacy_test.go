package storage

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage/redistest"
)

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
	if keys != 4 {
		t.Errorf("found %d keys, want 3 sessions and the active index", keys)
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
			if _, err := e.sessions.Save(down, saved); err == nil || errors.Is(err, domain.ErrConflict) {
				t.Errorf("Save while Redis is down: err = %v; want an error that is not domain.ErrConflict", err)
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

func TestDeleteErasesTheSessionAndItsIndexEntry(t *testing.T) {
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
	if n := e.client.ZCard(ctx, e.sessions.activeKey()).Val(); n != 1 {
		t.Errorf("active index has %d entries, want only the other session's", n)
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
