package telegram_test

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/bot/telegramtest"
)

// memInbox is an Inbox in memory that records what was put and taken out.
type memInbox struct {
	mu      sync.Mutex
	entries map[int64][]byte
	puts    int
}

func (m *memInbox) Put(_ context.Context, u map[int64][]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.puts++
	maps.Copy(m.entries, u)
	return nil
}

func (m *memInbox) Done(_ context.Context, ids []int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range ids {
		delete(m.entries, id)
	}
	return nil
}

func (m *memInbox) Pending(context.Context) ([]int64, [][]byte, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := slices.Sorted(maps.Keys(m.entries))
	var data [][]byte
	for _, id := range ids {
		data = append(data, m.entries[id])
	}
	return ids, data, 0, nil
}

func (m *memInbox) state() (int, []int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.puts, slices.Sorted(maps.Keys(m.entries))
}

func startInboxPoller(t *testing.T, api *telegramtest.Server, inbox *memInbox, handle func(*models.Update)) {
	t.Helper()
	p := &telegram.Poller{
		Client: http.DefaultClient, BaseURL: api.URL(), Token: pollToken, Timeout: time.Second,
		Handle:    func(_ context.Context, u *models.Update) error { handle(u); return nil },
		Inbox:     inbox,
		ParkAfter: 100 * time.Millisecond,
		Log:       slog.New(slog.DiscardHandler),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// A batch handled quickly is confirmed without touching the inbox: the
// only Redis work of an update is its own save.
func TestQuickBatchNeedsNoInbox(t *testing.T) {
	api := telegramtest.New(t)
	inbox := &memInbox{entries: map[int64][]byte{}}
	var handled sync.Map
	startInboxPoller(t, api, inbox, func(u *models.Update) { handled.Store(u.ID, true) })
	for i := range 20 {
		id := api.SendText(int64(100+i%4), int64(100+i%4), "hoi", "nl")
		api.WaitConfirmed(t, id, 5*time.Second)
	}
	if puts, left := inbox.state(); puts != 0 || len(left) != 0 {
		t.Fatalf("inbox used %d times for quick batches (left %v)", puts, left)
	}
}

// A batch that runs long has its unfinished updates parked in the inbox,
// so it is confirmed and other chats go on; each is taken out once handled.
func TestSlowUpdateIsParkedSoOtherChatsGoOn(t *testing.T) {
	api := telegramtest.New(t)
	inbox := &memInbox{entries: map[int64][]byte{}}
	release := make(chan struct{})
	var mu sync.Mutex
	var order []int64
	startInboxPoller(t, api, inbox, func(u *models.Update) {
		if u.Message.Chat.ID == 1 {
			<-release
		}
		mu.Lock()
		order = append(order, u.Message.Chat.ID)
		mu.Unlock()
	})
	slow := api.SendText(1, 1, "traag", "nl")
	api.WaitConfirmed(t, slow, 5*time.Second) // parked, then confirmed
	if _, left := inbox.state(); !slices.Equal(left, []int64{slow}) {
		t.Fatalf("inbox holds %v, want the slow update %d", left, slow)
	}
	fast := api.SendText(2, 2, "snel", "nl")
	api.WaitConfirmed(t, fast, 5*time.Second)
	bottest.WaitFor(t, "the other chat's update", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(order, 2)
	})
	close(release)
	// Taken out of the inbox on a later poll, once handled.
	api.SendText(3, 3, "nog een", "nl")
	bottest.WaitFor(t, "the slow update to leave the inbox", func() bool {
		_, left := inbox.state()
		return len(left) == 0
	})
}
