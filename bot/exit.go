package bot

import (
	"cmp"
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"time"

	"github.com/intakebot/intakebot/bot/chat"

	"github.com/intakebot/intakebot/dialog"
)

// The young person's own privacy commands, handled before anything else
// in a private chat, for anyone and in every state:
//
//	/exit    quick exit: the chat is cleared as far as Telegram allows
//	/mydata  everything the bot stores about them, as a text file
//	/delete  erase everything, after a confirmation
//
// The session is never touched by /exit: /start carries on where they were.

// Defaults of the retention the bot enforces or tells about.
const (
	DefaultAcknowledgedTTL = 30 * 24 * time.Hour
	DefaultIdleTTL         = 90 * 24 * time.Hour
)

// exitDeleteWindow is how old a message may be for /exit to delete it:
// Telegram allows 48 hours, measured from the message's date, which is a
// little before the bot recorded it; an hour's margin keeps a message from
// being skipped silently (deleteMessages ignores what it can't delete).
// Older messages of the bot are edited instead.
const exitDeleteWindow = 47 * time.Hour

// maxDeleteBatch is Telegram's limit of message IDs per deleteMessages.
const maxDeleteBatch = 100

// withPrivacy fills in the privacy options and starts the trail recorder.
func (b *Bot) withPrivacy() {
	if b.o.AcknowledgedTTL <= 0 {
		b.o.AcknowledgedTTL = DefaultAcknowledgedTTL
	}
	if b.o.IdleTTL <= 0 {
		b.o.IdleTTL = DefaultIdleTTL
	}
	if b.o.Trail == nil {
		return
	}
	b.trail = newRecorder(b.o.Trail, b.o.Log)
	prev := b.out.S.OnSent
	b.out.S.OnSent = func(chat int64, msgID int, document bool) {
		if prev != nil {
			prev(chat, msgID, document)
		}
		kind := shownText
		if document {
			kind = shownDoc
		}
		b.recordShown(chat, msgID, kind)
	}
}

// youngLang is the language to speak to the person of a chat in: their
// session's, else the one Telegram reports. A store that fails gives the
// latter: these commands must work when little else does.
func (b *Bot) youngLang(ctx context.Context, in chat.Request) string {
	if s, found, err := b.o.Store.Load(ctx, chat.SessionKey(in.Chat)); err == nil && found && s.Lang != "" {
		return s.Lang
	}
	return b.o.Engine.MatchLanguage(in.Event.Lang)
}

// quickExit deletes what the chat shows, as far as Telegram allows, and
// leaves one neutral line. Messages younger than exitDeleteWindow go (the
// person's own too), in a few calls; then the neutral line. Older messages
// of the bot lose their keyboard and get a neutral text in the background
// (clearOld): the chat is paced at about a message a second, and the line
// must not wait for them. Older files and the person's older messages
// can't be touched by a bot.
func (b *Bot) quickExit(ctx context.Context, in chat.Request) error {
	log := b.o.Log.With("chat", b.pseudo.Of(in.Chat))
	var entries []string
	if b.trail != nil {
		if err := b.trail.flush(ctx); err != nil {
			log.Warn("can't write the /exit trail before reading it", "err", err)
		}
		var err error
		if entries, err = b.o.Trail.Take(ctx, chat.SessionKey(in.Chat)); err != nil {
			return err
		}
	}
	lang := b.youngLang(ctx, in)
	var msgs []shown
	for _, e := range entries {
		if s, ok := parseShown(e); ok {
			msgs = append(msgs, s)
		}
	}
	if in.Message != 0 {
		msgs = append(msgs, shown{id: in.Message, at: b.o.Now(), kind: shownOwn})
	}
	now := b.o.Now()
	seen := map[int]bool{}
	var del []int
	var old []shown
	for _, s := range msgs {
		if seen[s.id] {
			continue
		}
		seen[s.id] = true
		switch {
		case now.Sub(s.at) < exitDeleteWindow:
			del = append(del, s.id)
		case s.kind == shownText:
			old = append(old, s)
		}
	}
	slices.Sort(del)
	deleted := 0
	for batch := range slices.Chunk(del, maxDeleteBatch) {
		if err := b.out.Delete(ctx, in.Chat, batch); err != nil {
			log.Warn("can't delete messages; clearing the bot's instead", "count", len(batch), "err", err)
			for _, s := range msgs {
				if s.kind == shownText && slices.Contains(batch, s.id) {
					old = append(old, s)
				}
			}
			continue
		}
		deleted += len(batch)
	}
	b.out.Say(ctx, in.Chat, lang, nil, dialog.T("exit.bye"))
	log.Info("quick exit", "deleted", deleted, "old", len(old))
	if len(old) == 0 && !b.hasIntake(ctx, in) {
		// Nothing is kept about someone without an intake, not even the
		// goodbye line.
		b.dropTrail(ctx, in.Chat)
		return nil
	}
	b.clearOld(in.Chat, lang, old)
	return nil
}

// hasIntake reports whether anything is stored for the sender of in: a
// session or a case. An error counts as yes (keeping a trail is the safe side).
func (b *Bot) hasIntake(ctx context.Context, in chat.Request) bool {
	st, err := b.storedFor(ctx, in)
	return err != nil || !st.nothing()
}

// Clearing old messages: the newest exitEditMax of them per /exit (what is
// on screen first; further back nobody scrolls on a phone), within
// exitEditTimeout. What is left goes back into the trail, so that the
// next /exit carries on.
const (
	exitEditMax     = 50
	exitEditTimeout = 2 * time.Minute
)

// clearOld edits old messages of the bot in chat to a neutral text without
// keyboard, newest first, in the background. The work is tracked for the
// session (an erasure stops it, and nothing is put back then) and in the
// recorder's workers (closing the Bot stops it after putting back what is
// left) and the handoffs (WaitHandoffs waits for it).
func (b *Bot) clearOld(chatID int64, lang string, old []shown) {
	if len(old) == 0 || b.trail == nil {
		return
	}
	slices.SortFunc(old, func(x, y shown) int { return cmp.Compare(y.id, x.id) })
	todo, rest := old, []shown(nil)
	if len(todo) > exitEditMax {
		todo, rest = old[:exitEditMax], old[exitEditMax:]
	}
	r, key := b.trail, chat.SessionKey(chatID)
	if !r.startWork() {
		// The Bot is closing: the messages go back into the trail, for
		// the next /exit.
		if err := r.putBack(key, old); err != nil {
			b.o.Log.Warn("quick exit: can't put old messages back while stopping", "chatID", b.pseudo.Of(chatID), "err", err)
		}
		return
	}
	base, cancel := context.WithTimeout(r.life, exitEditTimeout)
	ctx, finish := b.work.Track(base, key)
	b.work.Go(func() {
		defer r.workers.Done()
		defer cancel()
		defer finish()
		log := b.o.Log.With("chatID", b.pseudo.Of(chatID))
		defer func() {
			if p := recover(); p != nil {
				b.o.Metrics.Panics.Add(1)
				log.Error("panic while clearing old messages", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
		}()
		neutral := b.o.Renderer.Join(lang, "", dialog.T("exit.removed"))
		done := 0
		for _, s := range todo {
			if ctx.Err() != nil {
				break
			}
			if !b.out.S.Edit(ctx, chatID, s.id, neutral, nil) {
				_ = b.out.ClearKeyboard(ctx, chatID, s.id)
			}
			if ctx.Err() != nil { // cut short: try it again next time
				break
			}
			done++
		}
		if ctx.Err() != nil && base.Err() == nil {
			// Settled: the person's data is being erased; the trail too.
			log.Info("quick exit: clearing stopped for an erasure", "cleared", done)
			return
		}
		left := slices.Concat(todo[done:], rest)
		for _, s := range left {
			r.record(key, s)
		}
		log.Info("quick exit: old messages cleared", "cleared", done, "left", len(left))
	})
}
