package telegramtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// queuedUpdate is an update waiting for confirmation.
type queuedUpdate struct {
	id  int64
	raw json.RawMessage
}

const (
	conflictWebhook    = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
	conflictTerminated = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)

// PushUpdate queues an update for getUpdates and returns its update_id.
// u may be a models.Update or *models.Update, or a JSON object as
// json.RawMessage, []byte or string (anything else is marshalled to JSON).
// A zero or missing update_id gets the next id (ids start at 1); an
// explicit one is kept and later ids continue after it. Input that is not a
// JSON object is a bug in the test and panics.
func (s *Server) PushUpdate(u any) int64 {
	var (
		raw []byte
		err error
	)
	switch v := u.(type) {
	case json.RawMessage:
		raw = v
	case []byte:
		raw = v
	case string:
		raw = []byte(v)
	case models.Update:
		raw, err = json.Marshal(&v)
	default:
		raw, err = json.Marshal(v)
	}
	var fields map[string]json.RawMessage
	if err == nil {
		err = json.Unmarshal(raw, &fields)
	}
	if err != nil || fields == nil {
		panic(fmt.Sprintf("telegramtest: PushUpdate: not a JSON object: %v", err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pushLocked(fields)
}

// pushLocked queues an update given as its top-level fields.
func (s *state) pushLocked(fields map[string]json.RawMessage) int64 {
	var id int64
	if raw, ok := fields["update_id"]; ok {
		_ = json.Unmarshal(raw, &id)
	}
	if id <= 0 {
		id = s.nextUpdate
	}
	s.nextUpdate = max(s.nextUpdate, id+1)
	fields["update_id"] = json.RawMessage(itoa(id))
	raw, _ := json.Marshal(fields)
	s.queueLocked(id, raw)
	return id
}

// queueLocked inserts an update in id order (at the end, nearly always).
func (s *state) queueLocked(id int64, raw []byte) {
	i := sort.Search(len(s.updates), func(i int) bool { return s.updates[i].id > id })
	s.updates = slices.Insert(s.updates, i, queuedUpdate{id: id, raw: raw})
	s.wakeLocked()
	s.touchLocked()
}

// pushFieldLocked queues an update with one field holding v and the next
// update_id. It writes the JSON pushLocked would write (keys in order),
// without decoding and encoding it again.
func (s *state) pushFieldLocked(field string, v any) int64 {
	raw, err := json.Marshal(v)
	if err != nil {
		panic("telegramtest: " + err.Error())
	}
	id := s.nextUpdate
	s.nextUpdate++
	idField := `"update_id":` + itoa(id)
	var b bytes.Buffer
	b.Grow(len(raw) + len(field) + len(idField) + 8)
	b.WriteByte('{')
	if field > "update_id" {
		b.WriteString(idField + ",")
	}
	b.WriteString(`"` + field + `":`)
	b.Write(raw)
	if field < "update_id" {
		b.WriteString("," + idField)
	}
	b.WriteByte('}')
	s.queueLocked(id, b.Bytes())
	return id
}

// ConfirmedOffset returns the highest offset the bot has passed to
// getUpdates: every update with a smaller id is confirmed and gone, as in
// Telegram. It is 0 before the first getUpdates with an offset.
func (s *Server) ConfirmedOffset() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.confirmed
}

// WaitConfirmed waits until the bot has confirmed update updateID, that
// is until a getUpdates arrived with an offset above it. Bots that confirm
// only after handling an update (the project's own loop) have then finished
// it. On timeout it fails the test, so call it from the test goroutine.
func (s *Server) WaitConfirmed(tb testing.TB, updateID int64, timeout time.Duration) {
	tb.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		confirmed, ch := s.confirmed, s.changed
		s.mu.Unlock()
		if confirmed > updateID {
			return
		}
		select {
		case <-ch:
		case <-timer.C:
			tb.Fatalf("telegramtest: update %d not confirmed within %v (confirmed offset %d)", updateID, timeout, confirmed)
			return
		}
	}
}

// Pending returns how many queued updates are not confirmed yet.
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// confirmLocked applies a getUpdates offset: a positive offset confirms the
// updates below it, a negative one keeps only the last -offset updates.
func (s *state) confirmLocked(offset int64) {
	switch {
	case offset > 0:
		i := sort.Search(len(s.updates), func(i int) bool { return s.updates[i].id >= offset })
		clear(s.updates[:i]) // let the confirmed updates go
		s.updates = s.updates[i:]
		if offset > s.confirmed {
			s.confirmed = offset
			s.touchLocked()
		}
	case offset < 0:
		if keep := int(-offset); len(s.updates) > keep {
			clear(s.updates[:len(s.updates)-keep])
			s.updates = s.updates[len(s.updates)-keep:]
		}
		first := s.nextUpdate
		if len(s.updates) > 0 {
			first = s.updates[0].id
		}
		if first > s.confirmed {
			s.confirmed = first
			s.touchLocked()
		}
	}
}

// confirmOffsetLocked applies the offset of a getUpdates request that will
// be handled (no webhook, a valid offset).
func (s *state) confirmOffsetLocked(params map[string]string) {
	if offset, ok, err := intParam(params, "offset"); err == nil && ok && !s.hooked {
		if _, _, err := intParam(params, "limit"); err != nil {
			return
		}
		if _, _, err := intParam(params, "timeout"); err != nil {
			return
		}
		s.confirmLocked(offset)
	}
}

// pendingLocked returns the first limit queued updates as a JSON array,
// written directly from their stored JSON, and how many it holds.
func (s *state) pendingLocked(limit int) ([]byte, int) {
	ups := s.updates[:min(limit, len(s.updates))]
	size := 2
	for _, u := range ups {
		size += len(u.raw) + 1
	}
	out := make([]byte, 0, size)
	out = append(out, '[')
	for i, u := range ups {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, u.raw...)
	}
	return append(out, ']'), len(ups)
}

// getUpdates answers at once when updates are queued or timeout is 0, and
// otherwise waits until one is pushed, the timeout passes, the request ends
// or the server closes. A newer getUpdates terminates a waiting one with
// 409 Conflict, as Telegram does when two bot instances poll. It runs
// without mu held.
func (a *botAPI) getUpdates(r *request) response {
	offset, _, err1 := intParam(r.params, "offset")
	limit, _, err2 := intParam(r.params, "limit")
	timeout, _, err3 := intParam(r.params, "timeout")
	if err := errors.Join(err1, err2, err3); err != nil {
		return badRequest(err.Error())
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	if a.hooked {
		return failure(http.StatusConflict, conflictWebhook)
	}
	a.confirmLocked(offset)
	kill := r.kill
	if kill == nil { // not through ServeHTTP
		kill = make(chan struct{})
	}
	defer func() { // runs before the deferred Unlock
		if a.poll == kill {
			a.poll = nil
		}
	}()
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout) * time.Second)
		defer t.Stop()
		deadline = t.C
	}
	for {
		if a.hooked {
			return failure(http.StatusConflict, conflictWebhook)
		}
		select {
		case <-kill:
			return failure(http.StatusConflict, conflictTerminated)
		default:
		}
		if ups, n := a.pendingLocked(int(limit)); n > 0 || deadline == nil {
			return response{status: http.StatusOK, raw: ups}
		}
		changed := a.arrived
		terminated := false
		a.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			deadline = nil
		case <-r.ctx.Done():
			deadline = nil
		case <-a.done:
			deadline = nil
		case <-kill:
			terminated = true
		}
		a.mu.Lock()
		if terminated {
			return failure(http.StatusConflict, conflictTerminated)
		}
	}
}
