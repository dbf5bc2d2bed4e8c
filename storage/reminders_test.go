package storage_test

import (
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/storetest"
)

func TestRemindersContract(t *testing.T) {
	t.Parallel()
	storetest.RunReminders(t, func(t *testing.T, clock storetest.Clock) (storetest.Reminders, func(t *testing.T) storetest.Reminders) {
		srv := redistest.Start(t)
		codec := storage.NewTestCodec(t)
		open := func(t *testing.T) storetest.Reminders {
			return storage.NewReminders(srv.Client(t), codec, "t:", clock.Now)
		}
		return open(t), open
	})
}

// What staff typed is sealed at rest; the young person's key and the
// maker stay plain for the indexes, and a finished reminder expires.
func TestRemindersAreSealedAndFinishedOnesExpire(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	client := srv.Client(t)
	rs := storage.NewReminders(client, storage.NewTestCodec(t), "t:", nil)
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
	for f, v := range raw {
		if strings.Contains(v, "Geheime") || strings.Contains(v, "Stationsplein") {
			t.Errorf("field %s holds what staff typed in the clear", f)
		}
	}
	if ttl := client.PTTL(ctx, "t:reminder:r1").Val(); ttl != -1 {
		t.Errorf("a live reminder expires in %v", ttl)
	}
	r.Status = domain.ReminderDone
	if _, err := rs.SaveReminder(ctx, r); err != nil {
		t.Fatal(err)
	}
	if ttl := client.PTTL(ctx, "t:reminder:r1").Val(); ttl < storage.ReminderKeep-time.Minute || ttl > storage.ReminderKeep {
		t.Errorf("a finished reminder expires in %v, want %v", ttl, storage.ReminderKeep)
	}
	if n := client.ZCard(ctx, "t:jobs:reminder").Val(); n != 0 {
		t.Errorf("a finished reminder is still in the queue (%d)", n)
	}
}
