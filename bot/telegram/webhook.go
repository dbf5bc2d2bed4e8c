package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-telegram/bot/models"
)

// MaxWebhookBody caps an update's size. Telegram's updates are a few KB;
// anything far larger is not Telegram.
const MaxWebhookBody = 1 << 20

// Webhook receives updates that Telegram POSTs. Unlike the library's
// handler it checks the secret in constant time and answers 401 when it is
// wrong or missing, and it answers 200 only after the update was handled
// and its effect saved: any other answer makes Telegram deliver the
// update again, so nothing is lost when the store is down or the process
// dies halfway.
type Webhook struct {
	Secret string
	Handle func(ctx context.Context, upd *models.Update) error
	// Lanes keep one chat's updates one at a time in this process; across
	// replicas the store's compare-and-set keeps them from overwriting
	// each other.
	Lanes *Lanes
	// Order, when not nil, applies one chat's updates in update_id order
	// across replicas (delivery.Order does).
	Order Sequencer
	// Front, when set, gives the update its first aid (the crisis lines
	// from memory) as it arrives, before it waits for its chat's lane.
	Front Front
	Log   *slog.Logger
	// Timeout bounds the wait for a busy chat plus the handling. Zero: 25 s
	// (Telegram gives up on a webhook call after about 60 s).
	Timeout time.Duration
}

// Sequencer runs apply for update id of chat in the chat's order.
type Sequencer interface {
	Do(ctx context.Context, chat, id int64, apply func() error) error
}

func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		rw.Header().Set("Allow", http.MethodPost)
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if w.Secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(w.Secret)) != 1 {
		http.Error(rw, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, MaxWebhookBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(rw, "update too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(rw, "can't read update", http.StatusBadRequest)
		return
	}
	var upd models.Update
	if err := json.Unmarshal(body, &upd); err != nil || upd.ID == 0 {
		// A malformed update would fail again: say so, Telegram drops it.
		http.Error(rw, "not an update", http.StatusBadRequest)
		return
	}
	if w.Front != nil {
		w.Front.FirstAid(r.Context(), &upd, false)
	}
	timeout := w.Timeout
	if timeout == 0 {
		timeout = 25 * time.Second
	}
	// The handling outlives the request: if Telegram hangs up, the update
	// is still finished (and redelivered, which the session recognises).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), timeout)
	defer cancel()
	apply := func() error {
		var handleErr error
		if err := w.Lanes.Do(ctx, chatOf(&upd), func() { handleErr = w.Handle(ctx, &upd) }); err != nil {
			return err
		}
		return handleErr
	}
	var handleErr error
	if w.Order != nil {
		handleErr = w.Order.Do(ctx, chatOf(&upd), upd.ID, apply)
	} else {
		handleErr = apply()
	}
	if handleErr != nil {
		w.Log.Warn("update not handled, Telegram will deliver it again", "update", upd.ID, "err", handleErr)
		http.Error(rw, "try again", http.StatusServiceUnavailable)
		return
	}
	rw.WriteHeader(http.StatusOK)
}
