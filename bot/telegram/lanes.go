package telegram

import (
	"context"
	"sync"
)

// Lanes runs work for one chat at a time and for different chats in
// parallel. A wait for a busy lane ends with its context, so a stuck chat
// can never hold others or itself for good.
type Lanes struct {
	mu    sync.Mutex
	lanes map[int64]*lane
}

type lane struct {
	sem   chan struct{}
	users int
}

// Do runs fn when the lane of chat is free, or returns ctx's error.
func (l *Lanes) Do(ctx context.Context, chat int64, fn func()) error {
	ln := l.acquire(chat)
	defer l.release(chat, ln)
	select {
	case ln.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-ln.sem }()
	fn()
	return nil
}

func (l *Lanes) acquire(chat int64) *lane {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lanes == nil {
		l.lanes = map[int64]*lane{}
	}
	ln, ok := l.lanes[chat]
	if !ok {
		ln = &lane{sem: make(chan struct{}, 1)}
		l.lanes[chat] = ln
	}
	ln.users++
	return ln
}

// release forgets a lane nobody waits for, so the map stays as small as
// the number of chats active right now.
func (l *Lanes) release(chat int64, ln *lane) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ln.users--
	if ln.users == 0 {
		delete(l.lanes, chat)
	}
}

// Len is the number of chats with work running or waiting.
func (l *Lanes) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lanes)
}
