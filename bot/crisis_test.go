package bot_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/dialog/crisis"
)

var crisisWords = sync.OnceValues(crisis.Load)

func withCrisisWords(tb testing.TB, e *dialog.Engine) {
	tb.Helper()
	c, err := crisisWords()
	if err != nil {
		tb.Fatal(err)
	}
	e.Crisis = c
}

// Crisis words in an answer reach the chat as the caring line and the
// crisis lines, before the next question; the answer is kept, the words
// are in no log (the harness checks that at the end).
func TestCrisisWordsShowTheLinesInTheChat(t *testing.T) {
	h := prepare(t, nil)
	withCrisisWords(t, h.engine)
	h.start()
	const chat = 4301
	h.begin(chat)
	mark := h.lastID(chat)
	h.say(chat, "ik wil er niet meer zijn")
	h.expectSaid(chat, mark, h.visible("nl", "help.crisis.signal"))
	h.expectSaid(chat, mark, h.visible("nl", "help.crisis.nl"))
	h.expectSaid(chat, mark, h.visible("nl", "q.dreams_help"))
	s := h.session(chat)
	if s.Answers["dreams"].Text != "ik wil er niet meer zijn" || len(s.Signals) != 1 || s.Signals[0].Source != "dreams" {
		t.Fatalf("answer %+v, signals %+v", s.Answers["dreams"], s.Signals)
	}

	mark = h.lastID(chat)
	h.say(chat, "/urgent")
	h.expectSaid(chat, mark, h.visible("nl", "help.crisis.urgent"))
	h.expectSaid(chat, mark, h.visible("nl", "help.crisis.nl"))
	if s := h.session(chat); s.State != dialog.StateAsking || s.Current != "dreams_help" {
		t.Fatalf("/urgent moved the intake: %s at %q", s.State, s.Current)
	}
}

// A young person without an invite still gets the crisis lines for
// /help, /urgent and crisis words: every line, since their age is unknown.
func TestNoInviteStillShowsTheCrisisLines(t *testing.T) {
	r := newRoles(t, func(o *bot.Options) { withCrisisWords(t, o.Engine) })
	r.cast()
	lines := r.visible("nl", "help.crisis.nl")
	for _, tc := range []struct {
		text  string
		lines bool
	}{{"/urgent", true}, {"/dringend", true}, {"ik wil dood", true}, {"ik ga dood van het lachen", false}, {"hallo", false}} {
		mark := r.lastID(strangerID)
		r.send(strangerID, tc.text, "nl")
		r.expectLast(strangerID, r.visible("nl", "link.none"))
		shown := false
		for _, m := range r.api.Chat(strangerID) {
			if m.FromBot && m.ID > mark && strings.Contains(m.Text, lines) {
				shown = true
			}
		}
		if shown != tc.lines {
			t.Errorf("%q: crisis lines shown %v, want %v", tc.text, shown, tc.lines)
		}
	}
	if r.mem.count() != 0 || r.people.caseCount() != 0 {
		t.Fatal("something was stored for a young person without an invite")
	}
}
