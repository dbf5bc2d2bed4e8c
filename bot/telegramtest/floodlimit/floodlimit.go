// Package floodlimit is the flood control of the fake Bot API
// (bot/telegramtest): Telegram's limits as token buckets.
package floodlimit

import (
	"math"
	"strconv"
	"sync"
	"time"
)

// Limits are flood limits as Telegram enforces them: a call past them is
// answered 429 Too Many Requests with parameters.retry_after, and has no
// effect. Each limit is a token bucket
// (a burst, then a steady pace); a refused call takes no token. The calls
// counted are those that put or change a message in a chat: sendMessage,
// sendDocument, editMessageText and editMessageReplyMarkup.
type Limits struct {
	// PerSecond is the bot's budget over all chats: a burst of PerSecond,
	// then PerSecond a second. Zero: 30.
	PerSecond int
	// ChatBurst calls at once in one chat, then one every ChatEvery.
	// Zero: 5 and 1 s.
	ChatBurst int
	ChatEvery time.Duration
	// GroupPerMinute is the budget of a group (a chat with a negative id),
	// on top of its chat limit: a burst of GroupPerMinute, then that many
	// a minute. Zero: 20.
	GroupPerMinute int
}

// Telegram are Telegram's documented limits: about 30 messages a
// second per bot, about one a second per chat after a short burst, 20 a
// minute per group.
var Telegram = Limits{PerSecond: 30, ChatBurst: 5, ChatEvery: time.Second, GroupPerMinute: 20}

// withDefaults fills the zero fields of l with Telegram's values.
func (l Limits) withDefaults() Limits {
	if l.PerSecond <= 0 {
		l.PerSecond = Telegram.PerSecond
	}
	if l.ChatBurst <= 0 {
		l.ChatBurst = Telegram.ChatBurst
	}
	if l.ChatEvery <= 0 {
		l.ChatEvery = Telegram.ChatEvery
	}
	if l.GroupPerMinute <= 0 {
		l.GroupPerMinute = Telegram.GroupPerMinute
	}
	return l
}

// limitedMethods are the calls the limits count.
var limitedMethods = map[string]bool{
	"sendMessage": true, "sendDocument": true, "editMessageText": true, "editMessageReplyMarkup": true,
}

// bucket is a token bucket: burst tokens, one back every every.
type bucket struct {
	tokens float64
	at     time.Time
}

// level brings b up to now and reports its tokens.
func (b *bucket) level(now time.Time, burst float64, every time.Duration) float64 {
	if b.at.IsZero() {
		b.tokens, b.at = burst, now
	}
	if now.After(b.at) {
		b.tokens = math.Min(burst, b.tokens+float64(now.Sub(b.at))/float64(every))
		b.at = now
	}
	return b.tokens
}

// wait is how long until b has a token again.
func (b *bucket) wait(every time.Duration) time.Duration {
	return time.Duration((1 - b.tokens) * float64(every))
}

// Gate is the state of the limits, under its own lock.
type Gate struct {
	l      Limits
	mu     sync.Mutex
	bot    bucket
	chats  map[string]*bucket
	groups map[string]*bucket
	swept  time.Time
}

// New returns a gate enforcing l (zero fields: Telegram's values).
func New(l Limits) *Gate {
	return &Gate{l: l.withDefaults(), chats: map[string]*bucket{}, groups: map[string]*bucket{}}
}

// Admit takes a token of each limit that counts a call of method to
// chatID, or none and reports the retry_after (in seconds) Telegram gives.
func (f *Gate) Admit(method, chatID string, now time.Time) (retryAfter int, ok bool) {
	if !limitedMethods[method] {
		return 0, true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sweep(now)
	botEvery := time.Second / time.Duration(f.l.PerSecond)
	var longest time.Duration
	check := func(b *bucket, burst int, every time.Duration) {
		if b.level(now, float64(burst), every) < 1 {
			longest = max(longest, b.wait(every))
		}
	}
	check(&f.bot, f.l.PerSecond, botEvery)
	c := f.chats[chatID]
	if c == nil {
		c = &bucket{}
		f.chats[chatID] = c
	}
	check(c, f.l.ChatBurst, f.l.ChatEvery)
	var g *bucket
	groupEvery := time.Minute / time.Duration(f.l.GroupPerMinute)
	if id, err := strconv.ParseInt(chatID, 10, 64); err == nil && id < 0 {
		if g = f.groups[chatID]; g == nil {
			g = &bucket{}
			f.groups[chatID] = g
		}
		check(g, f.l.GroupPerMinute, groupEvery)
	}
	if longest > 0 {
		return max(1, int(math.Ceil(longest.Seconds()))), false
	}
	f.bot.tokens--
	c.tokens--
	if g != nil {
		g.tokens--
	}
	return 0, true
}

// sweep forgets full buckets now and then, so that a long run with many
// chats keeps its memory bounded.
func (f *Gate) sweep(now time.Time) {
	if now.Sub(f.swept) < time.Minute {
		return
	}
	f.swept = now
	for id, b := range f.chats {
		if b.level(now, float64(f.l.ChatBurst), f.l.ChatEvery) >= float64(f.l.ChatBurst) {
			delete(f.chats, id)
		}
	}
	for id, b := range f.groups {
		if b.level(now, float64(f.l.GroupPerMinute), time.Minute/time.Duration(f.l.GroupPerMinute)) >= float64(f.l.GroupPerMinute) {
			delete(f.groups, id)
		}
	}
}
