// Package remindtest states once what the reminders store promises, and
// checks an implementation against it: remindstore's tests run it on a
// real Redis, storage/memory's on the in-memory twin.
package remindtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage/storetest"
)

// Reminders is remindstore.Reminders.
type Reminders interface {
	SaveReminder(ctx context.Context, r domain.Reminder) (domain.Reminder, error)
	Reminder(ctx context.Context, id string) (domain.Reminder, bool, error)
	RemindersOf(ctx context.Context, staff int64) ([]domain.Reminder, error)
	RemindersFor(ctx context.Context, key string) ([]domain.Reminder, error)
	ClaimReminders(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]string, error)
	CountRemindersDue(ctx context.Context, t time.Time) (int64, error)
	DeleteRemindersFor(ctx context.Context, key string) (int, error)
}

// OpenReminders returns the reminders of a new deployment with no data on
// clock, and a function that opens the same data as another replica would
// (for Redis: on a client of its own).
type OpenReminders func(t *testing.T, clock storetest.Clock) (Reminders, func(t *testing.T) Reminders)

// Run runs the contract of the reminders store.
func Run(t *testing.T, open OpenReminders) {
	for _, c := range []struct {
		name string
		run  func(t *testing.T, open OpenReminders)
	}{
		{"SaveAndLoad", remindersSaveAndLoad},
		{"CompareAndSet", remindersCompareAndSet},
		{"ListsByMakerAndPerson", remindersLists},
		{"ClaimWithALease", remindersClaim},
		{"FinishedLeaveTheQueueAndExpire", remindersFinished},
		{"EraseAPerson", remindersErase},
		{"TwoReplicasClaimEachOnce", remindersTwoReplicas},
		{"RefusesIncomplete", remindersIncomplete},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, open)
		})
	}
}

// fixedNow is the time of the tests.
var fixedNow = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

func reminderAt(id, key string, staff int64, due time.Time) domain.Reminder {
	return domain.Reminder{
		ID: id, Key: key, Staff: staff, Template: domain.TemplateOwn, Text: "bel <b>me</b> 💬",
		First: due, Due: due, Status: domain.ReminderScheduled, Created: fixedNow,
	}
}

func remindersSaveAndLoad(t *testing.T, open OpenReminders) {
	rs, _ := open(t, storetest.NewFakeClock(fixedNow))
	ctx := t.Context()
	r := reminderAt("r1", "100", 7, fixedNow.Add(time.Hour))
	r.Repeat, r.Place, r.Appointment = "weekly", "Stationsplein 1", fixedNow.Add(48*time.Hour)
	saved, err := rs.SaveReminder(ctx, r)
	if err != nil || saved.Rev != 1 {
		t.Fatalf("SaveReminder = %+v, %v; want version 1", saved, err)
	}
	got, ok, err := rs.Reminder(ctx, "r1")
	if err != nil || !ok {
		t.Fatalf("Reminder = %v, %v", ok, err)
	}
	if got.Rev != 1 || got.Text != r.Text || got.Place != r.Place || !got.Due.Equal(r.Due) ||
		!got.Appointment.Equal(r.Appointment) || got.Repeat != "weekly" || got.Key != "100" || got.Staff != 7 {
		t.Errorf("Reminder = %+v, want %+v", got, r)
	}
	if _, ok, err := rs.Reminder(ctx, "nope"); ok || err != nil {
		t.Errorf("Reminder(missing) = %v, %v", ok, err)
	}
	if _, ok, err := rs.Reminder(ctx, ""); ok || err != nil {
		t.Errorf("Reminder(\"\") = %v, %v", ok, err)
	}
}

func remindersCompareAndSet(t *testing.T, open OpenReminders) {
	rs, _ := open(t, storetest.NewFakeClock(fixedNow))
	ctx := t.Context()
	r, err := rs.SaveReminder(ctx, reminderAt("r1", "100", 7, fixedNow))
	if err != nil {
		t.Fatal(err)
	}
	// A second "new" one with the same ID is refused.
	if _, err := rs.SaveReminder(ctx, reminderAt("r1", "100", 7, fixedNow)); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("a second new reminder with the same ID: %v, want ErrConflict", err)
	}
	first := r
	r.Status = domain.ReminderSent
	if r, err = rs.SaveReminder(ctx, r); err != nil || r.Rev != 2 {
		t.Fatalf("save at version 1 = %d, %v", r.Rev, err)
	}
	first.Status = domain.ReminderCancelled
	if _, err := rs.SaveReminder(ctx, first); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("save over a newer version: %v, want ErrConflict", err)
	}
	got, _, _ := rs.Reminder(ctx, "r1")
	if got.Status != domain.ReminderSent || got.Rev != 2 {
		t.Errorf("after the refused save: %s at %d", got.Status, got.Rev)
	}
	// A save of one that is no longer there is a conflict, not a revival.
	gone := reminderAt("r9", "100", 7, fixedNow)
	gone.Rev = 3
	if _, err := rs.SaveReminder(ctx, gone); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("save of a missing reminder: %v, want ErrConflict", err)
	}
}

func remindersLists(t *testing.T, open OpenReminders) {
	rs, _ := open(t, storetest.NewFakeClock(fixedNow))
	ctx := t.Context()
	mk := func(id, key string, staff int64, due time.Duration, st domain.ReminderStatus) {
		r := reminderAt(id, key, staff, fixedNow.Add(due))
		r.Status = st
		r.Created = fixedNow.Add(due)
		if _, err := rs.SaveReminder(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	mk("a", "100", 7, 3*time.Hour, domain.ReminderScheduled)
	mk("b", "100", 7, time.Hour, domain.ReminderSnoozed)
	mk("c", "200", 7, 2*time.Hour, domain.ReminderStopped)
	mk("d", "200", 8, time.Hour, domain.ReminderScheduled)
	ids := func(rs []domain.Reminder) string {
		s := ""
		for _, r := range rs {
			s += r.ID
		}
		return s
	}
	of7, err := rs.RemindersOf(ctx, 7)
	if err != nil || ids(of7) != "bac" {
		t.Errorf("RemindersOf(7) = %q, %v; want bac (live by due time, then finished)", ids(of7), err)
	}
	for200, err := rs.RemindersFor(ctx, "200")
	if err != nil || ids(for200) != "dc" {
		t.Errorf("RemindersFor(200) = %q, %v; want dc", ids(for200), err)
	}
	if none, err := rs.RemindersOf(ctx, 9); err != nil || len(none) != 0 {
		t.Errorf("RemindersOf(nobody) = %v, %v", none, err)
	}
}

func remindersClaim(t *testing.T, open OpenReminders) {
	rs, _ := open(t, storetest.NewFakeClock(fixedNow))
	ctx := t.Context()
	for i, d := range []time.Duration{2 * time.Minute, time.Minute, -time.Minute, time.Hour} {
		if _, err := rs.SaveReminder(ctx, reminderAt(fmt.Sprint("r", i), "100", 7, fixedNow.Add(d))); err != nil {
			t.Fatal(err)
		}
	}
	now := fixedNow.Add(2 * time.Minute)
	if n, err := rs.CountRemindersDue(ctx, now); err != nil || n != 3 {
		t.Errorf("CountRemindersDue = %d, %v; want 3", n, err)
	}
	got, err := rs.ClaimReminders(ctx, now, 5*time.Minute, 2)
	if err != nil || fmt.Sprint(got) != "[r2 r1]" {
		t.Fatalf("ClaimReminders = %v, %v; want [r2 r1], the earliest first", got, err)
	}
	got, err = rs.ClaimReminders(ctx, now, 5*time.Minute, 10)
	if err != nil || fmt.Sprint(got) != "[r0]" {
		t.Errorf("second claim = %v, %v; want [r0] only (the others are leased)", got, err)
	}
	got, _ = rs.ClaimReminders(ctx, now.Add(5*time.Minute), 5*time.Minute, 10)
	if fmt.Sprint(got) != "[r0 r1 r2]" { // one lease end: by ID
		t.Errorf("after the lease = %v; want all three back", got)
	}
	if got, err := rs.ClaimReminders(ctx, now, time.Minute, 0); err != nil || len(got) != 0 {
		t.Errorf("limit 0 = %v, %v", got, err)
	}
	if _, err := rs.ClaimReminders(ctx, now, 0, 1); err == nil {
		t.Error("a claim without a lease was accepted")
	}
}

func remindersFinished(t *testing.T, open OpenReminders) {
	clock := storetest.NewFakeClock(fixedNow)
	rs, _ := open(t, clock)
	ctx := t.Context()
	r, err := rs.SaveReminder(ctx, reminderAt("r1", "100", 7, fixedNow))
	if err != nil {
		t.Fatal(err)
	}
	r.Status = domain.ReminderStopped
	if r, err = rs.SaveReminder(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got, _ := rs.ClaimReminders(ctx, fixedNow.Add(time.Hour), time.Minute, 10); len(got) != 0 {
		t.Errorf("a stopped reminder was claimed: %v", got)
	}
	if got, ok, _ := rs.Reminder(ctx, "r1"); !ok || got.Status != domain.ReminderStopped {
		t.Errorf("a stopped reminder is not kept for its maker: %v %+v", ok, got)
	}
	// A live one without a due time is not in the queue either.
	w := reminderAt("r2", "100", 7, time.Time{})
	if _, err := rs.SaveReminder(ctx, w); err != nil {
		t.Fatal(err)
	}
	if got, _ := rs.ClaimReminders(ctx, fixedNow.Add(time.Hour), time.Minute, 10); len(got) != 0 {
		t.Errorf("a reminder without a due time was claimed: %v", got)
	}
	// Live again: back in the queue.
	r.Status, r.Due = domain.ReminderScheduled, fixedNow
	if _, err := rs.SaveReminder(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got, _ := rs.ClaimReminders(ctx, fixedNow.Add(time.Hour), time.Minute, 10); fmt.Sprint(got) != "[r1]" {
		t.Errorf("a live reminder again = %v", got)
	}
}

func remindersErase(t *testing.T, open OpenReminders) {
	rs, _ := open(t, storetest.NewFakeClock(fixedNow))
	ctx := t.Context()
	for _, r := range []domain.Reminder{reminderAt("a", "100", 7, fixedNow), reminderAt("b", "100", 8, fixedNow), reminderAt("c", "200", 7, fixedNow)} {
		if _, err := rs.SaveReminder(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	n, err := rs.DeleteRemindersFor(ctx, "100")
	if err != nil || n != 2 {
		t.Fatalf("DeleteRemindersFor = %d, %v; want 2", n, err)
	}
	if _, ok, _ := rs.Reminder(ctx, "a"); ok {
		t.Error("an erased person's reminder is still there")
	}
	if got, _ := rs.RemindersOf(ctx, 7); len(got) != 1 || got[0].ID != "c" {
		t.Errorf("RemindersOf(7) after the erasure = %v", got)
	}
	if got, _ := rs.ClaimReminders(ctx, fixedNow, time.Minute, 10); fmt.Sprint(got) != "[c]" {
		t.Errorf("claim after the erasure = %v; want [c]", got)
	}
	if n, err := rs.DeleteRemindersFor(ctx, "100"); err != nil || n != 0 {
		t.Errorf("a second erasure = %d, %v", n, err)
	}
}

func remindersTwoReplicas(t *testing.T, open OpenReminders) {
	rs, replica := open(t, storetest.NewFakeClock(fixedNow))
	other := replica(t)
	ctx := t.Context()
	const n = 300
	for i := range n {
		if _, err := rs.SaveReminder(ctx, reminderAt(fmt.Sprint(i), "100", 7, fixedNow)); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for _, s := range []Reminders{rs, other, rs, other} {
		wg.Go(func() {
			for {
				ids, err := s.ClaimReminders(ctx, fixedNow, time.Hour, 7)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ids) == 0 {
					return
				}
				mu.Lock()
				for _, id := range ids {
					seen[id]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d of %d claimed", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("reminder %s claimed %d times", id, c)
		}
	}
}

func remindersIncomplete(t *testing.T, open OpenReminders) {
	rs, _ := open(t, storetest.NewFakeClock(fixedNow))
	for _, r := range []domain.Reminder{
		{Key: "1", Staff: 1}, {ID: "x", Staff: 1}, {ID: "x", Key: "1"},
	} {
		if _, err := rs.SaveReminder(t.Context(), r); err == nil {
			t.Errorf("SaveReminder(%+v) accepted", r)
		}
	}
}
