package storage

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
)

func redisZ(score float64, member string) redis.Z { return redis.Z{Score: score, Member: member} }

func TestAuditEntriesHoldNoContent(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	for i, action := range []string{"summary.delivered", "summary.opened", "case.moved"} {
		en := domain.AuditEntry{At: fixedNow.Add(time.Duration(i) * time.Second), Actor: int64(100 + i%2), Action: action, Case: fmt.Sprint(5000 + i)}
		if err := e.people.Audit.Audit(ctx, en); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range e.client.XRange(ctx, "t:audit", "-", "+").Val() {
		var fields []string
		for f := range m.Values {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		if fmt.Sprint(fields) != "[action actor at case]" {
			t.Errorf("audit entry has fields %v, want only at, actor, action and case", fields)
		}
	}
}

func TestTheAuditTrailIsCapped(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	e.people.Audit.auditMax = 10
	ctx := context.Background()
	for i := range 1000 {
		if err := e.people.Audit.Audit(ctx, domain.AuditEntry{Actor: 1, Action: "summary.opened", Case: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	// MAXLEN ~ trims whole stream nodes (100 entries by default): about
	// the cap, never everything.
	if n := e.client.XLen(ctx, "t:audit").Val(); n < 10 || n > 200 {
		t.Errorf("%d entries kept, want about 10", n)
	}
	got, _ := e.people.Audit.AuditLog(ctx, 1)
	if len(got) != 1 || got[0].Case != "999" {
		t.Errorf("newest entry = %+v, want case 999", got)
	}
}
