package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// The flood scenario (-flood N): when the measured window starts, one chat
// of its own sends N messages at once (a forwarded batch, a script), and
// another chat of its own (the probe) sends /urgent every -probe-every and
// waits for the bot's first message to it. The report gives the probe's
// latencies: how long one chat's flood holds up another chat's /urgent.
// Both chats are outside the people's range; they start without an invite
// and go to the open intake's director (INTAKEBOT_OPEN_INTAKE_DIRECTOR).
const (
	floodChat int64 = 6_000_000_001
	probeChat int64 = 6_000_000_002
)

// flood is the state of the flood scenario.
type flood struct {
	replies chan time.Time // the bot's messages to the probe chat

	mu        sync.Mutex
	latencies []time.Duration
	lost      int           // probes without a reply within probeWait
	waiting   time.Duration // how long the last probe waited, unanswered, when the run ended
	floodMsgs int           // the bot's messages to the flooding chat
}

// probeWait is how long a probe waits for its reply before it counts as
// lost (and the next probe goes).
const probeWait = 60 * time.Second

func newFlood() *flood { return &flood{replies: make(chan time.Time, 64)} }

// seen is told of each message the bot sends to chat (from onCall).
func (f *flood) seen(chat int64, at time.Time) {
	switch chat {
	case probeChat:
		select {
		case f.replies <- at:
		default:
		}
	case floodChat:
		f.mu.Lock()
		f.floodMsgs++
		f.mu.Unlock()
	}
}

// run sends the flood, then probes until ctx ends.
func (f *flood) run(ctx context.Context, l *loader) {
	for i := range l.cfg.Flood {
		l.api.SendText(floodChat, floodChat, fmt.Sprintf("Doorgestuurd bericht %d: zomaar een regel tekst.", i+1), "nl")
	}
	for ctx.Err() == nil {
		// Drop late replies of an earlier probe.
		for len(f.replies) > 0 {
			<-f.replies
		}
		sent := time.Now()
		l.api.SendText(probeChat, probeChat, "/urgent", "nl")
		select {
		case at := <-f.replies:
			f.mu.Lock()
			f.latencies = append(f.latencies, at.Sub(sent))
			f.mu.Unlock()
		case <-time.After(probeWait):
			f.mu.Lock()
			f.lost++
			f.mu.Unlock()
		case <-ctx.Done():
			f.mu.Lock()
			f.waiting = time.Since(sent)
			f.mu.Unlock()
			return
		}
		if !sleepCtx(ctx, l.cfg.ProbeEvery) {
			return
		}
	}
}

// write adds the flood's lines to the report.
func (f *flood) write(w io.Writer, cfg config) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := append([]time.Duration(nil), f.latencies...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	fmt.Fprintf(w, "flood          one chat sent %d messages at once; the bot sent it %d messages\n", cfg.Flood, f.floodMsgs)
	fmt.Fprintf(w, "probe /urgent  from another chat every %v: answered %d, p50 %s  p90 %s  max %s; no reply within %v: %d\n",
		cfg.ProbeEvery, len(s), fmtDur(quantile(s, .5)), fmtDur(quantile(s, .9)), fmtDur(quantile(s, 1)), probeWait, f.lost)
	if f.waiting > 0 {
		fmt.Fprintf(w, "               the last probe was still without a reply after %v when the run ended\n", f.waiting.Round(time.Millisecond))
	}
}
