package storage

import (
	"cmp"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

// The cutoff is taken from the stream's own entry IDs, Redis's clock at
// the time of writing: the Go clock may differ from it by any amount.
func TestTrimAuditDropsOnlyEntriesOlderThanTheCutoff(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	ctx := context.Background()
	var first, second int64
	for _, action := range []string{"summary.opened", "summary.delivered"} {
		if err := e.people.Audit.Audit(ctx, domain.AuditEntry{Actor: 7, Action: action, Case: "c1"}); err != nil {
			t.Fatal(err)
		}
		first, second = cmp.Or(first, lastAuditMilli(t, e)), lastAuditMilli(t, e)
	}
	// The next entry must get a later millisecond of Redis's clock.
	for deadline := time.Now().Add(5 * time.Second); ; {
		now, err := e.client.Time(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		if now.UnixMilli() > second {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Redis's clock does not move")
		}
		time.Sleep(time.Millisecond)
	}
	if err := e.people.Audit.Audit(ctx, domain.AuditEntry{Actor: 8, Action: "summary.acknowledged", Case: "c2"}); err != nil {
		t.Fatal(err)
	}
	third := lastAuditMilli(t, e)
	if third <= second {
		t.Fatalf("entry IDs %d and %d: the stream did not move on", second, third)
	}
	cutoff := time.UnixMilli(third)

	if n, err := e.people.Audit.TrimAudit(ctx, time.UnixMilli(first)); err != nil || n != 0 {
		t.Fatalf("trim at the first entries: %d, %v", n, err)
	}
	n, err := e.people.Audit.TrimAudit(ctx, cutoff)
	if err != nil || n != 2 {
		t.Fatalf("trimmed %d, %v; want 2", n, err)
	}
	left, err := e.people.Audit.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0].Action != "summary.acknowledged" || left[0].Actor != 8 {
		t.Fatalf("left %+v", left)
	}
	// An empty or missing trail is fine.
	if n, err := e.people.Audit.TrimAudit(ctx, cutoff.Add(time.Millisecond)); err != nil || n != 1 {
		t.Fatalf("trim all: %d, %v", n, err)
	}
	if n, err := e.people.Audit.TrimAudit(ctx, cutoff.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("trim empty: %d, %v", n, err)
	}
}

// lastAuditMilli is the millisecond part of the ID of the newest entry of
// the audit stream.
func lastAuditMilli(t *testing.T, e peopleEnv) int64 {
	t.Helper()
	msgs, err := e.client.XRevRangeN(context.Background(), "t:audit", "+", "-", 1).Result()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("newest audit entry: %v, %v", msgs, err)
	}
	ms, _, _ := strings.Cut(msgs[0].ID, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		t.Fatalf("entry ID %q: %v", msgs[0].ID, err)
	}
	return n
}
