package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/jobs"
)

// trimmer stands for both stores of the hourly upkeep: it records the
// cut-off it was given.
type trimmer struct {
	before time.Time
	n      int64
	err    error
}

func (f *trimmer) TrimAudit(ctx context.Context, before time.Time) (int64, error) {
	f.before = before
	return f.n, f.err
}

func (f *trimmer) PruneActive(ctx context.Context, before time.Time) (int64, error) {
	f.before = before
	return f.n, f.err
}

func TestHourlyUpkeepCutsAtNowMinusItsRetention(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const ttl = 30 * 24 * time.Hour
	jobsFor := map[string]func(*trimmer, *slog.Logger) jobs.Periodic{
		"trim-audit": func(f *trimmer, log *slog.Logger) jobs.Periodic {
			return upkeepJob("trim-audit", "old audit entries dropped", ttl, f.TrimAudit, log)
		},
		"prune-active": func(f *trimmer, log *slog.Logger) jobs.Periodic {
			return upkeepJob("prune-active", "expired intakes left the active index", ttl, f.PruneActive, log)
		},
	}
	tests := []struct {
		name    string
		n       int64
		err     error
		wantLog string
	}{
		{"some dropped", 3, nil, `"count":3`},
		{"nothing to drop", 0, nil, ""},
		{"redis down", 0, errors.New("connection refused"), ""},
	}
	for name, job := range jobsFor {
		for _, tt := range tests {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				var logs bytes.Buffer
				f := &trimmer{n: tt.n, err: tt.err}
				p := job(f, slog.New(slog.NewJSONHandler(&logs, nil)))
				if p.Name != name || p.Every != time.Hour {
					t.Errorf("job %q every %v, want %q every hour", p.Name, p.Every, name)
				}
				if err := p.Run(context.Background(), now); !errors.Is(err, tt.err) {
					t.Errorf("Run = %v, want %v (the runner logs it)", err, tt.err)
				}
				if want := now.Add(-ttl); !f.before.Equal(want) {
					t.Errorf("cut at %v, want now minus the retention %v", f.before, want)
				}
				if got := logs.String(); (tt.wantLog == "") != (got == "") || !strings.Contains(got, tt.wantLog) {
					t.Errorf("log %q, want %q", got, tt.wantLog)
				}
			})
		}
	}
}
