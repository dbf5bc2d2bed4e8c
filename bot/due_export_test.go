package bot

import "context"

// DueOnce runs one pass of the due loop, for tests that move the clock.
func (b *Bot) DueOnce(ctx context.Context) int { return b.dueOnce(ctx) }
