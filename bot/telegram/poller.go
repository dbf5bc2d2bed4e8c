package telegram

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
	"time"

	"github.com/go-telegram/bot/models"
)

// Inbox keeps fetched updates durable until they are handled
// (storage.Inbox implements it).
type Inbox interface {
	Put(ctx context.Context, updates map[int64][]byte) error
	Done(ctx context.Context, ids []int64) error
	Pending(ctx context.Context) (ids []int64, updates [][]byte, dropped int, err error)
}

// Poller is the project's own long-polling loop. The library's confirms
// updates before handling them; this one confirms an update to Telegram
// (by asking for the next offset) only once it is safe: with an Inbox,
// as soon as the batch is stored in Redis; without one, after every update
// of the batch was handled and its effect saved. The updates of one chat
// are handled strictly in order, one at a time; different chats in
// parallel, so one slow chat holds up nobody else.
type Poller struct {
	Client  *http.Client
	BaseURL string // e.g. https://api.telegram.org
	Token   string
	// Timeout is the long-poll wait Telegram may hold a request. Zero: 25 s.
	Timeout time.Duration
	// Handle applies an update; an error means "not applied, try again"
	// (the store is down): the update is retried in order, after a pause.
	Handle func(ctx context.Context, upd *models.Update) error
	// Inbox, when set, parks the updates of a batch that runs long, so that
	// other chats are not held up; ParkAfter is how long (zero: 500 ms).
	Inbox     Inbox
	ParkAfter time.Duration
	// Fallback parks them when there is no Inbox or it fails (Redis
	// down): a file on local disk (storage/spool.Inbox).
	Fallback Inbox
	Log      *slog.Logger
	// MaxInFlight bounds the updates queued and not handled, over all
	// chats. Zero: 2000.
	MaxInFlight int
	// MaxPerChat caps one chat's queue (fair lanes, dispatch.go's admit).
	// Zero: DefaultMaxPerChat.
	MaxPerChat int
	// Front, when set, gives each update its first aid as it is fetched
	// and tells a chat beyond its cap (the Edge).
	Front Front

	d *dispatcher
}

// DefaultMaxPerChat: far above what a person types while the bot
// answers, well below a forwarded batch or a script.
const DefaultMaxPerChat = 50

// Front is what the poller asks of the edge before an update is queued.
type Front interface {
	// FirstAid shows the crisis lines at once if upd needs them (true);
	// waiting: the chat's earlier updates are still queued.
	FirstAid(ctx context.Context, upd *models.Update, waiting bool) bool
	// Crowded is told of an update beyond its chat's cap, merged or
	// dropped; notice: tell the chat (once per burst).
	Crowded(ctx context.Context, upd *models.Update, dropped, notice bool)
}

// errWebhookActive is Telegram's 409 on getUpdates while a webhook is set.
var errWebhookActive = errors.New("a webhook is set for this bot, so long polling can't run")

// Run polls until ctx ends, then lets the updates in hand finish; those
// not started stay in the inbox for the next start. Run returns when every
// handler has returned.
func (p *Poller) Run(ctx context.Context) error {
	if p.Log == nil {
		p.Log = slog.New(slog.DiscardHandler)
	}
	perChat := p.MaxPerChat
	if perChat <= 0 {
		perChat = DefaultMaxPerChat
	}
	p.d = newDispatcher(context.WithoutCancel(ctx), ctx, p.Handle, p.Front, perChat, p.Log)
	defer func() {
		p.d.stop()
		p.flushDone(context.Background())
	}()
	for _, in := range []Inbox{p.Fallback, p.Inbox} {
		if in != nil && p.replayInbox(ctx, in) != nil {
			return nil // ctx ended before the store answered
		}
	}
	// unsettled: fetched, not confirmed yet. Asking from offset again
	// confirms nothing and brings what came after them: a slow chat or a
	// store that is down never keeps other chats' updates from us.
	var offset int64
	var unsettled []*models.Update
	backoff := time.Duration(0)
	for {
		if backoff > 0 && sleep(ctx, backoff) != nil {
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		p.flushDone(ctx)
		if !p.d.waitBelow(ctx, p.maxInFlight()) {
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
			backoff = nextBackoff(backoff)
			continue
		}
		backoff = 0
		var seen int64
		if len(unsettled) > 0 {
			seen = unsettled[len(unsettled)-1].ID
		}
		for _, u := range updates {
			if u.ID > seen {
				unsettled = append(unsettled, u)
				p.d.enqueue(u)
			}
		}
		if len(unsettled) == 0 {
			continue
		}
		settled, ok := p.settle(ctx, unsettled)
		if !ok {
			return nil // stopped: what is not handled is not confirmed
		}
		if settled {
			offset = unsettled[len(unsettled)-1].ID + 1
			unsettled = nil
		}
	}
}

// settle reports whether confirming updates is safe: every one handled,
// or, after ParkAfter, the ones still running stored in an inbox (a quick
// batch, the usual case, costs no Redis round trip). When not, the poller
// fetches what came since without confirming. ok is false when ctx ended.
func (p *Poller) settle(ctx context.Context, updates []*models.Update) (settled, ok bool) {
	ids, start := make([]int64, len(updates)), time.Now()
	for i, u := range updates {
		ids[i] = u.ID
	}
	if p.d.waitDone(ctx, ids, p.parkAfter()) {
		return true, true
	}
	if ctx.Err() != nil {
		return false, false
	}
	running := p.d.unfinished(ids)
	var park []*models.Update
	for _, u := range updates {
		if running[u.ID] {
			park = append(park, u)
		}
	}
	if p.Inbox != nil || p.Fallback != nil {
		err := p.store(ctx, park)
		if err == nil {
			p.d.parked(park)
			return true, true
		}
		p.Log.Warn("can't park updates in the inbox; they stay unconfirmed", "count", len(park), "err", err)
	}
	// Not settled: fetch what came since, after a pause (no spinning).
	return false, sleep(ctx, p.parkAfter()-time.Since(start)) == nil
}

// parkAfter is how long a batch may run before its unfinished updates are
// parked in the inbox, so that other chats' new updates are fetched.
func (p *Poller) parkAfter() time.Duration {
	if p.ParkAfter > 0 {
		return p.ParkAfter
	}
	return 500 * time.Millisecond
}

func (p *Poller) maxInFlight() int {
	if p.MaxInFlight > 0 {
		return p.MaxInFlight
	}
	return 2000
}

// store puts updates in the inbox; it is the durable copy that lets the
// next getUpdates confirm them before they are handled.
func (p *Poller) store(ctx context.Context, updates []*models.Update) error {
	batch := make(map[int64][]byte, len(updates))
	for _, u := range updates {
		data, err := json.Marshal(u)
		if err != nil {
			return fmt.Errorf("can't encode update: %w", err)
		}
		batch[u.ID] = data
	}
	var err error
	if p.Inbox != nil {
		if err = p.Inbox.Put(ctx, batch); err == nil {
			return nil
		}
	}
	if p.Fallback == nil {
		return err
	}
	if ferr := p.Fallback.Put(ctx, batch); ferr != nil {
		return errors.Join(err, ferr)
	}
	if err != nil {
		p.Log.Warn("updates parked on local disk: the inbox does not answer", "count", len(batch), "err", err)
	}
	return nil
}

// replayInbox handles what an earlier run fetched but did not finish.
func (p *Poller) replayInbox(ctx context.Context, inbox Inbox) error {
	backoff := time.Duration(0)
	for {
		ids, raw, dropped, err := inbox.Pending(ctx)
		if err == nil {
			if dropped > 0 {
				p.Log.Warn("inbox entries that do not open were dropped", "count", dropped)
			}
			if len(ids) > 0 {
				p.Log.Info("handling updates left from the last run", "count", len(ids))
			}
			var parked []*models.Update
			for i, data := range raw {
				var u models.Update
				if json.Unmarshal(data, &u) != nil {
					p.d.dropParked(ids[i])
					continue
				}
				parked = append(parked, &u)
			}
			for _, u := range parked {
				p.d.enqueue(u)
			}
			p.d.parked(parked)
			return nil
		}
		p.Log.Warn("can't read the inbox yet", "err", err)
		backoff = nextBackoff(backoff)
		if sleep(ctx, backoff) != nil {
			return err
		}
	}
}

// flushDone takes handled updates out of the inbox: one round trip for
// all that finished since the last poll.
func (p *Poller) flushDone(ctx context.Context) {
	ids := p.d.takeDone()
	if len(ids) == 0 {
		return
	}
	if p.Fallback != nil {
		if err := p.Fallback.Done(context.WithoutCancel(ctx), ids); err != nil {
			p.Log.Warn("can't clear handled updates from the inbox on disk", "err", err)
		}
	}
	if p.Inbox == nil {
		return
	}
	if err := p.Inbox.Done(context.WithoutCancel(ctx), ids); err != nil {
		// Harmless: a handled update handled again changes nothing.
		p.Log.Warn("can't clear handled updates from the inbox", "err", err)
		p.d.requeueDone(ids)
	}
}

func nextBackoff(d time.Duration) time.Duration {
	return min(max(d*2, 500*time.Millisecond), 30*time.Second)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
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
