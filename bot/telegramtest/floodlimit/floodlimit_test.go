package floodlimit

import (
	"strconv"
	"testing"
	"time"
)

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// The bot's budget covers all chats: 30 at once, then one every 1/30 s;
// other methods don't count.
func TestBotBudget(t *testing.T) {
	g := New(Telegram)
	for i := range 30 {
		if _, ok := g.Admit("sendMessage", strconv.Itoa(100+i), t0); !ok {
			t.Fatalf("send %d refused", i+1)
		}
	}
	if _, ok := g.Admit("getMe", "", t0); !ok {
		t.Error("getMe refused")
	}
	if _, ok := g.Admit("answerCallbackQuery", "999", t0); !ok {
		t.Error("answerCallbackQuery refused")
	}
	if secs, ok := g.Admit("sendMessage", "999", t0); ok || secs != 1 {
		t.Errorf("31st send = %d, %v; want refused, retry after 1", secs, ok)
	}
	if _, ok := g.Admit("editMessageText", "999", t0.Add(20*time.Millisecond)); ok {
		t.Error("an edit 20 ms later passed: edits count too, and no token is back yet")
	}
	if _, ok := g.Admit("sendMessage", "999", t0.Add(34*time.Millisecond)); !ok {
		t.Error("a send 34 ms later refused: one token is back")
	}
	if _, ok := g.Admit("sendMessage", "998", t0.Add(35*time.Millisecond)); ok {
		t.Error("a second send 35 ms later passed")
	}
}

// A chat: a burst of 5, then one a second; a refused call takes no token.
func TestChatPace(t *testing.T) {
	g := New(Limits{})
	for i := range 5 {
		if _, ok := g.Admit("sendMessage", "7", t0); !ok {
			t.Fatalf("send %d refused", i+1)
		}
	}
	for i := range 3 {
		if secs, ok := g.Admit("sendMessage", "7", t0.Add(time.Duration(i)*100*time.Millisecond)); ok || secs != 1 {
			t.Fatalf("send in the pace = %d, %v; want retry after 1", secs, ok)
		}
	}
	if _, ok := g.Admit("sendMessage", "7", t0.Add(time.Second)); !ok {
		t.Error("a send a second later refused (refused calls took tokens?)")
	}
	if _, ok := g.Admit("sendMessage", "8", t0); !ok {
		t.Error("another chat refused")
	}
}

// A group: 20 a minute on top of its chat limit.
func TestGroupPace(t *testing.T) {
	g := New(Limits{ChatBurst: 100, ChatEvery: time.Millisecond, PerSecond: 1000})
	for i := range 20 {
		if _, ok := g.Admit("sendMessage", "-100123", t0); !ok {
			t.Fatalf("group send %d refused", i+1)
		}
	}
	if secs, ok := g.Admit("sendMessage", "-100123", t0); ok || secs != 3 {
		t.Errorf("21st = %d, %v; want retry after 3", secs, ok)
	}
	if _, ok := g.Admit("sendMessage", "-100123", t0.Add(3*time.Second)); !ok {
		t.Error("refused 3 s later")
	}
}

// Full buckets are forgotten, so a long run keeps its memory bounded.
func TestSweepForgetsIdleChats(t *testing.T) {
	g := New(Limits{})
	for i := range 100 {
		g.Admit("sendMessage", strconv.Itoa(i), t0)
	}
	g.Admit("sendMessage", "-5", t0)
	g.Admit("sendMessage", "1", t0.Add(2*time.Minute))
	if len(g.chats) != 1 || len(g.groups) != 0 {
		t.Errorf("after the sweep %d chats and %d groups kept, want 1 and 0", len(g.chats), len(g.groups))
	}
}
