package storage

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage/redistest"
)

// Tests of the people stores are in the file of their store (staff_test.go,
// links_test.go, cases_test.go, due_test.go, alerts_test.go, ...); this
// file holds what they share and the tests that go over every store. That
// the stores together offer every method of bot.People, bot.OnCall and
// bot.Eraser is checked where they meet: cmd/intakebot's peopleStore.

type peopleEnv struct {
	srv    *redistest.Server
	client *redis.Client
	people *People
}

// newPeopleEnv starts a Redis and the people stores on it with the prefix
// "t:". A nil now is the real clock, which links need: Redis expires them
// by its own.
func newPeopleEnv(t *testing.T, now func() time.Time) peopleEnv {
	t.Helper()
	srv := redistest.Start(t)
	client := srv.Client(t)
	return peopleEnv{srv: srv, client: client, people: NewPeople(client, mustCodec(t, testKey(1)), "t:", now)}
}

func fixedClock() time.Time { return fixedNow }

// dump returns every key and value in Redis, and the files in its data
// directory (the AOF is what a stolen disk or backup would show).
func (e peopleEnv) dump(t *testing.T) []byte {
	t.Helper()
	ctx := context.Background()
	var out bytes.Buffer
	keys, err := e.client.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		out.WriteString(k + "\n")
		switch typ := e.client.Type(ctx, k).Val(); typ {
		case "hash":
			for f, v := range e.client.HGetAll(ctx, k).Val() {
				out.WriteString(f + "=" + v + "\n")
			}
		case "string":
			out.WriteString(e.client.Get(ctx, k).Val() + "\n")
		case "set":
			out.WriteString(strings.Join(e.client.SMembers(ctx, k).Val(), "\n") + "\n")
		case "zset":
			out.WriteString(strings.Join(e.client.ZRange(ctx, k, 0, -1).Val(), "\n") + "\n")
		case "stream":
			for _, m := range e.client.XRange(ctx, k, "-", "+").Val() {
				for f, v := range m.Values {
					out.WriteString(f + "=" + v.(string) + "\n")
				}
			}
		default:
			t.Errorf("key %s has type %s, which this test cannot read", k, typ)
		}
	}
	err = filepath.WalkDir(e.srv.Dir(), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		out.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestEveryMethodFailsWhileRedisIsDownAndSaysNoMore checks that an outage
// is an error (never "not found" or "invalid link") and that errors name no
// person, token or case.
func TestEveryMethodFailsWhileRedisIsDownAndSaysNoMore(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	p := e.people
	token := "AAAAAAAAAAAAAAAAAAAAAA"
	const user, caseKey = 48151623, "chat-9182736"
	link := domain.Link{Kind: domain.LinkInvite, Director: user, FirstName: secrets[0], Expires: time.Now().Add(time.Hour)}
	c := domain.Case{Key: caseKey, Director: user, FirstName: secrets[0]}
	e.srv.Stop(t)

	tests := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Staff", func(ctx context.Context) error { _, _, err := p.Staff.Staff(ctx, user); return err }},
		{"AddStaff", func(ctx context.Context) error {
			return p.Staff.AddStaff(ctx, domain.StaffMember{UserID: user, Role: domain.RoleDirector, Name: secrets[0]})
		}},
		{"ListStaff", func(ctx context.Context) error { _, err := p.Staff.ListStaff(ctx); return err }},
		{"RemoveStaff", func(ctx context.Context) error { return p.Staff.RemoveStaff(ctx, user) }},
		{"CreateLink", func(ctx context.Context) error { _, err := p.Links.CreateLink(ctx, link); return err }},
		{"UseLink", func(ctx context.Context) error { _, err := p.Links.UseLink(ctx, token); return err }},
		{"PendingInvites", func(ctx context.Context) error { _, err := p.Links.PendingInvites(ctx, user); return err }},
		{"LinkFailure", func(ctx context.Context) error { _, err := p.Links.LinkFailure(ctx, user); return err }},
		{"LinkFailures", func(ctx context.Context) error { _, err := p.Links.LinkFailures(ctx, user); return err }},
		{"SetPendingStaff", func(ctx context.Context) error { return p.Staff.SetPendingStaff(ctx, user, link) }},
		{"TakePendingStaff", func(ctx context.Context) error { _, _, err := p.Staff.TakePendingStaff(ctx, user); return err }},
		{"SaveCase", func(ctx context.Context) error { return p.Cases.SaveCase(ctx, c) }},
		{"ChangeCase", func(ctx context.Context) error {
			_, err := p.Cases.ChangeCase(ctx, caseKey, func(*domain.Case) bool { return true })
			return err
		}},
		{"Case", func(ctx context.Context) error { _, _, err := p.Cases.Case(ctx, caseKey); return err }},
		{"CasesOf", func(ctx context.Context) error { _, err := p.Cases.CasesOf(ctx, user); return err }},
		{"MoveCase", func(ctx context.Context) error { return p.Cases.MoveCase(ctx, caseKey, caseKey+"x") }},
		{"DeleteCase", func(ctx context.Context) error { return p.Cases.DeleteCase(ctx, caseKey) }},
		{"Audit", func(ctx context.Context) error {
			return p.Audit.Audit(ctx, domain.AuditEntry{Actor: user, Action: "summary.opened", Case: caseKey})
		}},
		{"AuditLog", func(ctx context.Context) error { _, err := p.Audit.AuditLog(ctx, 10); return err }},
		{"ScheduleDue", func(ctx context.Context) error { return p.Cases.ScheduleDue(ctx, caseKey, time.Now()) }},
		{"CancelDue", func(ctx context.Context) error { return p.Cases.CancelDue(ctx, caseKey) }},
		{"ClaimDue", func(ctx context.Context) error {
			_, err := p.Cases.ClaimDue(ctx, time.Now(), time.Minute, 10)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			err := tt.call(ctx)
			if err == nil {
				t.Fatal("no error with Redis down")
			}
			if errors.Is(err, domain.ErrLinkInvalid) || errors.Is(err, domain.ErrCaseNotFound) {
				t.Errorf("an outage reported as a verdict: %v", err)
			}
			for _, s := range []string{itoa(user), caseKey, token, secrets[0]} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q names %q", err, s)
				}
			}
		})
	}
}

// TestRoundTripsPerMethod pins what each method costs on a warm
// connection (scripts cached on the server).
func TestRoundTripsPerMethod(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	roundTripsPerMethod(t, e.people, redistest.CountRoundTrips(e.client), true)
}

// TestRoundTripsPerMethodOnCluster reports the same on a Redis Cluster of
// three primaries, counting the requests each node gets (a pipeline that
// spans two nodes is two requests, sent at once). It pins nothing: which
// keys share a node is up to the hash.
func TestRoundTripsPerMethodOnCluster(t *testing.T) {
	t.Parallel()
	cc := redistest.StartCluster(t).Client(t)
	trips := &redistest.RoundTrips{}
	cc.OnNewNode(func(n *redis.Client) { n.AddHook(trips) })
	roundTripsPerMethod(t, NewPeople(cc, NewTestCodec(t), "t:", nil), trips, false)
}

func roundTripsPerMethod(t *testing.T, p *People, trips *redistest.RoundTrips, pin bool) {
	ctx := context.Background()
	now := time.Now()
	invite := domain.Link{Kind: domain.LinkInvite, Director: 5, Created: now, Expires: now.Add(time.Hour)}

	var tokens []string
	steps := []struct {
		name string
		want int64
		run  func() error
	}{
		{"AddStaff", 1, func() error { return p.Staff.AddStaff(ctx, domain.StaffMember{UserID: 5, Role: domain.RoleDirector}) }},
		{"Staff", 1, func() error { _, _, err := p.Staff.Staff(ctx, 5); return err }},
		{"ListStaff", 2, func() error { _, err := p.Staff.ListStaff(ctx); return err }},
		{"CreateLink", 1, func() error { tok, err := p.Links.CreateLink(ctx, invite); tokens = append(tokens, tok); return err }},
		{"PendingInvites", 2, func() error { _, err := p.Links.PendingInvites(ctx, 5); return err }},
		{"UseLink (invite)", 2, func() error { _, err := p.Links.UseLink(ctx, tokens[len(tokens)-1]); return err }},
		{"UseLink (unknown token)", 1, func() error {
			_, err := p.Links.UseLink(ctx, "BBBBBBBBBBBBBBBBBBBBBB")
			if errors.Is(err, domain.ErrLinkInvalid) {
				return nil
			}
			return err
		}},
		{"LinkFailure", 1, func() error { _, err := p.Links.LinkFailure(ctx, 6); return err }},
		{"LinkFailures", 1, func() error { _, err := p.Links.LinkFailures(ctx, 6); return err }},
		{"SetPendingStaff", 1, func() error { return p.Staff.SetPendingStaff(ctx, 6, invite) }},
		{"TakePendingStaff", 1, func() error { _, _, err := p.Staff.TakePendingStaff(ctx, 6); return err }},
		{"SaveCase (new)", 1, func() error {
			return p.Cases.SaveCase(ctx, domain.Case{Key: "c1", Director: 5, Counsellor: 7, Linked: now})
		}},
		{"SaveCase (update)", 1, func() error {
			return p.Cases.SaveCase(ctx, domain.Case{Key: "c1", Director: 5, Counsellor: 7, Linked: now, Delivered: now})
		}},
		// A reassignment takes the case off the old lists, then reads the
		// case again to put it back where it belongs by then (the lists are
		// in other slots than the case on Redis Cluster; see Cases).
		{"SaveCase (reassigned)", 3, func() error { return p.Cases.SaveCase(ctx, domain.Case{Key: "c1", Director: 8, Linked: now}) }},
		{"SaveCase (back)", 3, func() error {
			return p.Cases.SaveCase(ctx, domain.Case{Key: "c1", Director: 5, Counsellor: 7, Linked: now})
		}},
		{"Case", 1, func() error { _, _, err := p.Cases.Case(ctx, "c1"); return err }},
		{"ChangeCase", 2, func() error {
			_, err := p.Cases.ChangeCase(ctx, "c1", func(c *domain.Case) bool { c.Reminded = now; return true })
			return err
		}},
		{"CasesOf", 2, func() error { _, err := p.Cases.CasesOf(ctx, 5); return err }},
		// Read, write the new record, drop the old one, move the entries.
		{"MoveCase", 4, func() error { return p.Cases.MoveCase(ctx, "c1", "c2") }},
		{"MoveCase back", 4, func() error { return p.Cases.MoveCase(ctx, "c2", "c1") }},
		{"Audit", 1, func() error {
			return p.Audit.Audit(ctx, domain.AuditEntry{Actor: 5, Action: "summary.opened", Case: "c1"})
		}},
		{"AuditLog", 1, func() error { _, err := p.Audit.AuditLog(ctx, 50); return err }},
		{"ScheduleDue", 1, func() error { return p.Cases.ScheduleDue(ctx, "c1", now) }},
		// The due set holds names: the keys come from the records.
		{"ClaimDue", 2, func() error { _, err := p.Cases.ClaimDue(ctx, now, time.Minute, 10); return err }},
		{"CancelDue", 1, func() error { return p.Cases.CancelDue(ctx, "c1") }},
		{"RemoveStaff", 1, func() error { return p.Staff.RemoveStaff(ctx, 5) }},
		{"DeleteCase", 2, func() error { return p.Cases.DeleteCase(ctx, "c1") }},
	}
	// Warm up: dial the connections and load the scripts.
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	for _, s := range steps {
		trips.Reset()
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if trips.Dials() != 0 && pin {
			t.Errorf("%s dialed; counts are off", s.name)
		}
		if got := trips.Count(); pin && got != s.want {
			t.Errorf("%s: %d round trips %v, want %d", s.name, got, trips.Log(), s.want)
		} else if !pin {
			t.Logf("%-24s %d requests (single node: %d) %v", s.name, got, s.want, trips.Log())
		}
	}
}
