package storage

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
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

func TestALinkWorksOnceThenIsInvalid(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	tests := []struct {
		name string
		link domain.Link
	}{
		{"staff link", domain.Link{Kind: domain.LinkStaff, Role: domain.RoleCounsellor, CreatedBy: 9, Created: now, Expires: now.Add(time.Hour)}},
		{"invite", inviteLink(9, "Sam", now)},
		{"invite re-attaching a case", domain.Link{Kind: domain.LinkInvite, Director: 9, CaseKey: "4711", Created: now, Expires: now.Add(time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := mustCreateLink(t, e.people, tt.link)
			got, err := e.people.Links.UseLink(ctx, token)
			if err != nil {
				t.Fatalf("first use: %v", err)
			}
			if got != tt.link {
				t.Errorf("first use = %+v, want %+v", got, tt.link)
			}
			if _, err := e.people.Links.UseLink(ctx, token); !errors.Is(err, domain.ErrLinkInvalid) {
				t.Errorf("second use: err = %v, want domain.ErrLinkInvalid", err)
			}
		})
	}
}

func TestAnExpiredLinkIsInvalid(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	ctx := context.Background()
	tests := []struct {
		name    string
		expires time.Duration // from now
		wait    time.Duration
		clock   time.Duration // how far this replica's clock is ahead
	}{
		{"expiry already passed when it was made", -time.Second, 0, 0},
		{"expired while nobody opened it", 150 * time.Millisecond, 300 * time.Millisecond, 0},
		{"this replica's clock is past the expiry", time.Hour, 0, 2 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := NewPeople(e.client, mustCodec(t, testKey(1)), "t:", func() time.Time { return time.Now().Add(tt.clock) })
			l := inviteLink(9, "Sam", time.Now())
			l.Expires = time.Now().Add(tt.expires)
			token := mustCreateLink(t, p, l)
			time.Sleep(tt.wait)
			if _, err := p.Links.UseLink(ctx, token); !errors.Is(err, domain.ErrLinkInvalid) {
				t.Errorf("err = %v, want domain.ErrLinkInvalid", err)
			}
		})
	}
}

func TestCreateLinkRefusesLinksThatCouldNotWork(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	expires := time.Now().Add(time.Hour)
	tests := []struct {
		name string
		link domain.Link
	}{
		{"never expires", domain.Link{Kind: domain.LinkStaff, Role: domain.RoleDirector}},
		{"staff link without role", domain.Link{Kind: domain.LinkStaff, Expires: expires}},
		{"invite without director", domain.Link{Kind: domain.LinkInvite, FirstName: "Sam", Expires: expires}},
		{"no kind", domain.Link{Director: 9, Expires: expires}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := e.people.Links.CreateLink(context.Background(), tt.link); err == nil {
				t.Error("CreateLink succeeded")
			}
		})
	}
	if keys := e.client.Keys(context.Background(), "*").Val(); len(keys) != 0 {
		t.Errorf("refused links left keys: %v", keys)
	}
}

func TestTokensAreLongRandomAndOnlyTheirHashIsStored(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	now := time.Now()
	seen := make(map[string]bool)
	var tokens []string
	for range 1000 {
		token := mustCreateLink(t, e.people, domain.Link{Kind: domain.LinkStaff, Role: domain.RoleDirector, Created: now, Expires: now.Add(time.Hour)})
		if len(token) != 22 {
			t.Fatalf("token of %d characters, want 22", len(token))
		}
		raw, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(raw) < 16 {
			t.Fatalf("token does not carry 128 bits: %v, %d bytes", err, len(raw))
		}
		if strings.Trim(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != "" {
			t.Fatalf("token %q has characters Telegram refuses in /start", token)
		}
		if seen[token] {
			t.Fatalf("token %q made twice", token)
		}
		seen[token] = true
		tokens = append(tokens, token)
	}

	d := e.dump(t)
	for _, token := range tokens {
		if bytes.Contains(d, []byte(token)) {
			t.Fatalf("token %q is readable in Redis or its files", token)
		}
	}
	if !bytes.Contains(d, []byte("t:link:"+tokenHash(tokens[0]))) {
		t.Error("the link is not stored under the token's hash")
	}
}

func TestMalformedTokensAreInvalidWithoutAskingRedis(t *testing.T) {
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
	if _, err := e.people.Links.UseLink(context.Background(), "AAAAAAAAAAAAAAAAAAAAAA"); !errors.Is(err, domain.ErrLinkInvalid) {
		t.Errorf("well-formed unknown token: err = %v, want domain.ErrLinkInvalid", err)
	}
}

func TestOnlyOneOfTwentyPeopleOpeningALinkAtOnceGetsIt(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	token := mustCreateLink(t, e.people, inviteLink(9, "Sam", time.Now()))

	const openers = 20
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		mu      sync.Mutex
		got     int
		invalid int
	)
	for range openers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := e.people.Links.UseLink(context.Background(), token)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				got++
			case errors.Is(err, domain.ErrLinkInvalid):
				invalid++
			default:
				t.Errorf("UseLink: %v", err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if got != 1 || invalid != openers-1 {
		t.Errorf("%d got the link, %d were told it is invalid; want 1 and %d", got, invalid, openers-1)
	}
}

func TestPendingInvitesListsOnlyLiveInvitesNewestFirst(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	ctx := context.Background()
	p := e.people
	now := time.Now().UTC().Truncate(time.Millisecond)
	const director = 9

	older := inviteLink(director, "Older", now.Add(-2*time.Hour))
	newer := inviteLink(director, "Newer", now.Add(-time.Hour))
	mustCreateLink(t, p, older)
	mustCreateLink(t, p, newer)
	used := mustCreateLink(t, p, inviteLink(director, "Used", now))
	if _, err := p.Links.UseLink(ctx, used); err != nil {
		t.Fatal(err)
	}
	soon := inviteLink(director, "Expiring", now)
	soon.Expires = time.Now().Add(100 * time.Millisecond)
	mustCreateLink(t, p, soon)
	mustCreateLink(t, p, inviteLink(director+1, "Someone else's", now))
	mustCreateLink(t, p, domain.Link{Kind: domain.LinkStaff, Role: domain.RoleCounsellor, CreatedBy: director, Created: now, Expires: now.Add(time.Hour)})
	time.Sleep(200 * time.Millisecond)

	got, err := p.Links.PendingInvites(ctx, director)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != newer || got[1] != older {
		t.Errorf("PendingInvites = %+v\nwant the newer and the older invite", got)
	}
	if n := e.client.ZCard(ctx, "t:director:9:invites").Val(); n != 2 {
		t.Errorf("the director's invite list keeps %d entries, want 2", n)
	}
	// The list goes when its last invite expires.
	if ttl := e.client.PTTL(ctx, "t:director:9:invites").Val(); ttl <= 0 || ttl > 24*time.Hour {
		t.Errorf("the invite list's TTL is %v, want until the last invite expires", ttl)
	}
	if got, err := p.Links.PendingInvites(ctx, 12345); len(got) != 0 || err != nil {
		t.Errorf("a director without invites: %v, %v", got, err)
	}
}

func TestLinkFailuresAreCountedAndForgottenAfterTheWindow(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	e.people.Links.failWindow = 300 * time.Millisecond
	ctx := context.Background()
	p := e.people

	if n, err := p.Links.LinkFailures(ctx, 5); n != 0 || err != nil {
		t.Fatalf("before any failure: %d, %v", n, err)
	}
	for want := 1; want <= 3; want++ {
		if n, err := p.Links.LinkFailure(ctx, 5); n != want || err != nil {
			t.Fatalf("failure %d counted as %d, %v", want, n, err)
		}
	}
	if n, _ := p.Links.LinkFailures(ctx, 5); n != 3 {
		t.Errorf("LinkFailures = %d, want 3", n)
	}
	if n, _ := p.Links.LinkFailures(ctx, 6); n != 0 {
		t.Errorf("another person's failures = %d, want 0", n)
	}
	if ttl := e.client.PTTL(ctx, "t:linkfail:5").Val(); ttl <= 0 || ttl > 300*time.Millisecond {
		t.Errorf("counter TTL = %v, want at most the window", ttl)
	}
	time.Sleep(400 * time.Millisecond)
	if n, _ := p.Links.LinkFailures(ctx, 5); n != 0 {
		t.Errorf("after the window: %d failures, want 0", n)
	}
	if n, _ := p.Links.LinkFailure(ctx, 5); n != 1 {
		t.Errorf("first failure of a new window counted as %d", n)
	}
}

func TestTheDefaultFailureWindowIsAnHour(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	ctx := context.Background()
	if _, err := e.people.Links.LinkFailure(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if ttl := e.client.TTL(ctx, "t:linkfail:5").Val(); ttl < 59*time.Minute || ttl > time.Hour {
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
	v := e.client.Get(ctx, "t:link:"+tokenHash(director)).Val()
	e.client.Set(ctx, "t:link:"+tokenHash(other), v, time.Hour)
	if _, err := e.people.Links.UseLink(ctx, other); !errors.Is(err, ErrCorrupt) {
		t.Errorf("err = %v, want ErrCorrupt", err)
	}
}
