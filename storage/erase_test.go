package storage

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

func TestEraseTracesAndCaseLinks(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	const user, director = int64(4711), int64(9)
	key := strconv.FormatInt(user, 10)

	// What the person leaves: failed links, a trail, an urgent alert, a
	// re-attach link, beside another person's things that must stay.
	if _, err := e.people.Links.LinkFailure(ctx, user); err != nil {
		t.Fatal(err)
	}
	if _, err := e.people.Links.LinkFailure(ctx, 4712); err != nil {
		t.Fatal(err)
	}
	if err := NewTrail(e.client, "t:").Push(ctx, map[string][]string{key: {"1:1"}, "4712": {"2:2"}}); err != nil {
		t.Fatal(err)
	}
	e.client.Set(ctx, "t:alert:"+key, "sealed", 0)
	e.client.ZAdd(ctx, "t:alerts", redisZ(1, key), redisZ(2, "4712"))
	relink := mustCreateLink(t, e.people, domain.Link{Kind: domain.LinkInvite, Director: director, CaseKey: key, FirstName: "Sam", Created: now, Expires: now.Add(time.Hour)})
	otherRelink := mustCreateLink(t, e.people, domain.Link{Kind: domain.LinkInvite, Director: director, CaseKey: "4712", Created: now, Expires: now.Add(time.Hour)})
	invite := mustCreateLink(t, e.people, inviteLink(director, "Noor", now))

	if err := e.people.Erasure.EraseTraces(ctx, user, key); err != nil {
		t.Fatal(err)
	}
	n, err := e.people.Links.DeleteCaseLinks(ctx, key, director, 0, 12345)
	if err != nil || n != 1 {
		t.Fatalf("DeleteCaseLinks = %d, %v; want 1 link deleted", n, err)
	}
	// Again: nothing left, not an error.
	if n, err := e.people.Links.DeleteCaseLinks(ctx, key, director); err != nil || n != 0 {
		t.Fatalf("DeleteCaseLinks again = %d, %v", n, err)
	}
	if err := e.people.Erasure.EraseTraces(ctx, user, key); err != nil {
		t.Fatalf("EraseTraces again: %v", err)
	}

	for _, k := range e.client.Keys(ctx, "*").Val() {
		if slices.Contains([]string{"t:linkfail:" + key, "t:shown:" + key, "t:alert:" + key}, k) {
			t.Errorf("%s survived", k)
		}
	}
	if s := e.client.ZScore(ctx, "t:alerts", key); s.Err() == nil {
		t.Error("the alert's due time survived")
	}
	if n, _ := e.people.Links.LinkFailures(ctx, 4712); n != 1 {
		t.Error("another person's failed links were erased")
	}
	if e.client.Exists(ctx, "t:shown:4712").Val() != 1 || e.client.ZScore(ctx, "t:alerts", "4712").Err() != nil {
		t.Error("another person's trail or alert was erased")
	}
	if _, err := e.people.Links.UseLink(ctx, relink); err == nil {
		t.Error("the re-attach link still works")
	}
	for _, tok := range []string{otherRelink, invite} {
		if _, err := e.people.Links.UseLink(ctx, tok); err != nil {
			t.Errorf("another link was deleted: %v", err)
		}
	}
}
