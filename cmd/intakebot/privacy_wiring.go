package main

import (
	"context"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/privacy"
	"github.com/intakebot/intakebot/storage"
)

// Erasure (/delete and retention): the session store deletes a session,
// People (through the embedded storage.Cases, storage.Links and
// storage.Erasure) the case, its links and the person's other traces, and
// storage.Trail keeps the /exit trail.
var (
	_ bot.Store          = sessionStore{}
	_ bot.Eraser         = peopleStore{}
	_ privacy.TrailStore = (*storage.Trail)(nil)
)

// Delete erases a session (bot.Store).
func (a sessionStore) Delete(ctx context.Context, key string) error { return a.s.Delete(ctx, key) }
