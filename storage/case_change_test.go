package storage

import (
	"context"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

// Work that wrote a case just before a /delete then schedules its due
// time: the erased case gets no due entry back (its member is the chat ID).
func TestScheduleDueAfterAnErasureWritesNothing(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	p := e.people
	mustSaveCase(t, p, domain.Case{Key: "8201", Director: 100, Linked: fixedNow})
	if ok, err := p.Cases.ChangeCase(ctx, "8201", func(c *domain.Case) bool { c.Acknowledged = fixedNow; return true }); err != nil || !ok {
		t.Fatalf("ChangeCase = %v, %v", ok, err)
	}
	// /delete lands here, between the write and the due time.
	if err := p.Cases.DeleteCase(ctx, "8201"); err != nil {
		t.Fatal(err)
	}
	if err := p.Cases.ScheduleDue(ctx, "8201", fixedNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if keys := e.client.Keys(ctx, "*").Val(); len(keys) != 0 {
		t.Errorf("ScheduleDue after the erasure left %v", keys)
	}
	// A case that exists gets its due time.
	mustSaveCase(t, p, domain.Case{Key: "8202", Director: 100, Linked: fixedNow})
	mustSchedule(t, p, "8202", fixedNow)
	if got := claim(t, p, fixedNow, time.Minute, 10); got != "[8202]" {
		t.Errorf("claim = %s, want [8202]", got)
	}
}

// ChangeCase changes only what its function changes, on the case as it is
// when written: an acknowledgement that lands between its read and its
// write is kept (the function is asked again and declines), and so is a
// reassignment.
func TestChangeCaseKeepsAConcurrentAcknowledgement(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	p := e.people
	delivered := fixedNow.Add(time.Hour)
	mustSaveCase(t, p, domain.Case{Key: "8301", Director: 100, FirstName: "Ada", Linked: fixedNow, Delivered: delivered})
	acked := fixedNow.Add(2 * time.Hour)
	calls := 0
	ok, err := p.Cases.ChangeCase(ctx, "8301", func(c *domain.Case) bool {
		calls++
		if calls == 1 {
			// The director presses the button now, and another director
			// takes the case over.
			d := *c
			d.Acknowledged, d.AckBy, d.Director = acked, 100, 101
			if err := p.Cases.SaveCase(ctx, d); err != nil {
				t.Fatalf("SaveCase: %v", err)
			}
		}
		if !c.Acknowledged.IsZero() {
			return false
		}
		c.Reminded = fixedNow.Add(3 * time.Hour)
		return true
	})
	if err != nil || ok {
		t.Fatalf("ChangeCase = %v, %v; want false: acknowledged meanwhile", ok, err)
	}
	if calls != 2 {
		t.Errorf("the change was asked %d times, want 2", calls)
	}
	got := mustCase(t, p, "8301")
	if !got.Acknowledged.Equal(acked) || got.AckBy != 100 || got.Director != 101 || !got.Reminded.IsZero() {
		t.Errorf("case = %+v: the acknowledgement or the reassignment was lost", got)
	}
	if v := e.client.HGet(ctx, "t:case:8301", "acknowledged").Val(); v != itoa(acked.Unix()) {
		t.Errorf("plain acknowledged = %q", v)
	}

	// Unhindered, it writes the plain field and the sealed copy alike.
	ok, err = p.Cases.ChangeCase(ctx, "8301", func(c *domain.Case) bool { c.Escalated = fixedNow.Add(4 * time.Hour); return true })
	if err != nil || !ok {
		t.Fatalf("ChangeCase = %v, %v", ok, err)
	}
	if got := mustCase(t, p, "8301"); !got.Escalated.Equal(fixedNow.Add(4*time.Hour)) || got.Director != 101 || got.FirstName != "Ada" {
		t.Errorf("case = %+v", got)
	}
	if v := e.client.HGet(ctx, "t:case:8301", "escalated").Val(); v != itoa(fixedNow.Add(4*time.Hour).Unix()) {
		t.Errorf("plain escalated = %q", v)
	}

	// An erased case is not brought back.
	if err := p.Cases.DeleteCase(ctx, "8301"); err != nil {
		t.Fatal(err)
	}
	ok, err = p.Cases.ChangeCase(ctx, "8301", func(c *domain.Case) bool { t.Error("asked to change an erased case"); return true })
	if err != nil || ok {
		t.Fatalf("ChangeCase of an erased case = %v, %v", ok, err)
	}
	if keys := e.client.Keys(ctx, "*").Val(); len(keys) != 0 {
		t.Errorf("ChangeCase brought back %v", keys)
	}
}
