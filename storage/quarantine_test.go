package storage

import (
	"context"
	"strings"
	"testing"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage/redistest"
)

// TestAQuarantinedSessionKeepsItsValueAndTTLAndGoesWithDelete: set aside is
// a rename, never a deletion; the idle TTL still runs, the indexes forget
// it, and /delete (Sessions.Delete) erases the copy too.
func TestAQuarantinedSessionKeepsItsValueAndTTLAndGoesWithDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	mustSave(t, e.sessions, intakeSession("1001"))
	rkey := e.sessions.sessionKey("1001")
	Damage(t, e.client, e.sessions.codec, DefaultPrefix, "session", "1001")
	damaged, err := e.client.HGetAll(ctx, rkey).Result()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sessions.Load(ctx, "1001"); err == nil {
		t.Fatal("a damaged session loaded")
	}
	if moved, err := e.sessions.Quarantine(ctx, "1001"); !moved || err != nil {
		t.Fatalf("Quarantine = %v, %v", moved, err)
	}
	q := QuarantineKey(DefaultPrefix, rkey)
	if hashTag(q) != hashTag(rkey) || hashTag(q) == "" {
		t.Errorf("set aside under %s, not in the slot of %s", q, rkey)
	}
	kept, err := e.client.HGetAll(ctx, q).Result()
	if err != nil || len(kept) == 0 || kept["data"] != damaged["data"] || kept["v"] != damaged["v"] {
		t.Fatalf("set aside under %s: %v, %v; want the record as it was", q, kept, err)
	}
	if ttl := e.client.PTTL(ctx, q).Val(); ttl <= 0 || ttl > testTTL {
		t.Errorf("TTL of the record set aside = %v, want the idle TTL still running", ttl)
	}

	// A second record of the same key set aside keeps the first.
	mustSave(t, e.sessions, intakeSession("1001"))
	Damage(t, e.client, e.sessions.codec, DefaultPrefix, "session", "1001")
	if moved, err := e.sessions.Quarantine(ctx, "1001"); !moved || err != nil {
		t.Fatalf("second Quarantine = %v, %v", moved, err)
	}
	if again, _ := e.client.HGet(ctx, q, "data").Result(); again != damaged["data"] {
		t.Error("the second record set aside overwrote the first")
	}
	if n := len(e.client.Keys(ctx, q+"*").Val()); n != 2 {
		t.Errorf("%d records set aside, want 2", n)
	}

	if err := e.sessions.Delete(ctx, "1001"); err != nil {
		t.Fatal(err)
	}
	if e.client.Exists(ctx, q).Val() != 0 {
		t.Error("Delete left the session set aside")
	}
}

// BenchmarkSetAsideAndStartAgain is what the store does for a session that
// does not open, once the reads have given up: set it aside, find the key
// free, save the new start (the bot adds its pauses between the reads,
// 150 ms in all, on top).
func BenchmarkSetAsideAndStartAgain(b *testing.B) {
	srv := redistest.Start(b)
	client := srv.Client(b)
	s := NewSessions(client, mustCodec(b, testKey(1)), SessionsOptions{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		if err := s.Delete(ctx, "bench"); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Save(ctx, intakeSession("bench")); err != nil {
			b.Fatal(err)
		}
		Damage(b, client, s.codec, DefaultPrefix, "session", "bench")
		b.StartTimer()
		if _, err := s.LoadFresh(ctx, "bench"); err == nil {
			b.Fatal("a damaged session opened")
		}
		if moved, err := s.Quarantine(ctx, "bench"); !moved || err != nil {
			b.Fatal(moved, err)
		}
		fresh := intakeSession("bench")
		if _, err := s.Save(ctx, fresh); err != nil {
			b.Fatal(err)
		}
	}
}

// A case set aside goes with DeleteCase (/delete, retention); a staff
// member set aside leaves the staff set on the next ListStaff.
func TestQuarantinedCaseGoesWithDeleteAndStaffLeavesTheSet(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := t.Context()
	if err := e.people.Cases.SaveCase(ctx, domain.Case{Key: "4711", Director: 9, FirstName: "Sam"}); err != nil {
		t.Fatal(err)
	}
	Damage(t, e.client, e.people.Cases.codec, "t:", "case", "4711")
	if moved, err := e.people.Cases.QuarantineCase(ctx, "4711"); !moved || err != nil {
		t.Fatalf("QuarantineCase = %v, %v", moved, err)
	}
	q := QuarantineKey("t:", L("t:case:4711"))
	if hashTag(q) != hashTag(L("t:case:4711")) {
		t.Errorf("case set aside under %s, not in its slot", q)
	}
	if e.client.Exists(ctx, q).Val() != 1 {
		t.Fatalf("no case set aside under %s", q)
	}
	if err := e.people.Cases.DeleteCase(ctx, "4711"); err != nil {
		t.Fatal(err)
	}
	if e.client.Exists(ctx, q).Val() != 0 {
		t.Error("DeleteCase left the case set aside")
	}

	mustAddStaff(t, e.people, domain.StaffMember{UserID: 12, Role: domain.RoleCounsellor, Name: "C"})
	Damage(t, e.client, e.people.Staff.codec, "t:", "staff", "12")
	if moved, err := e.people.Staff.QuarantineStaff(ctx, 12); !moved || err != nil {
		t.Fatalf("QuarantineStaff = %v, %v", moved, err)
	}
	if list, err := e.people.Staff.ListStaff(ctx); err != nil || len(list) != 0 {
		t.Fatalf("ListStaff = %v, %v", list, err)
	}
	if e.client.SIsMember(ctx, "t:staff", N("12")).Val() {
		t.Error("the member set aside is still in the staff set")
	}
}

// hashTag is the part of key Redis Cluster hashes: between the first "{"
// and the next "}", when not empty.
func hashTag(key string) string {
	_, rest, ok := strings.Cut(key, "{")
	if !ok {
		return ""
	}
	tag, _, ok := strings.Cut(rest, "}")
	if !ok {
		return ""
	}
	return tag
}
