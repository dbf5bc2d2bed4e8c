package privacy

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

// The quick exit (/exit). The session is never touched by it: /start
// carries on where they were.

// exitDeleteWindow is how old a message may be for /exit to delete it:
// Telegram allows 48 hours, measured from the message's date, which is a
// little before the bot recorded it; an hour's margin keeps a message from
// being skipped silently (deleteMessages ignores what it can't delete).
// Older messages of the bot are edited instead.
const exitDeleteWindow = 47 * time.Hour

// maxDeleteBatch is Telegram's limit of message IDs per deleteMessages.
const maxDeleteBatch = 100

// QuickExit is /exit: it deletes what the chat shows, as far as Telegram
// allows, and leaves one neutral line. Messages younger than exitDeleteWindow go (the
// person's own too), in a few calls; then the neutral line. Older messages
// of the bot lose their keyboard and get a neutral text in the background
// (clearOld): the chat is paced at about a message a second, and the line
// must not wait for them. Older files and the person's older messages
// can't be touched by a bot.
func (p *Privacy) QuickExit(ctx context.Context, in chat.Request, _ chat.Actor) error {
	log := p.o.Log.With("chat", p.pseudo.Of(in.Chat))
	if err := p.trail.flush(ctx); err != nil {
		log.Warn("can't write the /exit trail before reading it", "err", err)
	}
	entries, err := p.o.Trail.Take(ctx, chat.SessionKey(in.Chat))
	if err != nil {
		return err
	}
	lang := p.youngLang(ctx, in)
	var msgs []shown
	for _, e := range entries {
		if s, ok := parseShown(e); ok {
			msgs = append(msgs, s)
		}
	}
	if in.Message != 0 {
		msgs = append(msgs, shown{id: in.Message, at: p.o.Now(), kind: shownOwn})
	}
	now := p.o.Now()
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
		if err := p.out.Delete(ctx, in.Chat, batch); err != nil {
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
	p.out.Say(ctx, in.Chat, lang, nil, dialog.T("exit.bye"))
	log.Info("quick exit", "deleted", deleted, "old", len(old))
	if len(old) == 0 && !p.hasIntake(ctx, in) {
		// Nothing is kept about someone without an intake, not even the
		// goodbye line.
		p.DropTrail(ctx, in.Chat)
		return nil
	}
	p.clearOld(in.Chat, lang, old)
	return nil
}

// hasIntake reports whether anything is stored for the sender of in: a
// session or a case. An error counts as yes (keeping a trail is the safe side).
func (p *Privacy) hasIntake(ctx context.Context, in chat.Request) bool {
	st, err := p.storedFor(ctx, in)
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
// recorder's workers (closing the room stops it after putting back what is
// left) and the handoffs (WaitHandoffs waits for it).
func (p *Privacy) clearOld(chatID int64, lang string, old []shown) {
	if len(old) == 0 {
		return
	}
	slices.SortFunc(old, func(x, y shown) int { return cmp.Compare(y.id, x.id) })
	todo, rest := old, []shown(nil)
	if len(todo) > exitEditMax {
		todo, rest = old[:exitEditMax], old[exitEditMax:]
	}
	r, key := p.trail, chat.SessionKey(chatID)
	if !r.startWork() {
		// The room is closing: the messages go back into the trail, for
		// the next /exit.
		if err := r.putBack(key, old); err != nil {
			p.o.Log.Warn("quick exit: can't put old messages back while stopping", "chat", p.pseudo.Of(chatID), "err", err)
		}
		return
	}
	base, cancel := context.WithTimeout(r.life, exitEditTimeout)
	ctx, finish := p.work.Track(base, key)
	p.work.Go(func() {
		defer r.workers.Done()
		defer cancel()
		defer finish()
		log := p.o.Log.With("chat", p.pseudo.Of(chatID))
		defer func() {
			if v := recover(); v != nil {
				p.o.Metrics.Panics.Add(1)
				log.Error("panic while clearing old messages", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			}
		}()
		neutral := p.o.Renderer.Join(lang, "", dialog.T("exit.removed"))
		done := 0
		for _, s := range todo {
			if ctx.Err() != nil {
				break
			}
			if !p.out.EditHTML(ctx, chatID, s.id, lang, nil, neutral) {
				_ = p.out.ClearKeyboard(ctx, chatID, s.id)
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
