package bot

import (
	"context"
	"sync"
	"time"

	"github.com/intakebot/intakebot/bot/conversation"
	"github.com/intakebot/intakebot/dialog"
)

// nudgeID is the ID of a young person's idle nudge: the pseudonym of
// their key in a family of its own (so it matches no log line of the
// case), the same on every replica.
func (b *Bot) nudgeID(key string) string { return "n" + b.pseudo.OfKey("nudge:"+key) }

// nudgingStore is the conversation's session store; after a young
// person's answer is saved it makes sure their idle nudge exists (at most
// once in nudgeSeenFor per replica: the nudge's run reads the session's
// last change itself, so an answer needs no write).
type nudgingStore struct {
	conversation.Store
	b *Bot
}

func (s nudgingStore) Save(ctx context.Context, sess dialog.Session) (dialog.Session, error) {
	saved, err := s.Store.Save(ctx, sess)
	if err != nil || len(s.b.o.Nudges) == 0 || !s.b.nudged.due(saved.Key, s.b.o.Now()) {
		return saved, err
	}
	if err := s.b.remind.EnsureNudge(ctx, saved); err != nil {
		s.b.nudged.forget(saved.Key)
		s.b.o.Log.Warn("can't schedule an idle nudge", "chat", s.b.pseudo.OfKey(saved.Key), "err", err)
	}
	return saved, nil
}

// nudgeSeenFor is how long a replica trusts that a young person's idle
// nudge exists; nudgeSeenMax bounds its memory.
const (
	nudgeSeenFor = 6 * time.Hour
	nudgeSeenMax = 20000
)

// nudgeSeen remembers whose idle nudge this replica made sure of lately.
type nudgeSeen struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

// due reports whether key's nudge should be made sure of now, and notes
// that it is.
func (n *nudgeSeen) due(key string, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if at, ok := n.seen[key]; ok && now.Sub(at) < nudgeSeenFor && !now.Before(at) {
		return false
	}
	if n.seen == nil || len(n.seen) >= nudgeSeenMax {
		n.seen = make(map[string]time.Time) // forgetting costs a read each
	}
	n.seen[key] = now
	return true
}

func (n *nudgeSeen) forget(key string) {
	n.mu.Lock()
	delete(n.seen, key)
	n.mu.Unlock()
}
