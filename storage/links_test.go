package storage

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage/redistest"
)

func inviteLink(director int64, firstName string, created time.Time) domain.Link {
	return domain.Link{
		Kind: domain.LinkInvite, CreatedBy: director, Director: director,
		FirstName: firstName, Note: "note for " + firstName,
		Created: created, Expires: created.Add(24 * time.Hour),
	}
}

func mustCreateLink(t *testing.T, p *People, l domain.Link) string {
	t.Helper()
	token, err := p.Links.CreateLink(context.Background(), l)
	if err != nil {
		t.Fatalf("CreateLink: %v", err)
	}
	return token
}

func TestTheDefaultFailureWindowIsAnHour(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	ctx := context.Background()
	if _, err := e.people.Links.LinkFailure(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if ttl := e.client.TTL(ctx, L("t:linkfail:5")).Val(); ttl < 59*time.Minute || ttl > time.Hour {
		t.Errorf("TTL = %v, want an hour", ttl)
	}
}

func TestWhatStaffWroteOnAnInviteIsNotReadableInRedisOrOnDisk(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	l := inviteLink(9, secrets[0], time.Now())
	l.Note = secrets[1]
	token := mustCreateLink(t, e.people, l)
	if _, err := e.people.Links.PendingInvites(context.Background(), 9); err != nil {
		t.Fatal(err)
	}
	d := e.dump(t)
	for _, s := range []string{secrets[0], secrets[1], token} {
		if bytes.Contains(d, []byte(s)) {
			t.Errorf("%q is readable in Redis or its files", s)
		}
	}
}

func TestALinkValueMovedToAnotherTokenDoesNotOpen(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	ctx := context.Background()
	staffLink := domain.Link{Kind: domain.LinkStaff, Role: domain.RoleDirector, Expires: time.Now().Add(time.Hour)}
	director := mustCreateLink(t, e.people, staffLink)
	other := mustCreateLink(t, e.people, inviteLink(9, "Sam", time.Now()))
	// Someone with write access to Redis copies the director link's value
	// under the invite's hash.
	v := e.client.Get(ctx, "t:link:"+TokenHash(director)).Val()
	e.client.Set(ctx, "t:link:"+TokenHash(other), v, time.Hour)
	if _, err := e.people.Links.UseLink(ctx, other); !errors.Is(err, ErrCorrupt) {
		t.Errorf("err = %v, want ErrCorrupt", err)
	}
}

// The contract (storetest) covers what callers see of links; here, what
// Redis holds and costs.

// Redis expires a link by its own clock and UseLink checks this replica's:
// either verdict of expired counts.
func TestALinkExpiredByThisReplicasClockIsInvalid(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	p := NewPeople(e.client, mustCodec(t, testKey(1)), "t:", func() time.Time { return time.Now().Add(2 * time.Hour) })
	l := inviteLink(9, "Sam", time.Now())
	l.Expires = time.Now().Add(time.Hour)
	token := mustCreateLink(t, p, l)
	if _, err := p.Links.UseLink(context.Background(), token); !errors.Is(err, domain.ErrLinkInvalid) {
		t.Errorf("err = %v, want domain.ErrLinkInvalid", err)
	}
}

func TestARefusedLinkLeavesNoKeys(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	for _, l := range []domain.Link{
		{Kind: domain.LinkStaff, Role: domain.RoleDirector},
		{Kind: domain.LinkInvite, FirstName: "Sam", Expires: time.Now().Add(time.Hour)},
	} {
		if _, err := e.people.Links.CreateLink(context.Background(), l); err == nil {
			t.Fatalf("CreateLink(%+v) succeeded", l)
		}
	}
	if keys := e.client.Keys(context.Background(), "*").Val(); len(keys) != 0 {
		t.Errorf("refused links left keys: %v", keys)
	}
}

func TestOnlyATokensHashIsStored(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	now := time.Now()
	var tokens []string
	for range 100 {
		tokens = append(tokens, mustCreateLink(t, e.people, domain.Link{Kind: domain.LinkStaff, Role: domain.RoleDirector, Created: now, Expires: now.Add(time.Hour)}))
	}
	d := e.dump(t)
	for _, token := range tokens {
		if bytes.Contains(d, []byte(token)) {
			t.Fatalf("token %q is readable in Redis or its files", token)
		}
	}
	if !bytes.Contains(d, []byte("t:link:"+TokenHash(tokens[0]))) {
		t.Error("the link is not stored under the token's hash")
	}
}

func TestMalformedTokensCostNoRoundTrip(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	trips := redistest.CountRoundTrips(e.client)
	for _, token := range []string{
		"",
		"short",
		"AAAAAAAAAAAAAAAAAAAAA",   // 21
		"AAAAAAAAAAAAAAAAAAAAAAA", // 23
		"AAAAAAAAAAAAAAAAAAAA==",
		"AAAAAAAAAAAAAAAAAAAA+/",
		"AAAAAAAAAAAAAAAAAAA A\n",
		"AAAAAAAAAAAAAAAAAAAAé",
		"t:link:*AAAAAAAAAAAAAA",
		strings.Repeat("A", 64),
	} {
		if _, err := e.people.Links.UseLink(context.Background(), token); !errors.Is(err, domain.ErrLinkInvalid) {
			t.Errorf("UseLink(%q): err = %v, want domain.ErrLinkInvalid", token, err)
		}
	}
	if trips.Count() != 0 {
		t.Errorf("malformed tokens cost %d round trips %v, want 0", trips.Count(), trips.Log())
	}
}

// The director's list of invites is tidied as it is read, and goes when
// its last invite expires.
func TestTheInviteListIsTidiedAndExpires(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	ctx := context.Background()
	p := e.people
	now := time.Now()
	mustCreateLink(t, p, inviteLink(9, "Older", now.Add(-2*time.Hour)))
	mustCreateLink(t, p, inviteLink(9, "Newer", now.Add(-time.Hour)))
	used := mustCreateLink(t, p, inviteLink(9, "Used", now))
	if _, err := p.Links.UseLink(ctx, used); err != nil {
		t.Fatal(err)
	}
	soon := inviteLink(9, "Expiring", now)
	soon.Expires = time.Now().Add(100 * time.Millisecond)
	mustCreateLink(t, p, soon)
	time.Sleep(200 * time.Millisecond)
	if _, err := p.Links.PendingInvites(ctx, 9); err != nil {
		t.Fatal(err)
	}
	if n := e.client.ZCard(ctx, L("t:director:9:invites")).Val(); n != 2 {
		t.Errorf("the director's invite list keeps %d entries, want 2", n)
	}
	if ttl := e.client.PTTL(ctx, L("t:director:9:invites")).Val(); ttl <= 0 || ttl > 24*time.Hour {
		t.Errorf("the invite list's TTL is %v, want until the last invite expires", ttl)
	}
}

func TestTheFailureCounterExpiresWithItsWindow(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	e.people.Links.failWindow = 300 * time.Millisecond
	ctx := context.Background()
	for range 3 {
		if _, err := e.people.Links.LinkFailure(ctx, 5); err != nil {
			t.Fatal(err)
		}
	}
	if ttl := e.client.PTTL(ctx, L("t:linkfail:5")).Val(); ttl <= 0 || ttl > 300*time.Millisecond {
		t.Errorf("counter TTL = %v, want at most the window", ttl)
	}
}
