package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
)

var auditContract = []contract{
	{"LogIsNewestFirst", auditNewestFirst},
	{"AnEntryWithoutTimeIsStampedNow", auditStampedNow},
	{"TrimDropsOnlyEntriesWrittenBeforeTheCutoff", auditTrim},
}

func auditNewestFirst(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	var written []domain.AuditEntry
	for i, action := range []string{"summary.delivered", "summary.opened", "summary.acknowledged", "summary.opened", "case.moved"} {
		en := domain.AuditEntry{At: fixedNow.Add(time.Duration(i) * time.Second), Actor: int64(100 + i%2), Action: action, Case: fmt.Sprint(5000 + i)}
		if err := s.Audit.Audit(ctx, en); err != nil {
			t.Fatal(err)
		}
		written = append(written, en)
	}

	tests := []struct {
		limit int
		want  int
	}{{3, 3}, {5, 5}, {100, 5}, {0, 0}, {-1, 0}}
	for _, tt := range tests {
		got, err := s.Audit.AuditLog(ctx, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tt.want {
			t.Fatalf("AuditLog(%d) gave %d entries, want %d", tt.limit, len(got), tt.want)
		}
		for i, g := range got {
			w := written[len(written)-1-i]
			if !g.At.Equal(w.At) || g.Actor != w.Actor || g.Action != w.Action || g.Case != w.Case {
				t.Errorf("AuditLog(%d)[%d] = %+v, want %+v", tt.limit, i, g, w)
			}
		}
	}
}

func auditStampedNow(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	if err := s.Audit.Audit(ctx, domain.AuditEntry{Actor: 1, Action: "summary.opened", Case: "1"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Audit.AuditLog(ctx, 1)
	if err != nil || len(got) != 1 || !got[0].At.Equal(fixedNow) || got[0].At.Location() != time.UTC {
		t.Errorf("AuditLog = %+v, %v; want one entry at %v, in UTC", got, err, fixedNow)
	}
	if err := s.Audit.Audit(ctx, domain.AuditEntry{Actor: 1}); err == nil {
		t.Error("an entry without action was written")
	}
}

// The cutoff is the time the entries were written, not their At.
func auditTrim(t *testing.T, open Open) {
	s := open(t, Config{})
	ctx := t.Context()
	first := s.Clock.Now()
	for _, action := range []string{"summary.opened", "summary.delivered"} {
		// An At far in the future: the trim must not go by it.
		e := domain.AuditEntry{At: first.Add(24 * time.Hour), Actor: 7, Action: action, Case: "c1"}
		if err := s.Audit.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	s.Clock.Pass(20 * time.Millisecond)
	cutoff := s.Clock.Now()
	s.Clock.Pass(20 * time.Millisecond)
	if err := s.Audit.Audit(ctx, domain.AuditEntry{Actor: 8, Action: "summary.acknowledged", Case: "c2"}); err != nil {
		t.Fatal(err)
	}

	if n, err := s.Audit.TrimAudit(ctx, first.Add(-time.Second)); err != nil || n != 0 {
		t.Fatalf("trim before the first entries: %d, %v", n, err)
	}
	n, err := s.Audit.TrimAudit(ctx, cutoff)
	if err != nil || n != 2 {
		t.Fatalf("trimmed %d, %v; want 2", n, err)
	}
	left, err := s.Audit.AuditLog(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0].Action != "summary.acknowledged" || left[0].Actor != 8 {
		t.Fatalf("left %+v", left)
	}
	// An empty or missing trail is fine.
	if n, err := s.Audit.TrimAudit(ctx, s.Clock.Now().Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("trim all: %d, %v", n, err)
	}
	if n, err := s.Audit.TrimAudit(ctx, s.Clock.Now().Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("trim empty: %d, %v", n, err)
	}
}
