package remindstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/rekey"
	"github.com/intakebot/intakebot/storage/remindstore"
	"github.com/intakebot/intakebot/storage/remindstore/remindtest"
	"github.com/intakebot/intakebot/storage/storetest"
)

func TestRemindersContract(t *testing.T) {
	t.Parallel()
	remindtest.Run(t, func(t *testing.T, clock storetest.Clock) (remindtest.Reminders, func(t *testing.T) remindtest.Reminders) {
		srv := redistest.Start(t)
		codec := testCodec(t)
		open := func(t *testing.T) remindtest.Reminders {
			return remindstore.New(srv.Client(t), codec, "t:")
		}
		return open(t), open
	})
}

// What staff typed is sealed at rest (the young person and the maker too:
// only the version is plain), and a finished reminder expires.
func TestRemindersAreSealedAndFinishedOnesExpire(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	client := srv.Client(t)
	rs := remindstore.New(client, testCodec(t), "t:")
	ctx := t.Context()
	r := domain.Reminder{ID: "r1", Key: "100", Staff: 7, Template: domain.TemplateOwn, Text: "Geheime tekst",
		Place: "Stationsplein", Status: domain.ReminderScheduled, Due: time.Now().Add(time.Hour)}
	r, err := rs.SaveReminder(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := client.HGetAll(ctx, "t:reminder:r1").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) != 2 || raw["rev"] != "1" {
		t.Errorf("the reminder's hash is %v, want only data and rev", raw)
	}
	for f, v := range raw {
		if strings.Contains(v, "Geheime") || strings.Contains(v, "Stationsplein") {
			t.Errorf("field %s holds what staff typed in the clear", f)
		}
	}
	if ttl := client.PTTL(ctx, "t:reminder:r1").Val(); ttl != -1 {
		t.Errorf("a live reminder expires in %v", ttl)
	}
	r.Status = domain.ReminderStopped
	if _, err := rs.SaveReminder(ctx, r); err != nil {
		t.Fatal(err)
	}
	if ttl := client.PTTL(ctx, "t:reminder:r1").Val(); ttl < remindstore.ReminderKeep-time.Minute || ttl > remindstore.ReminderKeep {
		t.Errorf("a finished reminder expires in %v, want %v", ttl, remindstore.ReminderKeep)
	}
	if n := client.ZCard(ctx, "t:jobs:reminder").Val(); n != 0 {
		t.Errorf("a finished reminder is still in the queue (%d)", n)
	}
}

func testCodec(t testing.TB) *storage.Codec {
	c, err := storage.NewCodec([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A key rotation (storage/rekey) reseals reminders too: after it, the new
// key alone opens them.
func TestRekeyResealsReminders(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	client := srv.Client(t)
	ctx := t.Context()
	oldKey, newKey := []byte("0123456789abcdef0123456789abcdef"), []byte("fedcba9876543210fedcba9876543210")
	old, _ := storage.NewCodec(oldKey)
	if _, err := remindstore.New(client, old, "t:").SaveReminder(ctx, domain.Reminder{ID: "r1", Key: "100", Staff: 7,
		Template: domain.TemplateOwn, Text: "hoi", Status: domain.ReminderScheduled, Due: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	both, _ := storage.NewCodec(newKey, oldKey)
	if _, err := rekey.Run(ctx, client, both, "t:", rekey.Options{}); err != nil {
		t.Fatal(err)
	}
	only, _ := storage.NewCodec(newKey)
	r, ok, err := remindstore.New(client, only, "t:").Reminder(ctx, "r1")
	if err != nil || !ok || r.Text != "hoi" {
		t.Errorf("after the rotation, with the new key only: %+v, %v, %v", r, ok, err)
	}
}
