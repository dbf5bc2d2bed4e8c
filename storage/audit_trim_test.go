package storage

import (
	"context"
	"testing"
	"time"

	"github.com/intakebot/intakebot/dialog"
)

func TestTrimAuditDropsOnlyEntriesOlderThanTheCutoff(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, nil)
	ctx := context.Background()
	for _, action := range []string{"summary.opened", "summary.delivered"} {
		if err := e.people.Audit(ctx, dialog.AuditEntry{Actor: 7, Action: action, Case: "c1"}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(5 * time.Millisecond)
	cutoff := time.Now()
	time.Sleep(5 * time.Millisecond)
	if err := e.people.Audit(ctx, dialog.AuditEntry{Actor: 8, Action: "summary.acknowledged", Case: "c2"}); err != nil {
		t.Fatal(err)
	}

	if n, err := e.people.TrimAudit(ctx, cutoff.Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("trim before every entry: %d, %v", n, err)
	}
	n, err := e.people.TrimAudit(ctx, cutoff)
	if err != nil || n != 2 {
		t.Fatalf("trimmed %d, %v; want 2", n, err)
	}
	left, err := e.people.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0].Action != "summary.acknowledged" || left[0].Actor != 8 {
		t.Fatalf("left %+v", left)
	}
	// An empty or missing trail is fine.
	if n, err := e.people.TrimAudit(ctx, time.Now().Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("trim all: %d, %v", n, err)
	}
	if n, err := e.people.TrimAudit(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("trim empty: %d, %v", n, err)
	}
}
