package main

import (
	"context"

	"github.com/intakebot/intakebot/bot"
)

// Erasure (/delete and retention): the session store deletes a session;
// storage.Cases, storage.Links and storage.Erasure erase the case, its
// links and the person's other traces (see withPeople).
var _ bot.Store = sessionStore{}

// Delete erases a session (bot.Store).
func (a sessionStore) Delete(ctx context.Context, key string) error { return a.s.Delete(ctx, key) }
