package bot_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/delivery"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/updates"
)

// inviteUpdate is a director's "/invite Sam" as Telegram delivers it.
func inviteUpdate(id int64) *models.Update {
	return &models.Update{ID: id, Message: &models.Message{
		ID: 9000 + int(id%1000), Date: int(time.Now().Unix()),
		From: &models.User{ID: directorID, FirstName: "Sanne", LanguageCode: "en"},
		Chat: models.Chat{ID: directorID, Type: models.ChatTypePrivate},
		Text: "/invite Sam",
	}}
}

// linkMessages counts the bot's messages to chat that hold a link.
func linkMessages(api *telegramtest.Server, chat int64) int {
	n := 0
	for _, m := range api.Chat(chat) {
		if m.FromBot && strings.Contains(m.Text, "https://t.me/") {
			n++
		}
	}
	return n
}

// An update delivered again (a webhook call that timed out after it was
// applied, two replicas, a crash before it was confirmed) has its side
// effects once: one link minted, one link sent.
func TestARedeliveredUpdateMintsOneLink(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	srv := redistest.Start(t)
	// Two replicas, as cmd/intakebot wires them: the edge behind Once.
	type replica func(context.Context, *models.Update) error
	wire := func(once *delivery.Once, handle replica) replica {
		return func(ctx context.Context, u *models.Update) error {
			return once.Do(ctx, u.ID, func(ctx context.Context) error { return handle(ctx, u) })
		}
	}
	logs := []*updates.Log{updates.New(srv.Client(t), "t:"), updates.New(srv.Client(t), "t:")}
	replicas := []replica{
		wire(&delivery.Once{Log: logs[0], Metrics: r.metrics, Logger: r.log}, r.b.Edge().HandleUpdate),
		wire(&delivery.Once{Log: logs[1], Metrics: r.metrics, Logger: r.log}, r.b.Edge().HandleUpdate),
	}
	ctx := testCtx(t)

	t.Run("one after the other", func(t *testing.T) {
		upd := inviteUpdate(424201)
		for i := range 3 {
			if err := replicas[i%2](ctx, upd); err != nil {
				t.Fatalf("delivery %d: %v", i+1, err)
			}
		}
		if n := r.people.Links.count(); n != 1 {
			t.Errorf("%d links minted for one /invite delivered 3 times", n)
		}
		if n := linkMessages(r.api, directorID); n != 1 {
			t.Errorf("%d link messages; transcript:\n%s", n, telegramtest.FormatTranscript(r.api.Chat(directorID)))
		}
		if n := r.metrics.UpdatesRedelivered.Load(); n != 2 {
			t.Errorf("UpdatesRedelivered = %d, want 2", n)
		}
	})

	t.Run("at the same time on two replicas", func(t *testing.T) {
		before := r.people.Links.count()
		upd := inviteUpdate(424202)
		var wg sync.WaitGroup
		for _, handle := range replicas {
			wg.Go(func() {
				// As Telegram does after a 503: deliver again until 200.
				for {
					err := handle(ctx, upd)
					if err == nil {
						return
					}
					if !errors.Is(err, delivery.ErrUpdateBusy) {
						t.Errorf("delivery: %v", err)
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
			})
		}
		wg.Wait()
		if n := r.people.Links.count() - before; n != 1 {
			t.Errorf("%d links minted", n)
		}
		if n := linkMessages(r.api, directorID); n != 2 {
			t.Errorf("%d link messages in all, want 2", n)
		}
	})

	t.Run("a failed update is applied when it comes back", func(t *testing.T) {
		before := r.people.Links.count()
		upd := inviteUpdate(424203)
		failing := wire(&delivery.Once{Log: logs[0], Metrics: r.metrics, Logger: r.log},
			func(context.Context, *models.Update) error { return errors.New("store down") })
		if err := failing(ctx, upd); err == nil {
			t.Fatal("the failure was swallowed")
		}
		if err := replicas[1](ctx, upd); err != nil {
			t.Fatal(err)
		}
		if n := r.people.Links.count() - before; n != 1 {
			t.Errorf("%d links minted after a failure and a redelivery, want 1", n)
		}
	})
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
