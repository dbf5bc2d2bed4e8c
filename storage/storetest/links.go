package storetest

import (
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

var linksContract = []contract{
	{"ALinkWorksOnceThenIsInvalid", linkWorksOnce},
	{"AnExpiredLinkIsInvalid", expiredLinkIsInvalid},
	{"CreateLinkRefusesLinksThatCouldNotWork", createLinkRefuses},
	{"TokensAreLongRandomAndFitTelegram", tokensAreLongAndRandom},
	{"MalformedTokensAreInvalid", malformedTokensAreInvalid},
	{"OnlyOneOfTwentyPeopleOpeningALinkAtOnceGetsIt", oneOfTwentyGetsTheLink},
	{"PendingInvitesListsOnlyLiveInvitesNewestFirst", pendingInvitesLiveNewestFirst},
	{"LinkFailuresAreCountedAndForgottenAfterTheWindow", linkFailuresWindow},
	{"PeekReadsALinkWithoutUsingItUp", linkPeekLeavesItUsable},
}

func linkPeekLeavesItUsable(t *testing.T, open Open) {
	s := open(t, Config{})
	ctx := t.Context()
	l := inviteLink(9, "Sam", now(s))
	token := mustCreateLink(t, s, l)
	for range 2 {
		got, err := s.Links.PeekLink(ctx, token)
		if err != nil || got != l {
			t.Fatalf("PeekLink = %+v, %v; want %+v", got, err, l)
		}
	}
	if got, err := s.Links.UseLink(ctx, token); err != nil || got != l {
		t.Fatalf("UseLink after peeking = %+v, %v", got, err)
	}
	if _, err := s.Links.PeekLink(ctx, token); !errors.Is(err, domain.ErrLinkInvalid) {
		t.Errorf("PeekLink of a used link: %v; want domain.ErrLinkInvalid", err)
	}
	if _, err := s.Links.PeekLink(ctx, "short"); !errors.Is(err, domain.ErrLinkInvalid) {
		t.Errorf("PeekLink of a malformed token: %v; want domain.ErrLinkInvalid", err)
	}
}

func inviteLink(director int64, firstName string, created time.Time) domain.Link {
	return domain.Link{
		Kind: domain.LinkInvite, CreatedBy: director, Director: director,
		FirstName: firstName, Note: "note for " + firstName,
		Created: created, Expires: created.Add(24 * time.Hour),
	}
}

func mustCreateLink(t *testing.T, s Stores, l domain.Link) string {
	t.Helper()
	token, err := s.Links.CreateLink(t.Context(), l)
	if err != nil {
		t.Fatalf("CreateLink: %v", err)
	}
	return token
}

// now is the stores' time to the millisecond in UTC, so that a link or
// case compares equal after the round trip through JSON.
func now(s Stores) time.Time { return s.Clock.Now().UTC().Truncate(time.Millisecond) }

func linkWorksOnce(t *testing.T, open Open) {
	s := open(t, Config{})
	ctx := t.Context()
	now := now(s)
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
			token := mustCreateLink(t, s, tt.link)
			got, err := s.Links.UseLink(ctx, token)
			if err != nil {
				t.Fatalf("first use: %v", err)
			}
			if got != tt.link {
				t.Errorf("first use = %+v, want %+v", got, tt.link)
			}
			if _, err := s.Links.UseLink(ctx, token); !errors.Is(err, domain.ErrLinkInvalid) {
				t.Errorf("second use: err = %v, want domain.ErrLinkInvalid", err)
			}
		})
	}
}

func expiredLinkIsInvalid(t *testing.T, open Open) {
	tests := []struct {
		name    string
		expires time.Duration // from now
		wait    time.Duration
	}{
		{"expiry already passed when it was made", -time.Second, 0},
		{"expired while nobody opened it", 150 * time.Millisecond, 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := open(t, Config{})
			l := inviteLink(9, "Sam", s.Clock.Now())
			l.Expires = s.Clock.Now().Add(tt.expires)
			token := mustCreateLink(t, s, l)
			s.Clock.Pass(tt.wait)
			if _, err := s.Links.UseLink(t.Context(), token); !errors.Is(err, domain.ErrLinkInvalid) {
				t.Errorf("err = %v, want domain.ErrLinkInvalid", err)
			}
			if got, err := s.Links.PendingInvites(t.Context(), 9); len(got) != 0 || err != nil {
				t.Errorf("PendingInvites = %+v, %v; want none", got, err)
			}
		})
	}
}

func createLinkRefuses(t *testing.T, open Open) {
	s := open(t, Config{})
	expires := s.Clock.Now().Add(time.Hour)
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
			if _, err := s.Links.CreateLink(t.Context(), tt.link); err == nil {
				t.Error("CreateLink succeeded")
			}
		})
	}
	if got, err := s.Links.PendingInvites(t.Context(), 9); len(got) != 0 || err != nil {
		t.Errorf("a refused invite is pending: %+v, %v", got, err)
	}
}

func tokensAreLongAndRandom(t *testing.T, open Open) {
	s := open(t, Config{})
	now := s.Clock.Now()
	seen := make(map[string]bool)
	for range 1000 {
		token := mustCreateLink(t, s, domain.Link{Kind: domain.LinkStaff, Role: domain.RoleDirector, Created: now, Expires: now.Add(time.Hour)})
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
	}
}

func malformedTokensAreInvalid(t *testing.T, open Open) {
	s := open(t, Config{})
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
		"AAAAAAAAAAAAAAAAAAAAAA", // well-formed, unknown
	} {
		if _, err := s.Links.UseLink(t.Context(), token); !errors.Is(err, domain.ErrLinkInvalid) {
			t.Errorf("UseLink(%q): err = %v, want domain.ErrLinkInvalid", token, err)
		}
	}
}

func oneOfTwentyGetsTheLink(t *testing.T, open Open) {
	s := open(t, Config{})
	token := mustCreateLink(t, s, inviteLink(9, "Sam", s.Clock.Now()))

	const openers = 20
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		mu      sync.Mutex
		got     int
		invalid int
	)
	for range openers {
		wg.Go(func() {
			r := s.replica(t)
			<-start
			_, err := r.Links.UseLink(t.Context(), token)
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
		})
	}
	close(start)
	wg.Wait()
	if got != 1 || invalid != openers-1 {
		t.Errorf("%d got the link, %d were told it is invalid; want 1 and %d", got, invalid, openers-1)
	}
}

func pendingInvitesLiveNewestFirst(t *testing.T, open Open) {
	s := open(t, Config{})
	ctx := t.Context()
	now := now(s)
	const director = 9

	older := inviteLink(director, "Older", now.Add(-2*time.Hour))
	newer := inviteLink(director, "Newer", now.Add(-time.Hour))
	mustCreateLink(t, s, older)
	mustCreateLink(t, s, newer)
	used := mustCreateLink(t, s, inviteLink(director, "Used", now))
	if _, err := s.Links.UseLink(ctx, used); err != nil {
		t.Fatal(err)
	}
	soon := inviteLink(director, "Expiring", now)
	soon.Expires = s.Clock.Now().Add(100 * time.Millisecond)
	mustCreateLink(t, s, soon)
	mustCreateLink(t, s, inviteLink(director+1, "Someone else's", now))
	mustCreateLink(t, s, domain.Link{Kind: domain.LinkStaff, Role: domain.RoleCounsellor, CreatedBy: director, Created: now, Expires: now.Add(time.Hour)})
	s.Clock.Pass(200 * time.Millisecond)

	got, err := s.Links.PendingInvites(ctx, director)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != newer || got[1] != older {
		t.Errorf("PendingInvites = %+v\nwant the newer and the older invite", got)
	}
	if got, err := s.Links.PendingInvites(ctx, 12345); len(got) != 0 || err != nil {
		t.Errorf("a director without invites: %v, %v", got, err)
	}
}

func linkFailuresWindow(t *testing.T, open Open) {
	s := open(t, Config{LinkFailureWindow: 300 * time.Millisecond})
	ctx := t.Context()
	if n, err := s.Links.LinkFailures(ctx, 5); n != 0 || err != nil {
		t.Fatalf("before any failure: %d, %v", n, err)
	}
	for want := 1; want <= 3; want++ {
		if n, err := s.Links.LinkFailure(ctx, 5); n != want || err != nil {
			t.Fatalf("failure %d counted as %d, %v", want, n, err)
		}
	}
	if n, _ := s.Links.LinkFailures(ctx, 5); n != 3 {
		t.Errorf("LinkFailures = %d, want 3", n)
	}
	if n, _ := s.Links.LinkFailures(ctx, 6); n != 0 {
		t.Errorf("another person's failures = %d, want 0", n)
	}
	s.Clock.Pass(400 * time.Millisecond)
	if n, _ := s.Links.LinkFailures(ctx, 5); n != 0 {
		t.Errorf("after the window: %d failures, want 0", n)
	}
	if n, _ := s.Links.LinkFailure(ctx, 5); n != 1 {
		t.Errorf("first failure of a new window counted as %d", n)
	}
}
