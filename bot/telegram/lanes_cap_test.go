package telegram_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/bottest"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/bot/telegramtest"
)

// front records what the poller asks of the edge.
type front struct {
	mu      sync.Mutex
	aid     map[int64]bool // update -> waiting
	crowded []string
}

func (f *front) FirstAid(_ context.Context, u *models.Update, waiting bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.aid[u.ID] = waiting
	return u.Message != nil && strings.Contains(u.Message.Text, "dood")
}

func (f *front) Crowded(_ context.Context, u *models.Update, dropped, notice bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.crowded = append(f.crowded, fmt.Sprintf("%d dropped=%v notice=%v", u.ID, dropped, notice))
}

// Beyond its cap a chat's texts are merged, each on a line of its own,
// into its last queued message (never lost, never the running one);
// commands are queued up to twice the cap, /urgent always; a press beyond
// the cap is dropped. Every update gets its first aid check before it is
// queued, and the chat hears once per kind.
func TestAChatBeyondItsCapIsMergedNotLost(t *testing.T) {
	api := telegramtest.New(t)
	f := &front{aid: map[int64]bool{}}
	release := make(chan struct{})
	var mu sync.Mutex
	var handled []string
	p := &telegram.Poller{
		Client: http.DefaultClient, BaseURL: api.URL(), Token: pollToken, Timeout: 0, MaxPerChat: 3, Front: f,
		Log: slog.New(slog.NewTextHandler(&bottest.Log{}, nil)),
		Handle: func(_ context.Context, u *models.Update) error {
			<-release
			mu.Lock()
			defer mu.Unlock()
			if u.Message != nil {
				handled = append(handled, u.Message.Text)
			} else {
				handled = append(handled, "press")
			}
			return nil
		},
	}
	const chat = 77
	var ids []int64
	for _, text := range []string{"een", "twee", "drie", "vier", "vijf", "ik wil dood", "zes", "/start", "/back", "/pause", "/urgent"} {
		ids = append(ids, api.SendText(chat, chat, text, "nl"))
	}
	press, _ := api.PressButtonQuery(chat, chat, 1, "x")
	ids = append(ids, press)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	bottest.WaitFor(t, "every update seen", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.aid) == len(ids)
	})
	close(release)
	api.WaitConfirmed(t, ids[len(ids)-1], 10*time.Second)
	mu.Lock()
	got := strings.Join(handled, "|")
	mu.Unlock()
	// een runs; twee, drie queued (3 in all); vier and vijf joined to drie;
	// the crisis words (first aid) queued on their own, zes joined to
	// them; /start, /back queued (up to 6); /pause dropped; /urgent
	// queued beyond it all; the press dropped.
	if want := "een|twee|drie\nvier\nvijf|ik wil dood\nzes|/start|/back|/urgent"; got != want {
		t.Fatalf("handled %q, want %q", got, want)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.aid[ids[0]] || !f.aid[ids[1]] {
		t.Errorf("waiting flags %v: the first update waits for nothing, the second does", f.aid)
	}
	want := []string{
		fmt.Sprintf("%d dropped=false notice=true", ids[3]), fmt.Sprintf("%d dropped=false notice=false", ids[4]),
		fmt.Sprintf("%d dropped=false notice=false", ids[6]),
		fmt.Sprintf("%d dropped=true notice=true", ids[9]), fmt.Sprintf("%d dropped=true notice=false", press),
	}
	if strings.Join(f.crowded, ",") != strings.Join(want, ",") {
		t.Errorf("crowded %v, want %v", f.crowded, want)
	}
}
