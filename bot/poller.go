package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/go-telegram/bot/models"
)

// Poller is the project's own long-polling loop. Unlike the library's, it
// confirms updates to Telegram (by asking for the next offset) only after
// every update of a batch was handled and its effect saved, handles the
// updates of one chat strictly in order, and different chats in parallel.
type Poller struct {
	Client  *http.Client
	BaseURL string // e.g. https://api.telegram.org
	Token   string
	// Timeout is the long-poll wait Telegram may hold a request. Zero: 25 s.
	Timeout time.Duration
	Handle  func(ctx context.Context, upd *models.Update)
	Log     *slog.Logger
}

// errWebhookActive is Telegram's 409 on getUpdates while a webhook is set.
var errWebhookActive = errors.New("a webhook is set for this bot, so long polling can't run")

// Run polls until ctx ends. The batch in hand is finished first (its
// handlers run on their own context), so shutdown loses nothing.
func (p *Poller) Run(ctx context.Context) error {
	var offset int64
	backoff := time.Duration(0)
	for {
		if backoff > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		updates, err := p.getUpdates(ctx, offset)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, errWebhookActive) {
				p.Log.Error("getUpdates refused (409): a webhook is set for this bot. Either set INTAKEBOT_WEBHOOK_URL to run in webhook mode, or remove the webhook (Bot API deleteWebhook) and restart")
			} else {
				p.Log.Warn("getUpdates failed", "err", err)
			}
			backoff = min(max(backoff*2, 500*time.Millisecond), 30*time.Second)
			continue
		}
		backoff = 0
		if len(updates) == 0 {
			continue
		}
		p.handleBatch(context.WithoutCancel(ctx), updates)
		offset = updates[len(updates)-1].ID + 1
	}
}

// handleBatch runs each chat's updates in order in its own goroutine and
// returns when all are done.
func (p *Poller) handleBatch(ctx context.Context, updates []*models.Update) {
	lanes := map[int64][]*models.Update{}
	var order []int64
	for _, u := range updates {
		id := chatOf(u)
		if _, ok := lanes[id]; !ok {
			order = append(order, id)
		}
		lanes[id] = append(lanes[id], u)
	}
	var wg sync.WaitGroup
	for _, id := range order {
		wg.Go(func() {
			for _, u := range lanes[id] {
				p.Handle(ctx, u)
			}
		})
	}
	wg.Wait()
}

// chatOf is the lane of an update: its chat, or 0 for updates without one.
func chatOf(u *models.Update) int64 {
	switch {
	case u.Message != nil:
		return u.Message.Chat.ID
	case u.CallbackQuery != nil:
		if m := u.CallbackQuery.Message.Message; m != nil {
			return m.Chat.ID
		}
		if m := u.CallbackQuery.Message.InaccessibleMessage; m != nil {
			return m.Chat.ID
		}
		return u.CallbackQuery.From.ID
	case u.EditedMessage != nil:
		return u.EditedMessage.Chat.ID
	}
	return 0
}

type getUpdatesResponse struct {
	OK          bool             `json:"ok"`
	Result      []*models.Update `json:"result"`
	ErrorCode   int              `json:"error_code"`
	Description string           `json:"description"`
}

func (p *Poller) getUpdates(ctx context.Context, offset int64) ([]*models.Update, error) {
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 25 * time.Second
	}
	// Telegram counts the wait in whole seconds; a wait of 0 would answer
	// at once and the loop would spin.
	secs := max(1, int(math.Ceil(timeout.Seconds())))
	body, _ := json.Marshal(map[string]any{
		"offset": offset, "timeout": secs,
		"allowed_updates": []string{"message", "callback_query"},
	})
	ctx, cancel := context.WithTimeout(ctx, timeout+10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.BaseURL+"/bot"+p.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("can't make getUpdates request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.Client.Do(req)
	if err != nil {
		// The URL holds the token: never let it into a log line.
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap()
		}
		return nil, fmt.Errorf("can't call getUpdates: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("can't read getUpdates answer: %w", err)
	}
	var r getUpdatesResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("can't decode getUpdates answer (HTTP %d): %w", resp.StatusCode, err)
	}
	if !r.OK {
		if r.ErrorCode == http.StatusConflict {
			return nil, errWebhookActive
		}
		return nil, fmt.Errorf("getUpdates: %d %s", r.ErrorCode, r.Description)
	}
	return r.Result, nil
}
