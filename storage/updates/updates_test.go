package updates

import (
	"context"
	"testing"
	"time"

	"github.com/intakebot/intakebot/storage/redistest"
)

func TestClaimOnceFinishAndRelease(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	ctx := context.Background()
	a, b := New(rdb, "t:"), New(rdb, "t:") // two replicas
	tok, applied, err := a.Claim(ctx, 7, time.Minute)
	if err != nil || tok == "" || applied {
		t.Fatalf("first claim: %q %v %v", tok, applied, err)
	}
	if tok2, applied, err := b.Claim(ctx, 7, time.Minute); err != nil || tok2 != "" || applied {
		t.Fatalf("claim while held: %q %v %v, want busy", tok2, applied, err)
	}
	// Someone else's token does not release it.
	if err := b.Release(ctx, 7, "not-mine"); err != nil {
		t.Fatal(err)
	}
	if tok2, _, _ := b.Claim(ctx, 7, time.Minute); tok2 != "" {
		t.Fatal("released with a foreign token")
	}
	if err := a.Release(ctx, 7, tok); err != nil {
		t.Fatal(err)
	}
	tok, _, err = b.Claim(ctx, 7, time.Minute)
	if err != nil || tok == "" {
		t.Fatalf("claim after release: %q %v", tok, err)
	}
	if err := b.Finish(ctx, 7, tok); err != nil {
		t.Fatal(err)
	}
	if tok, applied, err := a.Claim(ctx, 7, time.Minute); tok != "" || !applied || err != nil {
		t.Fatalf("claim after finish: %q %v %v, want applied", tok, applied, err)
	}
	if ttl := rdb.PTTL(ctx, "t:update:7").Val(); ttl < DoneTTL-time.Minute {
		t.Errorf("applied update kept for %v", ttl)
	}
	// A lease is extended only by its holder.
	tok, _, _ = a.Claim(ctx, 9, 100*time.Millisecond)
	if ok, err := b.Extend(ctx, 9, "not-mine", time.Minute); ok || err != nil {
		t.Fatalf("extended with a foreign token: %v %v", ok, err)
	}
	if ok, err := a.Extend(ctx, 9, tok, time.Minute); !ok || err != nil {
		t.Fatalf("Extend: %v %v", ok, err)
	}
	time.Sleep(150 * time.Millisecond)
	if tok2, _, _ := b.Claim(ctx, 9, time.Minute); tok2 != "" {
		t.Fatal("an extended lease ran out")
	}
	// A lease that ran out frees the update.
	tok, _, _ = a.Claim(ctx, 8, 50*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	if tok2, _, _ := b.Claim(ctx, 8, time.Minute); tok2 == "" || tok2 == tok {
		t.Fatal("an expired lease still holds the update")
	}
}

func TestTurnFollowsUpdateIDsPerChat(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	ctx := context.Background()
	l := New(rdb, "t:")
	l.Settle = 0
	turn := func(chat, id int64, force bool) bool {
		t.Helper()
		ok, err := l.Turn(ctx, chat, id, force)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	applied := func(chat, id int64) {
		t.Helper()
		if err := l.Applied(ctx, chat, id); err != nil {
			t.Fatal(err)
		}
	}
	if !turn(1, 10, false) { // the first update ever sets the mark
		t.Fatal("10 waits for nothing")
	}
	if turn(1, 13, false) {
		t.Fatal("13 went before 11 and 12 arrived")
	}
	if !turn(2, 11, false) {
		t.Fatal("11 of another chat waits")
	}
	if turn(1, 13, false) {
		t.Fatal("13 went before 12 arrived")
	}
	if turn(1, 12, false) {
		t.Fatal("12 went before 10 of its chat was applied")
	}
	if turn(1, 13, false) {
		t.Fatal("13 went before 12 was applied")
	}
	applied(1, 10)
	if !turn(1, 12, false) || turn(1, 13, false) {
		t.Fatal("after 10: 12's turn, not 13's")
	}
	applied(1, 12)
	if !turn(1, 13, false) {
		t.Fatal("after 12, not 13's turn")
	}
	applied(1, 13)
	// A redelivery of an applied update waits for nothing and is not
	// pending again.
	if !turn(1, 12, false) {
		t.Fatal("a redelivered 12 waits")
	}
	if !turn(1, 14, false) {
		t.Fatal("14 waits behind a redelivered 12")
	}
	// A gap that never closes: forced after the bounded wait, once.
	if turn(3, 20, false) {
		t.Fatal("20 went with 15..19 missing")
	}
	if !turn(3, 20, true) {
		t.Fatal("forced 20 did not go")
	}
	if !turn(4, 21, false) {
		t.Fatal("21 still waits for the gap")
	}
	// An earlier update of the chat that was passed over.
	if turn(5, 22, false) == false {
		t.Fatal("22")
	}
	if turn(5, 23, false) {
		t.Fatal("23 went before 22 was applied")
	}
	if !turn(5, 23, true) {
		t.Fatal("forced 23 did not go")
	}
	applied(5, 23)
	if !turn(5, 24, false) {
		t.Fatal("24 waits for 22, which was passed over")
	}
	for _, k := range []string{"t:{updates}:mark", "t:{chat:1}:applied", "t:{chat:5}:pending"} {
		if ttl := rdb.PTTL(ctx, k).Val(); ttl <= 0 || ttl > OrderTTL {
			t.Errorf("%s expires in %v", k, ttl)
		}
	}
}

// Updates that arrive together, in another order, at a first start: the
// mark settles on the lowest of them.
func TestTheFirstMarkSettles(t *testing.T) {
	rdb := redistest.Start(t).Client(t)
	ctx := context.Background()
	l := New(rdb, "t:")
	l.Settle = 300 * time.Millisecond
	turn := func(chat, id int64) bool {
		t.Helper()
		ok, err := l.Turn(ctx, chat, id, false)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if turn(1, 30) || turn(2, 29) || turn(1, 28) {
		t.Fatal("an update went while the mark settles")
	}
	time.Sleep(350 * time.Millisecond)
	if turn(1, 30) {
		t.Fatal("30 went before 28 of its chat was applied")
	}
	if !turn(2, 29) || !turn(1, 28) {
		t.Fatal("29 and 28 wait for nothing once settled")
	}
	if turn(3, 32) {
		t.Fatal("32 went with 31 missing")
	}
}
