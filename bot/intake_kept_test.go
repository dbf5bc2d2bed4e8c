package bot_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/intakebot/intakebot/dialog"
)

// A message after a pause or a long silence is kept, and one press makes
// it the answer to the question shown: no "welcome back" that throws it
// away. (On main the press is not there: the message is gone.)
func TestMessageAfterPauseIsKept(t *testing.T) {
	h := newHarness(t, nil)

	t.Run("text question", func(t *testing.T) {
		h := h.with(t)
		const chat = 10301
		h.begin(chat)
		h.press(chat, "Pauze")
		h.say(chat, "Een eigen plek met een hond")
		h.press(chat, "Ja, dat is mijn antwoord")
		s := h.session(chat)
		if got := s.Answers["dreams"].Text; got != "Een eigen plek met een hond" {
			t.Fatalf("the message after a pause was dropped: answers %+v, state %s", s.Answers, s.State)
		}
		h.expectLast(chat, h.visible("nl", "q.dreams_help"))
	})
	t.Run("list", func(t *testing.T) {
		h := h.with(t)
		const chat = 10302
		h.atList(chat)
		h.say(chat, "Sanne, mijn zus")
		h.press(chat, "Pauze")
		h.say(chat, "Mo, mijn oom")
		h.press(chat, "Ja, dat is mijn antwoord")
		if got := h.session(chat).Draft; !slices.Equal(got, []string{"Sanne, mijn zus", "Mo, mijn oom"}) {
			t.Fatalf("list after a pause: %q", got)
		}
	})
	t.Run("after a long silence", func(t *testing.T) {
		h := h.with(t)
		const chat = 10303
		old := time.Now().Add(-48 * time.Hour)
		h.mem.put(dialog.Session{
			Key: strconv.FormatInt(chat, 10), FlowID: h.engine.Flow.ID, FlowVersion: h.engine.Flow.Version, Lang: "nl",
			State: dialog.StateAsking, Current: "dreams", Started: old, Updated: old, Version: 1,
		})
		h.say(chat, "Een diploma halen")
		h.press(chat, "Ja, dat is mijn antwoord")
		s := h.session(chat)
		if got := s.Answers["dreams"].Text; got != "Een diploma halen" {
			t.Fatalf("the message after two days was dropped: answers %+v", s.Answers)
		}
	})
}
