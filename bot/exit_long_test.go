package bot_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/bot/telegramtest"
)

// longChat is a privacy edge whose young person's chat holds old messages
// of the bot, more than one /exit clears, and a few recent ones; edits of
// messages wait at a gate the test opens.
type longChat struct {
	*privacyEdge
	old, recent []int64       // message IDs, oldest first
	open        func()        // opens the gate; more calls do nothing
	editing     chan struct{} // receives when an edit waits at the gate
}

func newLongChat(t *testing.T, nOld, nRecent int) *longChat {
	t.Helper()
	var sender *telegram.Sender
	p := newPrivacy(t, func(o *bot.Options) { sender = o.Sender })
	gate, editing := make(chan struct{}), make(chan struct{}, 1)
	var once sync.Once
	open := func() { once.Do(func() { close(gate) }) }
	t.Cleanup(open) // before the server and the bot stop
	p.api.SetFault(func(method string, _ map[string]string) *telegramtest.Fault {
		if method == "editMessageText" || method == "editMessageReplyMarkup" {
			select {
			case editing <- struct{}{}:
			default:
			}
			<-gate
		}
		return nil
	})
	ctx := context.Background()
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Verder", CallbackData: "x"}}}}
	send := func(n int) {
		for i := range n {
			if !sender.Send(ctx, youngID, "bericht "+strconv.Itoa(i), kb) {
				t.Fatal("send failed")
			}
		}
	}
	send(nOld)
	c := &longChat{privacyEdge: p, open: open, editing: editing}
	for _, m := range p.api.Chat(youngID) {
		c.old = append(c.old, m.ID)
	}
	p.clock.Advance(49 * time.Hour)
	send(nRecent)
	for _, m := range p.api.Chat(youngID)[nOld:] {
		c.recent = append(c.recent, m.ID)
	}
	if len(c.old) != nOld || len(c.recent) != nRecent {
		t.Fatalf("%d old and %d recent messages", len(c.old), len(c.recent))
	}
	return c
}

// A long history: Telegram's pace of about a message a second per chat
// would make a quick exit that edits every old message before it says
// goodbye take minutes. The recent messages go in a few calls and the
// neutral line comes right after, while no edit got through yet; then the
// newest old messages are cleared, newest first, at most 50; the rest
// stay in the trail and the next /exit clears them.
func TestQuickExitWithALongHistorySaysGoodbyeFirst(t *testing.T) {
	c := newLongChat(t, 60, 5)
	removed, bye := c.visible("nl", "exit.removed"), c.visible("nl", "exit.bye")
	seq := len(c.api.Calls())

	// The edits are held at the gate: the neutral line comes all the same.
	id := c.api.SendText(youngID, youngID, "/exit", "nl")
	c.api.WaitMessage(t, youngID, 10*time.Second, func(m telegramtest.Msg) bool { return m.FromBot && m.Text == bye })

	chat := c.api.Chat(youngID)
	if last := chat[len(chat)-1]; !last.FromBot || last.Text != bye {
		t.Fatalf("no neutral line while old messages wait:\n%s", telegramtest.FormatTranscript(chat))
	}
	if len(chat) != len(c.old)+1 {
		t.Fatalf("recent messages survived:\n%s", telegramtest.FormatTranscript(chat))
	}
	if n := len(c.callsTo("deleteMessages", youngID, seq)); n != 1 {
		t.Errorf("%d deleteMessages calls for %d recent messages", n, len(c.recent)+1)
	}
	c.open()
	c.handled(id) // the harness waits for the work in the background too

	edits := c.callsTo("editMessageText", youngID, seq)
	if len(edits) != 50 {
		t.Fatalf("%d edits, want the newest 50 of %d old messages", len(edits), len(c.old))
	}
	byeSent := c.callsTo("sendMessage", youngID, seq)
	if len(byeSent) != 1 || byeSent[0].Seq > edits[0].Seq {
		t.Errorf("the neutral line (%d calls) came after an edit", len(byeSent))
	}
	for i, e := range edits {
		if want := strconv.FormatInt(c.old[len(c.old)-1-i], 10); e.Params["message_id"] != want {
			t.Fatalf("edit %d is of message %s, want %s: newest first", i, e.Params["message_id"], want)
		}
	}
	untouched := map[int64]bool{}
	for _, id := range c.old[:10] {
		untouched[id] = true
	}
	for _, m := range c.api.Chat(youngID) {
		switch {
		case m.Text == bye:
		case untouched[m.ID]:
			if m.Text == removed {
				t.Errorf("message %d, one of the oldest 10, was cleared", m.ID)
			}
		case m.Text != removed || len(m.Buttons()) != 0:
			t.Errorf("message %d still shows %q with %d buttons", m.ID, m.Text, len(m.Buttons()))
		}
	}
	// What was not cleared is in the trail again, next to the new line.
	trail := c.trail(youngID)
	if len(trail) != 11 {
		t.Fatalf("trail after /exit = %q, want the 10 oldest and the neutral line", trail)
	}
	for _, id := range c.old[:10] {
		if !hasEntry(trail, id) {
			t.Errorf("message %d is not in the trail again: %q", id, trail)
		}
	}

	// The next /exit carries on where this one stopped.
	c.send(youngID, "/exit", "nl")
	chat = c.api.Chat(youngID)
	if len(chat) != len(c.old)+1 || chat[len(chat)-1].Text != bye {
		t.Fatalf("after the second /exit:\n%s", telegramtest.FormatTranscript(chat))
	}
	for _, m := range chat[:len(chat)-1] {
		if m.Text != removed || len(m.Buttons()) != 0 {
			t.Errorf("after the second /exit message %d still shows %q", m.ID, m.Text)
		}
	}
	if got := c.trail(youngID); len(got) != 1 {
		t.Errorf("trail after the second /exit = %q, want only the neutral line", got)
	}
}

// A stop while old messages are being cleared puts them back into the
// trail: none is forgotten.
func TestQuickExitCutShortKeepsTheRestInTheTrail(t *testing.T) {
	c := newLongChat(t, 12, 2)
	bye := c.visible("nl", "exit.bye")
	id := c.api.SendText(youngID, youngID, "/exit", "nl")
	c.api.WaitMessage(t, youngID, 10*time.Second, func(m telegramtest.Msg) bool { return m.FromBot && m.Text == bye })
	select {
	case <-c.editing:
	case <-time.After(10 * time.Second):
		t.Fatal("no edit of an old message")
	}
	c.b.Close() // the edits wait at the gate: the stop cuts them short
	c.handled(id)
	trail := c.trail(youngID)
	for _, id := range c.old {
		if !hasEntry(trail, id) {
			t.Errorf("message %d is not in the trail after the stop: %q", id, trail)
		}
	}
	if len(trail) != len(c.old)+1 {
		t.Errorf("trail after the stop = %q", trail)
	}
}

// hasEntry reports whether the trail holds an entry of message id.
func hasEntry(trail []string, id int64) bool {
	for _, e := range trail {
		if strings.HasPrefix(e, strconv.FormatInt(id, 10)+":") {
			return true
		}
	}
	return false
}

// An erasure stops the clearing, and nothing is put back into the trail
// the erasure is about to remove.
func TestQuickExitStoppedByAnErasurePutsNothingBack(t *testing.T) {
	c := newLongChat(t, 12, 2)
	bye := c.visible("nl", "exit.bye")
	id := c.api.SendText(youngID, youngID, "/exit", "nl")
	c.api.WaitMessage(t, youngID, 10*time.Second, func(m telegramtest.Msg) bool { return m.FromBot && m.Text == bye })
	select {
	case <-c.editing:
	case <-time.After(10 * time.Second):
		t.Fatal("no edit of an old message")
	}
	c.b.SettleWork(strconv.FormatInt(youngID, 10))
	c.open()
	c.handled(id)
	if trail := c.trail(youngID); len(trail) != 1 || hasEntry(trail, c.old[0]) {
		t.Fatalf("trail after the erasure stopped /exit = %q, want only the neutral line", trail)
	}
}
