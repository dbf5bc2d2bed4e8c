package bot_test

import (
	"slices"
	"testing"

	"github.com/intakebot/intakebot/dialog"
)

// The words for done, skip, back, pause, help and stop, typed, act as those
// commands and are never saved as an answer or a list entry.
func TestTypedCommandWordsAreNeverSaved(t *testing.T) {
	h := newHarness(t, nil)

	t.Run("klaar ends a list", func(t *testing.T) {
		h := h.with(t)
		const chat = 10201
		h.atList(chat)
		h.say(chat, "anna")
		h.say(chat, "klaar")
		s := h.session(chat)
		if got := s.Answers["network"].Items; !slices.Equal(got, []string{"anna"}) {
			t.Fatalf("the list saved after 'klaar': %q (draft %q)", got, s.Draft)
		}
		if s.Current == "network" {
			t.Fatalf("still at the list after 'klaar'")
		}
	})
	t.Run("Klaar! and done, in either language", func(t *testing.T) {
		h := h.with(t)
		const chat = 10202
		h.atList(chat)
		h.say(chat, "anna")
		h.say(chat, "Done!")
		if got := h.session(chat).Answers["network"].Items; !slices.Equal(got, []string{"anna"}) {
			t.Fatalf("the list saved after 'Done!': %q", got)
		}
	})
	t.Run("overslaan skips a text question", func(t *testing.T) {
		h := h.with(t)
		const chat = 10203
		h.begin(chat)
		h.say(chat, "Overslaan")
		s := h.session(chat)
		if a := s.Answers["dreams"]; !a.Skipped {
			t.Fatalf("dreams after 'Overslaan': %+v", a)
		}
		h.expectLast(chat, h.visible("nl", "q.dreams_help"))
	})
	t.Run("terug goes back", func(t *testing.T) {
		h := h.with(t)
		const chat = 10204
		h.begin(chat)
		h.say(chat, "Een eigen huis")
		h.say(chat, "terug")
		s := h.session(chat)
		if s.Current != "dreams" || s.Answers["dreams_help"].Text != "" {
			t.Fatalf("after 'terug': current %q, answers %+v", s.Current, s.Answers)
		}
	})
	t.Run("pauze and stop pause", func(t *testing.T) {
		h := h.with(t)
		for i, word := range []string{"pauze", "stop"} {
			chat := int64(10205 + i)
			h.begin(chat)
			h.say(chat, word)
			s := h.session(chat)
			if s.State != dialog.StatePaused || len(s.Answers) != 0 {
				t.Fatalf("after %q: state %s, answers %+v", word, s.State, s.Answers)
			}
		}
	})
	t.Run("help shows the help", func(t *testing.T) {
		h := h.with(t)
		const chat = 10207
		h.begin(chat)
		mark := h.lastID(chat)
		h.say(chat, "help")
		if a, ok := h.session(chat).Answers["dreams"]; ok {
			t.Fatalf("'help' saved as an answer: %+v", a)
		}
		h.expectSaid(chat, mark, "Wat doet deze bot?")
	})
}
