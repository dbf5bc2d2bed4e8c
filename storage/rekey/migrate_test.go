package rekey

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
)

// Telegram IDs as they look: long enough that no hex name contains them
// by chance.
const (
	youngID   = "7301234567"
	pendingID = "7301234599"
	staffID   = "5123456789"
)

// writeOldLayout writes, with plain Redis commands, what the version before
// pseudonymous names kept about a young person and their director: keys
// and index members by Telegram ID, plain director and alert fields.
func writeOldLayout(t *testing.T, c *redis.Client, codec *storage.Codec, p string) (token string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	seal := func(v any, aad string) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(codec.Seal(b, []byte(aad)))
	}
	staff, _ := strconv.ParseInt(staffID, 10, 64)
	pending, _ := strconv.ParseInt(pendingID, 10, 64)
	sess := dialog.Session{Key: youngID, State: dialog.StateSubmitted, Lang: "nl", Submitted: now, Updated: now,
		Answers: map[string]dialog.Answer{"dreams": {Text: "Een huis aan zee"}}}
	cs := domain.Case{Key: youngID, Director: staff, FirstName: "Ada", Note: "note", Linked: now, Delivered: now}
	link := domain.Link{Kind: domain.LinkInvite, CreatedBy: staff, Director: staff, FirstName: "Bo", Created: now, Expires: now.Add(24 * time.Hour)}
	token = storage.NewToken()
	hash := storage.TokenHash(token)
	unix := strconv.FormatInt(now.Unix(), 10)
	ms := float64(now.UnixMilli())
	cmds := []func() error{
		func() error {
			return c.HSet(ctx, p+"session:"+youngID, "v", "3", "w", "x", "state", "submitted", "updated", unix, "upd", "9",
				"data", seal(sess, p+"session:"+youngID)).Err()
		},
		func() error { return c.Expire(ctx, p+"session:"+youngID, time.Hour).Err() },
		func() error {
			return c.ZAdd(ctx, p+"submitted", redis.Z{Score: float64(now.Unix()), Member: youngID}).Err()
		},
		func() error {
			return c.ZAdd(ctx, p+"active", redis.Z{Score: float64(now.Unix()), Member: youngID}).Err()
		},
		func() error { return c.RPush(ctx, p+"shown:"+youngID, "41:1700000000:q").Err() },
		func() error { return c.SAdd(ctx, p+"staff", staffID).Err() },
		func() error {
			m := domain.StaffMember{UserID: staff, Role: domain.RoleDirector, Name: "Sanne", Lang: "nl", Added: now}
			return c.HSet(ctx, p+"staff:"+staffID, "role", "director", "lang", "nl", "added", unix, "added_by", "0",
				"data", seal(m, p+"staff:"+staffID)).Err()
		},
		func() error {
			return c.HSet(ctx, p+"case:"+youngID, "director", staffID, "counsellor", "0", "linked", unix, "delivered", unix,
				"acknowledged", "0", "ack_by", "0", "reminded", "0", "escalated", "0", "data", seal(cs, p+"case:"+youngID)).Err()
		},
		func() error {
			return c.ZAdd(ctx, p+"staff:"+staffID+":cases", redis.Z{Score: ms, Member: youngID}).Err()
		},
		func() error { return c.ZAdd(ctx, p+"due", redis.Z{Score: ms + 3600e3, Member: youngID}).Err() },
		func() error {
			a := domain.Alert{Notices: []domain.AlertNotice{{Chat: staff, Message: 77}}}
			return c.HSet(ctx, p+"alert:"+youngID, "level", "0", "kind", "urgent", "started", strconv.FormatInt(now.UnixMilli(), 10),
				"rev", "1", "data", seal(a, p+"alert:"+youngID)).Err()
		},
		func() error { return c.Expire(ctx, p+"alert:"+youngID, 20*time.Hour).Err() },
		func() error { return c.ZAdd(ctx, p+"alerts", redis.Z{Score: ms + 600e3, Member: youngID}).Err() },
		func() error { return c.Set(ctx, p+"link:"+hash, seal(link, p+"link:"+hash), 24*time.Hour).Err() },
		func() error {
			return c.ZAdd(ctx, p+"director:"+staffID+":invites", redis.Z{Score: float64(link.Expires.UnixMilli()), Member: hash}).Err()
		},
		func() error {
			l := domain.Link{Kind: domain.LinkStaff, Role: domain.RoleCounsellor, CreatedBy: staff, Created: now, Expires: now.Add(time.Hour)}
			return c.Set(ctx, p+"pendingstaff:"+pendingID, seal(l, p+"pendingstaff:"+pendingID), time.Hour).Err()
		},
		func() error { return c.Set(ctx, p+"linkfail:"+pendingID, "2", time.Hour).Err() },
	}
	for _, f := range cmds {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	_ = pending
	return token
}

func TestMigrateMovesTheOldLayoutToPseudonymousNames(t *testing.T) {
	ctx := context.Background()
	codec := mustCodec(t, testKey(0xA)).WithNameKey([]byte("the deployment's pseudonym key"))
	client := redistest.Start(t).Client(t)
	const p = "intakebot:"
	token := writeOldLayout(t, client, codec, p)
	ids := []string{youngID, pendingID, staffID}

	before, err := redistest.FindPlain(ctx, client, ids, storage.LooksSealed)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) < 10 {
		t.Fatalf("the old layout shows the IDs in only %d places: %v", len(before), before)
	}
	r, err := Migrate(ctx, client, codec, p, MigrateOptions{})
	if err != nil {
		t.Fatalf("Migrate: %v (%s)", err, r)
	}
	t.Logf("before: %d places with a raw Telegram ID; %s", len(before), r)
	after, err := redistest.FindPlain(ctx, client, ids, storage.LooksSealed)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 0 {
		t.Errorf("after the migration, raw Telegram IDs in %d places: %v", len(after), after)
	}

	// Everything opens through the stores, under the new names.
	sessions := storage.NewSessions(client, codec, storage.SessionsOptions{Prefix: p})
	if s, err := sessions.Load(ctx, youngID); err != nil || s.Answers["dreams"].Text != "Een huis aan zee" || s.State != dialog.StateSubmitted {
		t.Errorf("session: %v %+v", err, s)
	}
	if n, err := sessions.ActiveSince(ctx, time.Now().Add(-time.Hour)); err != nil || n != 1 {
		t.Errorf("active sessions = %d, %v; want 1", n, err)
	}
	people := storage.NewPeople(client, codec, p, nil)
	staff, _ := strconv.ParseInt(staffID, 10, 64)
	if m, ok, err := people.Staff.Staff(ctx, staff); err != nil || !ok || m.Name != "Sanne" {
		t.Errorf("staff: %v %v %+v", ok, err, m)
	}
	if all, err := people.Staff.ListStaff(ctx); err != nil || len(all) != 1 {
		t.Errorf("ListStaff = %v, %v", all, err)
	}
	if cases, err := people.Cases.CasesOf(ctx, staff); err != nil || len(cases) != 1 || cases[0].FirstName != "Ada" {
		t.Errorf("CasesOf = %+v, %v", cases, err)
	}
	if due, err := people.Cases.ClaimDue(ctx, time.Now().Add(2*time.Hour), time.Minute, 10); err != nil || len(due) != 1 || due[0] != youngID {
		t.Errorf("ClaimDue = %v, %v; want the case", due, err)
	}
	if a, ok, err := people.Alerts.Alert(ctx, youngID); err != nil || !ok || a.Kind != dialog.AlertUrgent || len(a.Notices) != 1 {
		t.Errorf("alert: %v %v %+v", ok, err, a)
	}
	if keys, err := people.Alerts.ClaimAlerts(ctx, time.Now().Add(time.Hour), time.Minute, 10); err != nil || len(keys) != 1 || keys[0] != youngID {
		t.Errorf("ClaimAlerts = %v, %v", keys, err)
	}
	if inv, err := people.Links.PendingInvites(ctx, staff); err != nil || len(inv) != 1 || inv[0].FirstName != "Bo" {
		t.Errorf("PendingInvites = %+v, %v", inv, err)
	}
	if l, err := people.Links.UseLink(ctx, token); err != nil || l.FirstName != "Bo" {
		t.Errorf("UseLink: %v %+v", err, l)
	}
	pending, _ := strconv.ParseInt(pendingID, 10, 64)
	if l, ok, err := people.Staff.TakePendingStaff(ctx, pending); err != nil || !ok || l.Role != domain.RoleCounsellor {
		t.Errorf("pending staff: %v %v %+v", ok, err, l)
	}
	if got, err := storage.NewTrail(client, codec, p).Take(ctx, youngID); err != nil || len(got) != 1 {
		t.Errorf("trail = %v, %v", got, err)
	}

	// Again: nothing left to move.
	r2, err := Migrate(ctx, client, codec, p, MigrateOptions{})
	if err != nil || len(r2.Moved) != 0 || r2.Dropped != 0 {
		t.Errorf("second run: %s, %v; want nothing to do", r2, err)
	}
}
