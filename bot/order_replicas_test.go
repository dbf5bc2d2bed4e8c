package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/delivery"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/storage/redistest"
	"github.com/intakebot/intakebot/storage/updates"
)

// appliedLog records, per chat, the updates an edge applied, in the order
// it applied them.
type appliedLog struct {
	mu     sync.Mutex
	byChat map[int64][]int64
}

func (a *appliedLog) add(chat, id int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.byChat[chat] = append(a.byChat[chat], id)
}

// webhookReplica is one replica of a webhook deployment: its own Bot, its
// own webhook HTTP server and its own Redis client, on the shared stores.
func webhookReplica(t *testing.T, h *harness, b *bot.Bot, redisURL *redistest.Server, rec *appliedLog, wait time.Duration) string {
	t.Helper()
	log := updates.New(redisURL.Client(t), "t:")
	// The deliveries spread over about 100 ms; on a loaded machine with the
	// race detector the last may come much later than that. A longer
	// settle than the default keeps this cold start in order.
	log.Settle = time.Second
	once := &delivery.Once{Log: log, Metrics: h.metrics, Logger: h.log}
	handle := func(ctx context.Context, upd *models.Update) error {
		return once.Do(ctx, upd.ID, func(ctx context.Context) error {
			err := b.Edge().HandleUpdate(ctx, upd)
			if err == nil {
				rec.add(upd.Message.Chat.ID, upd.ID)
			}
			return err
		})
	}
	wh := &telegram.Webhook{Secret: "s3cret", Handle: handle, Lanes: &telegram.Lanes{}, Log: h.log,
		Order: &delivery.Order{Chats: log, Metrics: h.metrics, Log: h.log, Wait: wait}}
	srv := httptest.NewServer(wh)
	t.Cleanup(srv.Close)
	return srv.URL
}

// deliver POSTs an update to a webhook as Telegram does: again (to either
// replica) after anything but 200, until 200.
func deliver(ctx context.Context, urls []string, first int, body []byte) error {
	for try := 0; ; try++ {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, urls[(first+try)%len(urls)], bytes.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s3cret")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if ctx.Err() != nil {
			return fmt.Errorf("update not taken: %v", ctx.Err())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Two replicas, each with its own webhook server, on one Redis: the
// updates of 8 chats arrive shuffled, a third of them twice, at either
// replica. Each chat's updates are applied in update_id order, each once.
func TestReplicasApplyEachChatsUpdatesInOrder(t *testing.T) {
	h := prepare(t, nil)
	second := h.replica()
	srv := redistest.Start(t)
	rec := &appliedLog{byChat: map[int64][]int64{}}
	urls := []string{
		webhookReplica(t, h, h.b, srv, rec, 10*time.Second),
		webhookReplica(t, h, second, srv, rec, 10*time.Second),
	}

	const chats, perChat = 8, 8
	want := map[int64][]int64{}
	for k := range perChat {
		for c := range chats {
			chat := int64(810001 + c)
			text := "/start"
			if k > 0 {
				text = fmt.Sprintf("antwoord %d van %d", k, chat)
				h.secrets = append(h.secrets, text)
			}
			want[chat] = append(want[chat], h.api.SendText(chat, chat, text, "nl"))
		}
	}
	raw := h.api.TakeUpdates()
	rng := rand.New(rand.NewPCG(13, uint64(time.Now().UnixNano())))
	var deliveries [][]byte
	for _, u := range raw {
		deliveries = append(deliveries, u)
		if rng.IntN(3) == 0 {
			deliveries = append(deliveries, u)
		}
	}
	rng.Shuffle(len(deliveries), func(i, j int) { deliveries[i], deliveries[j] = deliveries[j], deliveries[i] })

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i, body := range deliveries {
		replica := rng.IntN(2)
		wg.Go(func() {
			time.Sleep(time.Duration(i) * time.Millisecond) // arrival in the shuffled order
			if err := deliver(ctx, urls, replica, body); err != nil {
				var u struct {
					ID int64 `json:"update_id"`
				}
				_ = json.Unmarshal(body, &u)
				t.Errorf("update %d: %v", u.ID, err)
			}
		})
	}
	wg.Wait()

	for chat, ids := range want {
		got := rec.byChat[chat]
		if !slices.Equal(got, ids) {
			t.Errorf("chat %d applied %v, want %v", chat, got, ids)
		}
	}
	if n := h.metrics.UpdatesUnordered.Load(); n != 0 {
		t.Errorf("%d updates applied after the bounded wait", n)
	}
	t.Logf("%d updates of %d chats, %d deliveries (%d redelivered)", len(raw), chats, len(deliveries), h.metrics.UpdatesRedelivered.Load())
}
