package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

var alertsContract = []contract{
	{"OpenLoadSaveEnd", alertOpenLoadSaveEnd},
	{"TakenByOneOfEightAtOnce", alertTakenByOne},
	{"ClaimWithALease", alertClaimWithLease},
	{"SaveRefusesAStaleVersion", alertSaveRefusesStale},
	{"ConcurrentSavesKeepEveryNotice", alertConcurrentSaves},
	{"ExpiresAfterItsLifetimeOrTheHoldOfATake", alertExpires},
}

func openAlert(t *testing.T, s Stores, key string, kind dialog.AlertKind, next time.Time) (domain.Alert, bool) {
	t.Helper()
	a, created, err := s.Alerts.OpenAlert(t.Context(), domain.Alert{
		Key: key, Kind: kind, Started: fixedNow,
		Notices: []domain.AlertNotice{{Chat: 700001, Message: 41}},
	}, next, 24*time.Hour)
	if err != nil {
		t.Fatalf("OpenAlert: %v", err)
	}
	return a, created
}

func claimAlerts(t *testing.T, s Stores, now time.Time, lease time.Duration) []string {
	t.Helper()
	keys, err := s.Alerts.ClaimAlerts(t.Context(), now, lease, 10)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func alertOpenLoadSaveEnd(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	next := fixedNow.Add(10 * time.Minute)

	if _, found, err := s.Alerts.Alert(ctx, "500001"); err != nil || found {
		t.Fatalf("Alert before any = %v, %v", found, err)
	}
	a, created := openAlert(t, s, "500001", dialog.AlertUrgent, next)
	if !created || a.Rev != 1 {
		t.Fatalf("the first alert was not created at version 1: %v, %+v", created, a)
	}
	got, found, err := s.Alerts.Alert(ctx, "500001")
	if err != nil || !found {
		t.Fatalf("Alert = %v, %v", found, err)
	}
	if got.Key != "500001" || got.Kind != dialog.AlertUrgent || got.Level != 0 || !got.Started.Equal(fixedNow) ||
		got.TakenBy != 0 || got.Rev != 1 || !slices.Equal(got.Notices, a.Notices) {
		t.Errorf("loaded %+v, want %+v", got, a)
	}

	// A second alert does not start over.
	again, created := openAlert(t, s, "500001", dialog.AlertSignal, fixedNow.Add(time.Hour))
	if created || again.Kind != dialog.AlertUrgent {
		t.Errorf("second OpenAlert = %+v, created %v; want the open urgent one", again, created)
	}

	got.Level = 1
	got.Notices = append(got.Notices, domain.AlertNotice{Chat: 900001, Message: 7, Level: 1})
	later := next.Add(10 * time.Minute)
	if ok, err := s.Alerts.SaveAlert(ctx, got, later); err != nil || !ok {
		t.Fatalf("SaveAlert = %v, %v", ok, err)
	}
	saved, _, _ := s.Alerts.Alert(ctx, "500001")
	if saved.Level != 1 || len(saved.Notices) != 2 || saved.Rev != 2 {
		t.Errorf("saved = %+v", saved)
	}
	if got := claimAlerts(t, s, later.Add(-time.Millisecond), time.Minute); len(got) != 0 {
		t.Errorf("claimed %v before the saved escalation time", got)
	}
	if got := claimAlerts(t, s, later, time.Minute); !slices.Equal(got, []string{"500001"}) {
		t.Errorf("claimed %v at the saved escalation time, want [500001]", got)
	}

	if err := s.Alerts.EndAlert(ctx, "500001"); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.Alerts.Alert(ctx, "500001"); found {
		t.Error("the alert is still there after EndAlert")
	}
	if got := claimAlerts(t, s, later.Add(time.Hour), time.Minute); len(got) != 0 {
		t.Errorf("the escalation is still there after EndAlert: %v", got)
	}
	// An ended (or erased) alert is not made again by a late save.
	if ok, err := s.Alerts.SaveAlert(ctx, saved, later); err != nil || ok {
		t.Errorf("SaveAlert after the end = %v, %v; want false", ok, err)
	}
	if _, found, _ := s.Alerts.Alert(ctx, "500001"); found {
		t.Error("a save after the end made the alert again")
	}
	if got := claimAlerts(t, s, later.Add(time.Hour), time.Minute); len(got) != 0 {
		t.Errorf("a save after the end scheduled it again: %v", got)
	}
	if _, created := openAlert(t, s, "500001", dialog.AlertUrgent, next); !created {
		t.Error("a new alert after the end was not created")
	}
	for _, bad := range []domain.Alert{{Kind: dialog.AlertUrgent}, {Key: "500002"}} {
		if _, _, err := s.Alerts.OpenAlert(ctx, bad, next, time.Hour); err == nil {
			t.Errorf("OpenAlert(%+v) succeeded", bad)
		}
	}
	if _, _, err := s.Alerts.OpenAlert(ctx, domain.Alert{Key: "500002", Kind: dialog.AlertUrgent}, next, 0); err == nil {
		t.Error("OpenAlert without a lifetime succeeded")
	}
}

func alertTakenByOne(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	openAlert(t, s, "500001", dialog.AlertUrgent, fixedNow.Add(10*time.Minute))

	const takers = 8
	type result struct {
		won bool
		by  int64
	}
	var (
		wg      sync.WaitGroup
		start   = make(chan struct{})
		results = make([]result, takers)
	)
	for i := range takers {
		wg.Go(func() {
			r := s.replica(t)
			<-start
			won, by, err := r.Alerts.TakeAlert(ctx, "500001", int64(100+i), fixedNow, time.Hour)
			if err != nil {
				t.Error(err)
			}
			results[i] = result{won, by}
		})
	}
	close(start)
	wg.Wait()
	var winner int64
	for i, r := range results {
		if r.won {
			if winner != 0 {
				t.Fatalf("two takers won: %d and %d", winner, 100+i)
			}
			winner = int64(100 + i)
		}
	}
	if winner == 0 {
		t.Fatal("nobody took the alert")
	}
	for i, r := range results {
		if r.by != winner {
			t.Errorf("taker %d was told it was taken by %d, want %d", 100+i, r.by, winner)
		}
	}
	a, _, _ := s.Alerts.Alert(ctx, "500001")
	if a.TakenBy != winner || !a.Taken.Equal(fixedNow) || a.Rev != 1 {
		t.Errorf("alert = %+v, want taken by %d at %v, still at version 1", a, winner, fixedNow)
	}
	if got := claimAlerts(t, s, fixedNow.Add(time.Hour), time.Minute); len(got) != 0 {
		t.Errorf("a taken alert still escalates: %v", got)
	}
	// A save (an escalation that raced the take) does not schedule it
	// again, nor clear the take.
	a.Level = 1
	if ok, err := s.Alerts.SaveAlert(ctx, a, fixedNow.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("SaveAlert = %v, %v", ok, err)
	}
	if got := claimAlerts(t, s, fixedNow.Add(time.Hour), time.Minute); len(got) != 0 {
		t.Errorf("a save scheduled a taken alert again: %v", got)
	}
	if a, _, _ := s.Alerts.Alert(ctx, "500001"); a.TakenBy != winner {
		t.Error("a save cleared the take")
	}
	// An alert that is gone can't be taken.
	if won, by, err := s.Alerts.TakeAlert(ctx, "500002", 100, fixedNow, time.Hour); err != nil || won || by != 0 {
		t.Errorf("TakeAlert of none = %v, %d, %v", won, by, err)
	}
	for _, bad := range []struct {
		staff int64
		hold  time.Duration
	}{{0, time.Hour}, {100, 0}} {
		if _, _, err := s.Alerts.TakeAlert(ctx, "500001", bad.staff, fixedNow, bad.hold); err == nil {
			t.Errorf("TakeAlert by %d for %v succeeded", bad.staff, bad.hold)
		}
	}
}

func alertClaimWithLease(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	openAlert(t, s, "a", dialog.AlertUrgent, fixedNow.Add(-time.Second))
	openAlert(t, s, "b", dialog.AlertSignal, fixedNow)
	openAlert(t, s, "c", dialog.AlertUrgent, fixedNow.Add(time.Minute))

	if got := claimAlerts(t, s, fixedNow, 30*time.Second); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("claim = %v, want [a b]", got)
	}
	if got := claimAlerts(t, s, fixedNow.Add(29*time.Second), 30*time.Second); len(got) != 0 {
		t.Errorf("claim within the lease = %v, want none", got)
	}
	// The claimer of a crashed; b was handled and rescheduled.
	b, _, _ := s.Alerts.Alert(ctx, "b")
	b.Level = 1
	if ok, err := s.Alerts.SaveAlert(ctx, b, fixedNow.Add(10*time.Minute)); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if got := claimAlerts(t, s, fixedNow.Add(time.Minute), 30*time.Second); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("claim after the lease = %v, want [a c]", got)
	}
	if got, err := s.Alerts.ClaimAlerts(ctx, fixedNow.Add(time.Hour), time.Minute, 0); len(got) != 0 || err != nil {
		t.Errorf("limit 0 claimed %v, %v", got, err)
	}
	if _, err := s.Alerts.ClaimAlerts(ctx, fixedNow, 0, 10); err == nil {
		t.Error("a claim without lease succeeded")
	}
	// Replicas at once never get the same alert.
	for i := range 100 {
		openAlert(t, s, "k"+string(rune('A'+i%26))+string(rune('a'+i/26)), dialog.AlertUrgent, fixedNow)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		count = map[string]int{}
	)
	for range 4 {
		wg.Go(func() {
			r := s.replica(t)
			for {
				keys, err := r.Alerts.ClaimAlerts(ctx, fixedNow.Add(2*time.Minute), time.Minute, 3)
				if err != nil || len(keys) == 0 {
					return
				}
				mu.Lock()
				for _, k := range keys {
					count[k]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for k, n := range count {
		if n != 1 {
			t.Errorf("alert %s claimed %d times", k, n)
		}
	}
	if len(count) != 100+2 { // the 100 and a, c again (their lease ran out)
		t.Errorf("%d alerts claimed, want 102", len(count))
	}
}

// Two writers save the same alert at once (the raise of its first messages
// and an escalation, or two replicas): a save over a version the caller
// did not load is refused, so that no writer's messages are lost; the
// caller loads it again and adds its own.
func alertSaveRefusesStale(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	next := fixedNow.Add(10 * time.Minute)
	openAlert(t, s, "500001", dialog.AlertUrgent, next)

	raise, _, _ := s.Alerts.Alert(ctx, "500001")
	escalation, _, _ := s.Alerts.Alert(ctx, "500001")
	escalation.Level = 1
	escalation.Notices = append(escalation.Notices, domain.AlertNotice{Chat: 900001, Message: 7, Level: 1})
	if ok, err := s.Alerts.SaveAlert(ctx, escalation, next.Add(10*time.Minute)); err != nil || !ok {
		t.Fatalf("the escalation's save = %v, %v", ok, err)
	}
	raise.Notices = append(raise.Notices, domain.AlertNotice{Chat: 600001, Message: 3})
	if ok, err := s.Alerts.SaveAlert(ctx, raise, next); err != nil || ok {
		t.Fatalf("a save over a version it did not load = %v, %v; want false", ok, err)
	}
	got, found, err := s.Alerts.Alert(ctx, "500001")
	if err != nil || !found {
		t.Fatalf("Alert = %v, %v", found, err)
	}
	if got.Level != 1 || !got.Notified(900001) || got.Notified(600001) {
		t.Errorf("after a refused save: %+v; want the escalation's", got)
	}
	if keys := claimAlerts(t, s, next.Add(10*time.Minute-time.Millisecond), time.Minute); len(keys) != 0 {
		t.Errorf("a refused save moved the escalation: claimed %v", keys)
	}
	// Loaded again, it saves.
	got.Notices = append(got.Notices, domain.AlertNotice{Chat: 600001, Message: 3})
	if ok, err := s.Alerts.SaveAlert(ctx, got, next.Add(10*time.Minute)); err != nil || !ok {
		t.Fatalf("a save over the loaded version = %v, %v", ok, err)
	}
	if got, _, _ := s.Alerts.Alert(ctx, "500001"); !got.Notified(900001) || !got.Notified(600001) || got.Level != 1 {
		t.Errorf("after the second save: %+v", got)
	}
}

// Many writers add a message each, with load, save, and again when
// refused: every message is kept.
func alertConcurrentSaves(t *testing.T, open Open) {
	s := openFixed(t, open)
	ctx := t.Context()
	openAlert(t, s, "500001", dialog.AlertSignal, fixedNow.Add(10*time.Minute))

	const writers = 8
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i := range writers {
		wg.Go(func() {
			r := s.replica(t)
			<-start
			for range 100 {
				a, found, err := r.Alerts.Alert(ctx, "500001")
				if err != nil || !found {
					t.Errorf("Alert = %v, %v", found, err)
					return
				}
				a.Notices = append(a.Notices, domain.AlertNotice{Chat: int64(800000 + i), Message: i + 1})
				ok, err := r.Alerts.SaveAlert(ctx, a, fixedNow.Add(10*time.Minute))
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					return
				}
			}
			t.Errorf("writer %d never saved", i)
		})
	}
	close(start)
	wg.Wait()
	a, _, _ := s.Alerts.Alert(ctx, "500001")
	for i := range writers {
		if !a.Notified(int64(800000 + i)) {
			t.Errorf("the message of writer %d was lost: %+v", i, a.Notices)
		}
	}
}

// A forgotten alert never outlives its lifetime, and a taken one stays
// only for the hold, so that the young person can hear who took it.
func alertExpires(t *testing.T, open Open) {
	s := open(t, Config{})
	ctx := t.Context()
	start := s.Clock.Now()
	for _, key := range []string{"forgotten", "taken"} {
		a := domain.Alert{Key: key, Kind: dialog.AlertUrgent, Started: start}
		if _, created, err := s.Alerts.OpenAlert(ctx, a, start.Add(time.Hour), 300*time.Millisecond); err != nil || !created {
			t.Fatalf("OpenAlert(%s) = %v, %v", key, created, err)
		}
	}
	if won, _, err := s.Alerts.TakeAlert(ctx, "taken", 100, start, 100*time.Millisecond); err != nil || !won {
		t.Fatalf("TakeAlert = %v, %v", won, err)
	}
	s.Clock.Pass(200 * time.Millisecond)
	if _, found, _ := s.Alerts.Alert(ctx, "taken"); found {
		t.Error("a taken alert outlived its hold")
	}
	if a, found, _ := s.Alerts.Alert(ctx, "forgotten"); !found {
		t.Error("an alert went before its lifetime")
	} else if ok, err := s.Alerts.SaveAlert(ctx, a, start.Add(time.Hour)); err != nil || !ok {
		t.Errorf("SaveAlert within its lifetime = %v, %v", ok, err)
	}
	s.Clock.Pass(200 * time.Millisecond)
	if _, found, _ := s.Alerts.Alert(ctx, "forgotten"); found {
		t.Error("a forgotten alert outlived its lifetime (a save must not renew it)")
	}
	if won, by, err := s.Alerts.TakeAlert(ctx, "forgotten", 100, start, time.Hour); err != nil || won || by != 0 {
		t.Errorf("TakeAlert of an expired alert = %v, %d, %v", won, by, err)
	}
	a := domain.Alert{Key: "forgotten", Kind: dialog.AlertSignal, Started: s.Clock.Now()}
	if _, created, err := s.Alerts.OpenAlert(ctx, a, start, time.Hour); err != nil || !created {
		t.Errorf("OpenAlert after expiry = %v, %v; want a new one", created, err)
	}
}
