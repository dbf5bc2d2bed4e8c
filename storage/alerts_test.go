package storage

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/dialog"
)

func openAlert(t *testing.T, p *People, key string, kind dialog.AlertKind, next time.Time) (domain.Alert, bool) {
	t.Helper()
	a, created, err := p.Alerts.OpenAlert(context.Background(), domain.Alert{
		Key: key, Kind: kind, Started: fixedNow,
		Notices: []domain.AlertNotice{{Chat: 700001, Message: 41}},
	}, next, 24*time.Hour)
	if err != nil {
		t.Fatalf("OpenAlert: %v", err)
	}
	return a, created
}

func TestAlertOpenLoadSaveEnd(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	p, ctx := e.people, context.Background()
	next := fixedNow.Add(10 * time.Minute)

	if _, found, err := p.Alerts.Alert(ctx, "500001"); err != nil || found {
		t.Fatalf("Alert before any = %v, %v", found, err)
	}
	a, created := openAlert(t, p, "500001", dialog.AlertUrgent, next)
	if !created {
		t.Fatal("the first alert was not created")
	}
	got, found, err := p.Alerts.Alert(ctx, "500001")
	if err != nil || !found {
		t.Fatalf("Alert = %v, %v", found, err)
	}
	if got.Key != "500001" || got.Kind != dialog.AlertUrgent || got.Level != 0 || !got.Started.Equal(fixedNow) ||
		got.TakenBy != 0 || !slices.Equal(got.Notices, a.Notices) {
		t.Errorf("loaded %+v, want %+v", got, a)
	}
	if ttl := e.client.PTTL(ctx, "t:alert:500001").Val(); ttl <= 23*time.Hour || ttl > 24*time.Hour {
		t.Errorf("TTL = %v, want about 24h", ttl)
	}
	if s := e.client.ZScore(ctx, "t:alerts", "500001").Val(); s != float64(next.UnixMilli()) {
		t.Errorf("escalation at %v, want %v", s, next.UnixMilli())
	}
	// The notices (chats and messages of staff) are sealed.
	if raw := e.client.HGet(ctx, "t:alert:500001", "data").Val(); strings.Contains(raw, "700001") {
		t.Error("the alert's data is stored readable")
	}

	// A second alert does not start over.
	again, created := openAlert(t, p, "500001", dialog.AlertSignal, fixedNow.Add(time.Hour))
	if created || again.Kind != dialog.AlertUrgent {
		t.Errorf("second OpenAlert = %+v, created %v; want the open urgent one", again, created)
	}
	if s := e.client.ZScore(ctx, "t:alerts", "500001").Val(); s != float64(next.UnixMilli()) {
		t.Error("a second alert moved the escalation")
	}

	got.Level = 1
	got.Notices = append(got.Notices, domain.AlertNotice{Chat: 900001, Message: 7, Level: 1})
	later := next.Add(10 * time.Minute)
	if ok, err := p.Alerts.SaveAlert(ctx, got, later); err != nil || !ok {
		t.Fatalf("SaveAlert = %v, %v", ok, err)
	}
	saved, _, _ := p.Alerts.Alert(ctx, "500001")
	if saved.Level != 1 || len(saved.Notices) != 2 {
		t.Errorf("saved = %+v", saved)
	}
	if s := e.client.ZScore(ctx, "t:alerts", "500001").Val(); s != float64(later.UnixMilli()) {
		t.Error("SaveAlert did not move the escalation")
	}

	if err := p.Alerts.EndAlert(ctx, "500001"); err != nil {
		t.Fatal(err)
	}
	if n := e.client.Exists(ctx, "t:alert:500001").Val(); n != 0 {
		t.Error("the alert is still there after EndAlert")
	}
	if _, err := e.client.ZScore(ctx, "t:alerts", "500001").Result(); err == nil {
		t.Error("the escalation is still there after EndAlert")
	}
	// An ended (or erased) alert is not made again by a late save.
	if ok, err := p.Alerts.SaveAlert(ctx, got, later); err != nil || ok {
		t.Errorf("SaveAlert after the end = %v, %v; want false", ok, err)
	}
	if n := e.client.Exists(ctx, "t:alert:500001", "t:alerts").Val(); n != 0 {
		t.Error("a save after the end made the alert again")
	}
	if _, created := openAlert(t, p, "500001", dialog.AlertUrgent, next); !created {
		t.Error("a new alert after the end was not created")
	}
}

func TestAlertTakenByOneOfTwoAtOnce(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	openAlert(t, e.people, "500001", dialog.AlertUrgent, fixedNow.Add(10*time.Minute))

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
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := NewPeople(e.srv.Client(t), mustCodec(t, testKey(1)), "t:", fixedClock)
			<-start
			won, by, err := p.Alerts.TakeAlert(ctx, "500001", int64(100+i), fixedNow, time.Hour)
			if err != nil {
				t.Error(err)
			}
			results[i] = result{won, by}
		}()
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
	a, _, _ := e.people.Alerts.Alert(ctx, "500001")
	if a.TakenBy != winner || !a.Taken.Equal(fixedNow) {
		t.Errorf("alert = %+v, want taken by %d at %v", a, winner, fixedNow)
	}
	if _, err := e.client.ZScore(ctx, "t:alerts", "500001").Result(); err == nil {
		t.Error("a taken alert still escalates")
	}
	if ttl := e.client.PTTL(ctx, "t:alert:500001").Val(); ttl > time.Hour {
		t.Errorf("TTL after the take = %v, want at most the hold of 1h", ttl)
	}
	// A save (an escalation that raced the take) does not schedule it
	// again, nor clear the take.
	a.Level = 1
	if ok, err := e.people.Alerts.SaveAlert(ctx, a, fixedNow.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("SaveAlert = %v, %v", ok, err)
	}
	if _, err := e.client.ZScore(ctx, "t:alerts", "500001").Result(); err == nil {
		t.Error("a save scheduled a taken alert again")
	}
	if a, _, _ := e.people.Alerts.Alert(ctx, "500001"); a.TakenBy != winner {
		t.Error("a save cleared the take")
	}
	// An alert that is gone can't be taken.
	if won, by, err := e.people.Alerts.TakeAlert(ctx, "500002", 100, fixedNow, time.Hour); err != nil || won || by != 0 {
		t.Errorf("TakeAlert of none = %v, %d, %v", won, by, err)
	}
}

func TestClaimAlertsWithALease(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	p, ctx := e.people, context.Background()
	openAlert(t, p, "a", dialog.AlertUrgent, fixedNow.Add(-time.Second))
	openAlert(t, p, "b", dialog.AlertSignal, fixedNow)
	openAlert(t, p, "c", dialog.AlertUrgent, fixedNow.Add(time.Minute))

	claim := func(now time.Time) []string {
		t.Helper()
		keys, err := p.Alerts.ClaimAlerts(ctx, now, 30*time.Second, 10)
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}
	if got := claim(fixedNow); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("claim = %v, want [a b]", got)
	}
	if got := claim(fixedNow.Add(29 * time.Second)); len(got) != 0 {
		t.Errorf("claim within the lease = %v, want none", got)
	}
	// The claimer of a crashed; b was handled and rescheduled.
	b, _, _ := p.Alerts.Alert(ctx, "b")
	b.Level = 1
	if ok, err := p.Alerts.SaveAlert(ctx, b, fixedNow.Add(10*time.Minute)); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if got := claim(fixedNow.Add(time.Minute)); !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("claim after the lease = %v, want [a c]", got)
	}
	// Two replicas at once never get the same alert.
	for i := range 100 {
		openAlert(t, p, "k"+string(rune('A'+i%26))+string(rune('a'+i/26)), dialog.AlertUrgent, fixedNow)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		count = map[string]int{}
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := NewPeople(e.srv.Client(t), mustCodec(t, testKey(1)), "t:", fixedClock)
			for {
				keys, err := q.Alerts.ClaimAlerts(ctx, fixedNow.Add(2*time.Minute), time.Minute, 3)
				if err != nil || len(keys) == 0 {
					return
				}
				mu.Lock()
				for _, k := range keys {
					count[k]++
				}
				mu.Unlock()
			}
		}()
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
func TestAlertSaveRefusesAStaleVersion(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	p, ctx := e.people, context.Background()
	next := fixedNow.Add(10 * time.Minute)
	openAlert(t, p, "500001", dialog.AlertUrgent, next)

	raise, _, _ := p.Alerts.Alert(ctx, "500001")
	escalation, _, _ := p.Alerts.Alert(ctx, "500001")
	escalation.Level = 1
	escalation.Notices = append(escalation.Notices, domain.AlertNotice{Chat: 900001, Message: 7, Level: 1})
	if ok, err := p.Alerts.SaveAlert(ctx, escalation, next.Add(10*time.Minute)); err != nil || !ok {
		t.Fatalf("the escalation's save = %v, %v", ok, err)
	}
	raise.Notices = append(raise.Notices, domain.AlertNotice{Chat: 600001, Message: 3})
	if ok, err := p.Alerts.SaveAlert(ctx, raise, next); err != nil || ok {
		t.Fatalf("a save over a version it did not load = %v, %v; want false", ok, err)
	}
	got, found, err := p.Alerts.Alert(ctx, "500001")
	if err != nil || !found {
		t.Fatalf("Alert = %v, %v", found, err)
	}
	if got.Level != 1 || !got.Notified(900001) || got.Notified(600001) {
		t.Errorf("after a refused save: %+v; want the escalation's", got)
	}
	if s := e.client.ZScore(ctx, "t:alerts", "500001").Val(); s != float64(next.Add(10*time.Minute).UnixMilli()) {
		t.Error("a refused save moved the escalation")
	}
	// Loaded again, it saves.
	got.Notices = append(got.Notices, domain.AlertNotice{Chat: 600001, Message: 3})
	if ok, err := p.Alerts.SaveAlert(ctx, got, next.Add(10*time.Minute)); err != nil || !ok {
		t.Fatalf("a save over the loaded version = %v, %v", ok, err)
	}
	if got, _, _ := p.Alerts.Alert(ctx, "500001"); !got.Notified(900001) || !got.Notified(600001) || got.Level != 1 {
		t.Errorf("after the second save: %+v", got)
	}
}

// Many writers add a message each, with load, save, and again when
// refused: every message is kept.
func TestAlertConcurrentSavesKeepEveryNotice(t *testing.T) {
	t.Parallel()
	e := newPeopleEnv(t, fixedClock)
	ctx := context.Background()
	openAlert(t, e.people, "500001", dialog.AlertSignal, fixedNow.Add(10*time.Minute))

	const writers = 8
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := NewPeople(e.srv.Client(t), mustCodec(t, testKey(1)), "t:", fixedClock)
			<-start
			for range 100 {
				a, found, err := p.Alerts.Alert(ctx, "500001")
				if err != nil || !found {
					t.Errorf("Alert = %v, %v", found, err)
					return
				}
				a.Notices = append(a.Notices, domain.AlertNotice{Chat: int64(800000 + i), Message: i + 1})
				ok, err := p.Alerts.SaveAlert(ctx, a, fixedNow.Add(10*time.Minute))
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					return
				}
			}
			t.Errorf("writer %d never saved", i)
		}()
	}
	close(start)
	wg.Wait()
	a, _, _ := e.people.Alerts.Alert(ctx, "500001")
	for i := range writers {
		if !a.Notified(int64(800000 + i)) {
			t.Errorf("the message of writer %d was lost: %+v", i, a.Notices)
		}
	}
}
