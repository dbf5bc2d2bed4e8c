package reminders_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/jobs"
	"github.com/intakebot/intakebot/bot/reminders"
	"github.com/intakebot/intakebot/bot/team"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/remindstore"
)

// silentSessions are intakes under way whose last answer was at since.
type silentSessions struct{ since time.Time }

func (s silentSessions) Load(_ context.Context, key string) (dialog.Session, bool, error) {
	return dialog.Session{Key: key, Lang: "nl", State: dialog.StateAsking, Started: s.since, Updated: s.since}, true, nil
}

func (s silentSessions) LoadFresh(ctx context.Context, key string) (dialog.Session, bool, error) {
	return s.Load(ctx, key)
}

func nudgeRoom(t testing.TB, store reminders.Store, out reminders.Out, since time.Time) *reminders.Reminders {
	x, err := reminders.New(reminders.Options{
		Out: out, Store: store, Cases: anyCase{}, Sessions: silentSessions{since},
		Checkin: &dialog.Engine{Flow: checkinFlow(t)}, CheckinStore: noCheckins{}, Alerts: noAlerts{},
		Dir:     team.Directory{Staff: noStaff{}, Languages: nl{}},
		Auditor: team.Auditor{Store: noAudit{}, Now: time.Now},
		Now:     time.Now, Nudges: reminders.DefaultNudges,
		NudgeID: func(key string) string { return "n" + key },
	})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// Two replicas on one Redis: both make sure of the idle nudge of the same
// 300 silent young people at once, and both run the job; each young
// person has one nudge record and gets the 3-day nudge exactly once, and
// replicas started again afterwards (a restart) send nothing more.
func TestTwoReplicasNudgeEachYoungPersonOnce(t *testing.T) {
	const n = 300
	srv := redistest.Start(t)
	c := codec(t)
	ctx := t.Context()
	since := time.Now().Add(-4 * 24 * time.Hour)
	out := &countingOut{sent: map[string]int{}}

	run := func(d time.Duration) {
		runCtx, stop := context.WithCancel(ctx)
		defer stop()
		var rooms []*reminders.Reminders
		for range 2 {
			rooms = append(rooms, nudgeRoom(t, remindstore.New(srv.Client(t), c, "t:"), out, since))
		}
		var wg sync.WaitGroup
		for _, x := range rooms {
			wg.Go(func() {
				for i := range n {
					s := dialog.Session{Key: fmt.Sprint(200000 + i), State: dialog.StateAsking, Started: since, Updated: since}
					if err := x.EnsureNudge(ctx, s); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		var runners []*jobs.Runner
		for _, x := range rooms {
			r := &jobs.Runner{}
			if err := r.Start(runCtx, x.Job(nil)); err != nil {
				t.Fatal(err)
			}
			runners = append(runners, r)
		}
		deadline := time.Now().Add(d)
		for time.Now().Before(deadline) {
			if total, _ := out.count(); total == n && d > time.Second {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // time for a second send, were there one
		stop()
		waitCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		for _, r := range runners {
			if err := r.Wait(waitCtx); err != nil {
				t.Error(err)
			}
		}
	}

	run(time.Minute)
	store := remindstore.New(srv.Client(t), c, "t:")
	for i := range n {
		rs, err := store.RemindersFor(ctx, fmt.Sprint(200000+i))
		if err != nil || len(rs) != 1 {
			t.Fatalf("young person %d has %d nudge records (%v), want 1", i, len(rs), err)
		}
		if rs[0].N != 1 || !rs[0].Due.Equal(since.Add(7*24*time.Hour)) {
			t.Fatalf("after the first nudge: n %d, next %v; want 1 and the 7-day mark", rs[0].N, rs[0].Due)
		}
	}
	if total, twice := out.count(); total != n || twice != 0 {
		t.Fatalf("%d of %d young people nudged, %d more than once", total, n, twice)
	}

	run(time.Second) // a restart: the second nudge is days away
	if total, twice := out.count(); total != n || twice != 0 {
		t.Errorf("after a restart: %d of %d young people nudged, %d more than once", total, n, twice)
	}
}

func TestParseNudges(t *testing.T) {
	day := 24 * time.Hour
	for in, want := range map[string][]time.Duration{
		"": reminders.DefaultNudges, "3d,7d": {3 * day, 7 * day}, " 2D ": {2 * day},
		"36h,5d": {36 * time.Hour, 5 * day}, "90m": {90 * time.Minute}, "off": nil, "0": nil, "uit": nil,
	} {
		got, err := reminders.ParseNudges(in)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("ParseNudges(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"7d,3d", "3d,3d", "3", "d", "3w", "-1d", "1d,2d,3d", "3d,", "x,7d"} {
		if got, err := reminders.ParseNudges(in); err == nil {
			t.Errorf("ParseNudges(%q) = %v, want an error", in, got)
		}
	}
}
