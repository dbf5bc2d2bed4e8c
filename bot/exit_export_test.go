package bot

import "time"

// SettleWork stops the background work on a session key, as an erasure
// does before it erases.
func (b *Bot) SettleWork(key string) { b.work.Settle(key, 10*time.Second) }
