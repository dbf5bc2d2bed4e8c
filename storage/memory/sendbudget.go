package memory

import (
	"context"
	"math"
	"sync"
	"time"
)

// SendBudget is the twin of storage/sendbudget.Bucket for one process (the
// demo): the same token bucket, in memory.
type SendBudget struct {
	perSecond, burst int
	now              func() time.Time

	mu     sync.Mutex
	tokens float64
	at     time.Time
}

// NewSendBudget returns a budget of perSecond sends a second with a burst
// of burst; now may be nil (time.Now).
func NewSendBudget(perSecond, burst int, now func() time.Time) *SendBudget {
	if now == nil {
		now = time.Now
	}
	return &SendBudget{perSecond: max(perSecond, 1), burst: max(burst, 1), now: now, tokens: float64(max(burst, 1))}
}

// Take takes one send when more than reserve are left and reports zero;
// otherwise it takes none and reports how long until there are.
func (b *SendBudget) Take(_ context.Context, reserve int) (time.Duration, error) {
	reserve = min(max(reserve, 0), b.burst-1)
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if b.at.IsZero() {
		b.at = now
	}
	if now.After(b.at) {
		b.tokens = math.Min(float64(b.burst), b.tokens+now.Sub(b.at).Seconds()*float64(b.perSecond))
		b.at = now
	}
	if need := float64(reserve + 1); b.tokens < need {
		return time.Duration(math.Ceil((need - b.tokens) * float64(time.Second) / float64(b.perSecond))), nil
	}
	b.tokens--
	return 0, nil
}
