package privacy

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/intakebot/intakebot/bot/chat"
)

// The /exit trail: the bot remembers which messages each private chat
// shows (its own and the person's), so that a quick exit can delete them.
// Recording must not slow down a reply: entries go into a channel, and one
// goroutine writes them to the TrailStore in batches.

// TrailStore keeps the trail of each chat (storage.Trail): entries are
// opaque strings, oldest first.
type TrailStore interface {
	// Push appends entries to the trail of each session key.
	Push(ctx context.Context, entries map[string][]string) error
	// Take returns a trail and removes it.
	Take(ctx context.Context, key string) ([]string, error)
}

// shownKind says who sent a message of the trail and what it is.
type shownKind byte

const (
	shownText shownKind = 'm' // a text message of the bot
	shownDoc  shownKind = 'd' // a file of the bot
	shownOwn  shownKind = 'u' // the person's own message
)

// shown is one entry of the trail: "<message ID>:<unix seconds>" for a
// text of the bot, with ":d" for a file and ":u" for the person's own
// message. No text, ever.
type shown struct {
	id   int
	at   time.Time
	kind shownKind
}

func (s shown) String() string {
	e := strconv.Itoa(s.id) + ":" + strconv.FormatInt(s.at.Unix(), 10)
	if s.kind != shownText {
		e += ":" + string(rune(s.kind))
	}
	return e
}

// parseShown reads an entry of the trail; false for anything else.
func parseShown(e string) (shown, bool) {
	parts := strings.Split(e, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return shown{}, false
	}
	id, err := strconv.Atoi(parts[0])
	if err != nil || id <= 0 || parts[0][0] == '+' {
		return shown{}, false
	}
	at, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || at < 0 || parts[1][0] == '+' {
		return shown{}, false
	}
	s := shown{id: id, at: time.Unix(at, 0), kind: shownText}
	if len(parts) == 3 {
		switch k := parts[2]; k {
		case "d", "u":
			s.kind = shownKind(k[0])
		default:
			return shown{}, false
		}
	}
	return s, true
}

// Batching of the recorder: a batch goes out every recorderEvery, or at
// once when it holds recorderBatch entries. recorderBuffer entries may
// wait; beyond that an entry is dropped (Redis is down) and logged.
const (
	recorderEvery  = 50 * time.Millisecond
	recorderBatch  = 100
	recorderBuffer = 8192
	recorderPush   = 5 * time.Second // bounds one batch's write
)

// recorder writes trail entries in the background.
type recorder struct {
	store   TrailStore
	log     *slog.Logger
	in      chan recItem
	stop    chan struct{}
	done    chan struct{}
	started sync.Once // the goroutine starts with the first use
	once    sync.Once
	dropped atomic.Int64

	// life ends when the recorder closes. Work that puts entries back
	// (the edits of a quick exit, exit.go) runs within it, counted in
	// workers: close stops it and lets it put back what it did not do
	// before the last batch is written.
	life    context.Context
	end     context.CancelFunc
	workers sync.WaitGroup
	// closing is set, under mu, before close waits for the workers: work
	// that starts later (startWork) is not counted and does not run.
	mu      sync.Mutex
	closing bool
}

// recItem is an entry, or (flush not nil) a request to write everything
// before it.
type recItem struct {
	key, entry string
	flush      chan error
}

func newRecorder(store TrailStore, log *slog.Logger) *recorder {
	r := &recorder{store: store, log: log, in: make(chan recItem, recorderBuffer),
		stop: make(chan struct{}), done: make(chan struct{})}
	r.life, r.end = context.WithCancel(context.Background())
	return r
}

// start starts the goroutine that writes, once: a recorder nobody uses
// (a bot that never handled an update) runs none.
func (r *recorder) start() { r.started.Do(func() { go r.run() }) }

// record queues an entry without waiting.
func (r *recorder) record(key string, s shown) {
	r.start()
	select {
	case r.in <- recItem{key: key, entry: s.String()}:
	default:
		if r.dropped.Add(1)%100 == 1 {
			r.log.Warn("the /exit trail is behind: messages are not recorded", "dropped", r.dropped.Load())
		}
	}
}

// flush waits until everything recorded before the call is written.
func (r *recorder) flush(ctx context.Context) error {
	r.start()
	reply := make(chan error, 1)
	select {
	case r.in <- recItem{flush: reply}:
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-r.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// startWork counts a worker, unless the recorder is closing: then it
// reports false and the work must not start (nor rely on record, whose
// entries would no longer be written).
func (r *recorder) startWork() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return false
	}
	r.workers.Add(1)
	return true
}

// putBack writes entries to the trail of key at once, without the queue:
// for work that could not run because the recorder is closing.
func (r *recorder) putBack(key string, entries []shown) error {
	if len(entries) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), recorderPush)
	defer cancel()
	batch := make([]string, len(entries))
	for i, s := range entries {
		batch[i] = s.String()
	}
	return r.store.Push(ctx, map[string][]string{key: batch})
}

// close stops the work within the recorder's life, writes what is queued
// and stops the recorder.
func (r *recorder) close() {
	r.start()
	r.once.Do(func() {
		r.mu.Lock()
		r.closing = true
		r.mu.Unlock()
		r.end()
		r.workers.Wait()
		close(r.stop)
	})
	<-r.done
}

func (r *recorder) run() {
	defer close(r.done)
	batch := map[string][]string{}
	n := 0
	write := func() error {
		if n == 0 {
			return nil
		}
		ctx, cancel := context.WithTimeout(context.Background(), recorderPush)
		defer cancel()
		err := r.store.Push(ctx, batch)
		if err != nil {
			r.log.Warn("can't record the /exit trail", "entries", n, "err", err)
		}
		batch, n = map[string][]string{}, 0
		return err
	}
	t := time.NewTicker(recorderEvery)
	defer t.Stop()
	take := func(it recItem) {
		if it.flush != nil {
			it.flush <- write()
			return
		}
		batch[it.key] = append(batch[it.key], it.entry)
		if n++; n >= recorderBatch {
			_ = write()
		}
	}
	for {
		select {
		case it := <-r.in:
			take(it)
		case <-t.C:
			_ = write()
		case <-r.stop:
			for {
				select {
				case it := <-r.in:
					take(it)
				default:
					_ = write()
					return
				}
			}
		}
	}
}

// recordShown adds a message to the trail of a chat.
func (p *Privacy) recordShown(chatID int64, msgID int, kind shownKind) {
	if msgID == 0 {
		return
	}
	p.trail.record(chat.SessionKey(chatID), shown{id: msgID, at: p.o.Now(), kind: kind})
}

// FlushTrail waits until every message recorded so far is in the
// TrailStore (tests, and /exit before it reads the trail).
func (p *Privacy) FlushTrail(ctx context.Context) error { return p.trail.flush(ctx) }

// Close writes what the /exit trail still holds and stops its recorder.
// The room must not handle updates afterwards.
func (p *Privacy) Close() { p.trail.close() }
