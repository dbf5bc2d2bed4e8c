package rekey

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/inbox"
	"github.com/intakebot/intakebot/storage/redistest"
)

// sealedValues returns every value under prefix that looks sealed, by key.
func sealedValues(t *testing.T, client *redis.Client, prefix string) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string][]string{}
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		var vals []string
		switch client.Type(ctx, k).Val() {
		case "string":
			vals = []string{client.Get(ctx, k).Val()}
		case "hash":
			for _, v := range client.HGetAll(ctx, k).Val() {
				vals = append(vals, v)
			}
		case "set":
			vals = client.SMembers(ctx, k).Val()
		case "zset":
			vals = client.ZRange(ctx, k, 0, -1).Val()
		case "list":
			vals = client.LRange(ctx, k, 0, -1).Val()
		}
		for _, v := range vals {
			if storage.LooksSealed(v) {
				out[k] = append(out[k], v)
			}
		}
	}
	return out
}

// rekeyFixture stores one record of every sealed kind with codec, under
// the prefix "t:": a session, a staff member, a case, an invite link, a
// pending staff link, an inbox entry.
type rekeyFixture struct {
	client  *redis.Client
	token   string
	linkKey string
	pendKey string
	prefix  string
}

func newRekeyFixture(t *testing.T, codec *storage.Codec) rekeyFixture {
	t.Helper()
	ctx := context.Background()
	srv := redistest.Start(t)
	client := srv.Client(t)
	f := rekeyFixture{client: client, prefix: "t:"}
	s := dialog.Session{Key: "5001", State: dialog.StateAsking, Lang: "nl", Answers: map[string]dialog.Answer{"dreams": {Text: "Een huis aan zee"}}}
	if _, err := storage.NewSessions(client, codec, storage.SessionsOptions{Prefix: f.prefix}).Save(ctx, s); err != nil {
		t.Fatal(err)
	}
	p := storage.NewPeople(client, codec, f.prefix, nil)
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := p.Staff.AddStaff(ctx, domain.StaffMember{UserID: 42, Role: domain.RoleDirector, Name: "Sanne", Lang: "nl", Added: now}); err != nil {
		t.Fatal(err)
	}
	if err := p.Cases.SaveCase(ctx, domain.Case{Key: "5001", Director: 42, FirstName: "Ada", Note: "note", Linked: now}); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.token, err = p.Links.CreateLink(ctx, domain.Link{Kind: domain.LinkInvite, CreatedBy: 42, Director: 42, FirstName: "Bo", Note: "note for Bo", Created: now, Expires: now.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	f.linkKey = f.prefix + "link:" + storage.TokenHash(f.token)
	if err := p.Staff.SetPendingStaff(ctx, 77, domain.Link{Kind: domain.LinkStaff, Role: domain.RoleCounsellor, CreatedBy: 42, Created: now, Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	f.pendKey = f.prefix + "pendingstaff:" + tag("77")
	if err := inbox.New(client, codec, f.prefix).Put(ctx, map[int64][]byte{900: []byte(`{"update_id":900}`)}); err != nil {
		t.Fatal(err)
	}
	return f
}

// opensAll fails unless codec opens every record of the fixture.
func (f rekeyFixture) opensAll(t *testing.T, codec *storage.Codec) {
	t.Helper()
	ctx := context.Background()
	s, err := storage.NewSessions(f.client, codec, storage.SessionsOptions{Prefix: f.prefix}).Load(ctx, "5001")
	if err != nil || s.Answers["dreams"].Text != "Een huis aan zee" {
		t.Fatalf("session: %v %+v", err, s.Answers)
	}
	p := storage.NewPeople(f.client, codec, f.prefix, nil)
	if m, ok, err := p.Staff.Staff(ctx, 42); err != nil || !ok || m.Name != "Sanne" {
		t.Fatalf("staff: %v %v %+v", err, ok, m)
	}
	if c, ok, err := p.Cases.Case(ctx, "5001"); err != nil || !ok || c.FirstName != "Ada" {
		t.Fatalf("case: %v %v %+v", err, ok, c)
	}
	if invites, err := p.Links.PendingInvites(ctx, 42); err != nil || len(invites) != 1 || invites[0].FirstName != "Bo" {
		t.Fatalf("invites: %v %+v", err, invites)
	}
	ids, updates, dropped, err := inbox.New(f.client, codec, f.prefix).Pending(ctx)
	if err != nil || dropped != 0 || len(ids) != 1 || string(updates[0]) != `{"update_id":900}` {
		t.Fatalf("inbox: %v dropped %d %v", err, dropped, ids)
	}
	// Last: these take the record.
	if l, err := p.Links.UseLink(ctx, f.token); err != nil || l.FirstName != "Bo" {
		t.Fatalf("link: %v %+v", err, l)
	}
	if l, ok, err := p.Staff.TakePendingStaff(ctx, 77); err != nil || !ok || l.Role != domain.RoleCounsellor {
		t.Fatalf("pending staff: %v %v %+v", err, ok, l)
	}
}

func TestRekeyMovesEverythingToThePrimaryKey(t *testing.T) {
	ctx := context.Background()
	a, b := testKey(0xA), testKey(0xB)
	f := newRekeyFixture(t, mustCodec(t, a))
	before := sealedValues(t, f.client, f.prefix)
	if len(before) < 6 {
		t.Fatalf("fixture has sealed values in only %d keys: %v", len(before), before)
	}
	ttlLink := f.client.PTTL(ctx, f.linkKey).Val()
	ttlPend := f.client.PTTL(ctx, f.pendKey).Val()
	ttlSession := f.client.PTTL(ctx, f.prefix+"session:"+tag("5001")).Val()
	if ttlLink <= 0 || ttlPend <= 0 || ttlSession <= 0 {
		t.Fatalf("fixture without TTLs: %v %v %v", ttlLink, ttlPend, ttlSession)
	}

	codecBA := mustCodec(t, b, a)
	// A live bot with the new configuration has the session cached.
	live := storage.NewSessions(f.client, codecBA, storage.SessionsOptions{Prefix: f.prefix, CacheSize: 10})
	if _, err := live.Load(ctx, "5001"); err != nil {
		t.Fatal(err)
	}
	r, err := Run(ctx, f.client, codecBA, f.prefix, Options{Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, vs := range before {
		total += len(vs)
	}
	if r.Sealed != total || r.Rekeyed != total || r.Current != 0 || r.Failed != 0 || r.Changed != 0 {
		t.Fatalf("report %s, want all %d re-encrypted", r, total)
	}
	bID := mustCodec(t, b).KeyID()
	idSize := len(bID) / 2
	for k, vs := range sealedValues(t, f.client, f.prefix) {
		for _, v := range vs {
			if hex.EncodeToString([]byte(v[1:1+idSize])) != bID {
				t.Errorf("%s still sealed with key ID %x", k, v[1:1+idSize])
			}
		}
	}
	for k, want := range map[string]time.Duration{f.linkKey: ttlLink, f.pendKey: ttlPend, f.prefix + "session:" + tag("5001"): ttlSession} {
		if got := f.client.PTTL(ctx, k).Val(); got <= 0 || got > want || want-got > time.Minute {
			t.Errorf("TTL of %s: %v, was %v", keyFamily(f.prefix, k), got, want)
		}
	}

	// Idempotent: a second run finds everything current.
	r2, err := Run(ctx, f.client, codecBA, f.prefix, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r2.Current != total || r2.Rekeyed != 0 || r2.Failed != 0 {
		t.Fatalf("second run: %s", r2)
	}

	// The session's compare-and-set looks at v and w, not data: the live
	// store still saves from its cached copy (same plaintext).
	s, err := live.Load(ctx, "5001")
	if err != nil {
		t.Fatal(err)
	}
	s.Lang = "en"
	if _, err := live.Save(ctx, s); err != nil {
		t.Fatalf("save after rekey: %v", err)
	}

	// Only the new key now: everything opens.
	f.opensAll(t, mustCodec(t, b))
}

func TestRekeyLeavesAConcurrentChangeAlone(t *testing.T) {
	ctx := context.Background()
	a, b := testKey(0xA), testKey(0xB)
	f := newRekeyFixture(t, mustCodec(t, a))
	codecBA := mustCodec(t, b, a)
	live := storage.NewSessions(f.client, codecBA, storage.SessionsOptions{Prefix: f.prefix})
	pLive := storage.NewPeople(f.client, codecBA, f.prefix, nil)
	sessionKey, caseKey := f.prefix+"session:"+tag("5001"), f.prefix+"case:"+tag("5001")
	var raced []string
	rk := &rekeyer{client: f.client, codec: codecBA, prefix: f.prefix, batch: 500, beforeWrite: func(key string) {
		switch key {
		case sessionKey: // a live bot saves the session meanwhile
			s, err := live.Load(ctx, "5001")
			if err != nil {
				t.Error(err)
				return
			}
			s.Answers["dreams"] = dialog.Answer{Text: "Nu iets anders"}
			if _, err := live.Save(ctx, s); err != nil {
				t.Error(err)
			}
		case f.pendKey: // and the pending staff link is taken
			if _, _, err := pLive.Staff.TakePendingStaff(ctx, 77); err != nil {
				t.Error(err)
			}
		case caseKey: // and the case is erased
			if err := pLive.Cases.DeleteCase(ctx, "5001"); err != nil {
				t.Error(err)
			}
		default:
			return
		}
		raced = append(raced, key)
	}}
	r, err := rk.run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(raced) != 3 || r.Changed != 3 || r.Failed != 0 {
		t.Fatalf("raced %d, report %s", len(raced), r)
	}
	s, err := storage.NewSessions(f.client, mustCodec(t, b), storage.SessionsOptions{Prefix: f.prefix}).Load(ctx, "5001")
	if err != nil || s.Answers["dreams"].Text != "Nu iets anders" {
		t.Fatalf("the live save was overwritten: %v %+v", err, s.Answers)
	}
	if n := f.client.Exists(ctx, f.pendKey, caseKey).Val(); n != 0 {
		t.Fatalf("rekey brought back %d records taken meanwhile", n)
	}
	if r2, err := Run(ctx, f.client, codecBA, f.prefix, Options{}); err != nil || r2.Rekeyed != 0 || r2.Failed != 0 {
		t.Fatalf("second run: %v %s", err, r2)
	}
}

func TestRekeyCountsWhatDoesNotOpenAndLeavesIt(t *testing.T) {
	ctx := context.Background()
	a, b, c := testKey(0xA), testKey(0xB), testKey(0xC)
	f := newRekeyFixture(t, mustCodec(t, a))
	// A record sealed with a key nobody configured any more, one damaged,
	// and plain values that merely look alike are left alone.
	foreign := string(mustCodec(t, c).Seal([]byte("x"), []byte(f.prefix+"link:zz")))
	f.client.Set(ctx, f.prefix+"link:zz", foreign, time.Hour)
	damaged := []byte(string(mustCodec(t, a).Seal([]byte("y"), []byte(f.prefix+"session:9"))))
	damaged[len(damaged)-1] ^= 1
	f.client.HSet(ctx, f.prefix+"session:9", "v", "1", "data", string(damaged))
	f.client.Set(ctx, "other:thing", foreign, 0) // another deployment's prefix

	r, err := Run(ctx, f.client, mustCodec(t, b, a), f.prefix, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed != 2 || r.FailedIn[f.prefix+"link:"] != 1 || r.FailedIn[f.prefix+"session:"] != 1 {
		t.Fatalf("report %s", r)
	}
	if strings.Contains(r.String(), "zz") || strings.Contains(r.String(), ":9") {
		t.Fatalf("report names a record: %s", r)
	}
	if got := f.client.Get(ctx, f.prefix+"link:zz").Val(); got != foreign {
		t.Fatal("a value that does not open was changed")
	}
	if got := f.client.Get(ctx, "other:thing").Val(); got != foreign {
		t.Fatal("a key outside the prefix was touched")
	}
	if _, err := mustCodec(t, b, a).Open([]byte(f.client.HGet(ctx, f.prefix+"session:"+tag("5001"), "data").Val()), []byte(f.prefix+"session:"+tag("5001"))); err != nil {
		t.Fatalf("the rest was not re-encrypted: %v", err)
	}
	if _, err := mustCodec(t, b).Open([]byte(foreign), []byte(f.prefix+"link:zz")); !errors.Is(err, storage.ErrUnknownKey) {
		t.Fatalf("foreign: %v", err)
	}
}

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, storage.KeySize) }

func mustCodec(tb testing.TB, primary []byte, older ...[]byte) *storage.Codec {
	tb.Helper()
	c, err := storage.NewCodec(primary, older...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// tag is the hash tag a record of id is stored under by every test codec
// (none has a name key of its own).
func tag(id string) string {
	c, _ := storage.NewCodec(testKey(1))
	return "{" + c.Name(id) + "}"
}

// A record set aside (quarantine) is re-encrypted for the name it had, so
// that after the rotation it still opens once it is put back, and rekey
// does not count it as failed.
func TestRekeyReEncryptsARecordSetAside(t *testing.T) {
	ctx := context.Background()
	a, b := testKey(0xA), testKey(0xB)
	f := newRekeyFixture(t, mustCodec(t, a))
	sessions := storage.NewSessions(f.client, mustCodec(t, a), storage.SessionsOptions{Prefix: f.prefix})
	if moved, err := sessions.Quarantine(ctx, "5001"); err != nil || !moved {
		t.Fatalf("quarantine: %v %v", moved, err)
	}
	rep, err := Run(ctx, f.client, mustCodec(t, b, a), f.prefix, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 0 {
		t.Fatalf("report %s: a record set aside counted as failed", rep)
	}
	aside, err := f.client.Keys(ctx, f.prefix+"quarantine:*").Result()
	if err != nil || len(aside) != 1 {
		t.Fatalf("records set aside: %v %v", aside, err)
	}
	// Put back under its old name, it opens with the new key alone.
	if err := f.client.Rename(ctx, aside[0], f.prefix+strings.TrimPrefix(aside[0], f.prefix+"quarantine:")).Err(); err != nil {
		t.Fatal(err)
	}
	s, err := storage.NewSessions(f.client, mustCodec(t, b), storage.SessionsOptions{Prefix: f.prefix}).Load(ctx, "5001")
	if err != nil || s.Answers["dreams"].Text != "Een huis aan zee" {
		t.Fatalf("the session put back: %v %+v", err, s.Answers)
	}
}
