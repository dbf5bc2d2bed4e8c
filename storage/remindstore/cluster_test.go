package remindstore_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/remindstore"
	"github.com/intakebot/intakebot/storage/remindstore/remindtest"
	"github.com/intakebot/intakebot/storage/storetest"
)

var prefixes atomic.Int64

// The reminders' contract on a Redis Cluster of three primaries through a
// redis.ClusterClient (next to storage's TestContractOnCluster): every
// script stays within one slot. One cluster serves all the tests, each
// under a prefix of its own.
func TestRemindersContractOnCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Redis Cluster")
	}
	c := redistest.StartCluster(t)
	codec := testCodec(t)
	remindtest.Run(t, func(t *testing.T, clock storetest.Clock) (remindtest.Reminders, func(t *testing.T) remindtest.Reminders) {
		prefix := fmt.Sprintf("c%d:", prefixes.Add(1))
		open := func(t *testing.T) remindtest.Reminders {
			return remindstore.New(c.Client(t), codec, prefix)
		}
		return open(t), open
	})
}

// No key name, member or plain field names a young person or a staff
// member by their Telegram ID, and the young person's reminders share
// their hash tag.
func TestRemindersHoldNoRawTelegramID(t *testing.T) {
	t.Parallel()
	client := redistest.Start(t).Client(t)
	codec := testCodec(t)
	rs := remindstore.New(client, codec, "t:")
	ctx := t.Context()
	const young, staff = "7301234567", int64(4242424242)
	for i, status := range []domain.ReminderStatus{domain.ReminderScheduled, domain.ReminderStopped} {
		r := domain.Reminder{ID: fmt.Sprintf("r%d", i), Key: young, Staff: staff, Template: domain.TemplateOwn,
			Text: "hoi", Status: status, Due: time.Now().Add(time.Hour)}
		if _, err := rs.SaveReminder(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := rs.RemindersFor(ctx, young); err != nil || len(got) != 2 {
		t.Fatalf("RemindersFor = %d, %v", len(got), err)
	}
	found, err := redistest.FindPlain(ctx, client, []string{young, fmt.Sprint(staff)}, storage.LooksSealed)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 0 {
		t.Errorf("a Telegram ID is readable in %d places: %v", len(found), found)
	}
	keys := client.Keys(ctx, "t:reminders:*").Val()
	want := map[string]bool{"t:reminders:{" + codec.Name(young) + "}:for": true,
		"t:reminders:{" + codec.Name(fmt.Sprint(staff)) + "}:made": true}
	if len(keys) != 2 || !want[keys[0]] || !want[keys[1]] {
		t.Errorf("the reminders' sets are %v, want %v", keys, want)
	}
}

// The indexes are updated beside the saves, not with them: a queue entry
// or a list entry whose reminder is gone (a crash between the two, an
// expiry) is dropped by the claim or the list that meets it.
func TestClaimsAndListsDropEntriesOfGoneReminders(t *testing.T) {
	t.Parallel()
	client := redistest.Start(t).Client(t)
	codec := testCodec(t)
	rs := remindstore.New(client, codec, "t:")
	ctx := t.Context()
	now := time.Now()
	r := domain.Reminder{ID: "live", Key: "100", Staff: 7, Template: domain.TemplateOwn, Text: "hoi",
		Status: domain.ReminderScheduled, Due: now.Add(-time.Minute)}
	if _, err := rs.SaveReminder(ctx, r); err != nil {
		t.Fatal(err)
	}
	client.ZAdd(ctx, "t:jobs:reminder", redis.Z{Score: float64(now.Add(-2 * time.Minute).UnixMilli()), Member: "gone"})
	client.SAdd(ctx, "t:reminders:{"+codec.Name("100")+"}:for", "gone")
	ids, err := rs.ClaimReminders(ctx, now, time.Minute, 10)
	if err != nil || len(ids) != 1 || ids[0] != "live" {
		t.Errorf("ClaimReminders = %v, %v; want [live]", ids, err)
	}
	if _, err := client.ZScore(ctx, "t:jobs:reminder", "gone").Result(); err != redis.Nil {
		t.Errorf("the gone reminder's entry is still queued: %v", err)
	}
	got, err := rs.RemindersFor(ctx, "100")
	if err != nil || len(got) != 1 || got[0].ID != "live" {
		t.Errorf("RemindersFor = %+v, %v", got, err)
	}
	if client.SIsMember(ctx, "t:reminders:{"+codec.Name("100")+"}:for", "gone").Val() {
		t.Error("the gone reminder is still listed")
	}
}
