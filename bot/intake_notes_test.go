package bot_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/dialog"
)

// A message typed on a button question (after a pause, after a long
// silence, or any time) is kept as a note beside the question, and the
// young person is told why it is not the answer; the director reads it
// with the answer. A message after a flow upgrade moved the young person
// to a question they have not seen is kept too. (On main such a message is
// dropped: only the question comes again.)
func TestMessageOnAButtonQuestionIsKept(t *testing.T) {
	h := newHarness(t, nil)
	kept := func(h *harness, chat int64, q, text string) {
		h.t.Helper()
		h.expectSaid(chat, 0, h.visible("nl", "note.kept"))
		s := h.session(chat)
		if !slices.Contains(s.Notes[q], text) {
			h.t.Fatalf("the message on %s was dropped: notes %q, state %s", q, s.Notes, s.State)
		}
	}
	t.Run("yes/no after a pause", func(t *testing.T) {
		h := h.with(t)
		const chat = 10401
		h.atQuestion(chat, "keep_practitioners")
		h.say(chat, "/start")
		h.press(chat, "Pauze")
		h.say(chat, "Ik twijfel, mijn mentor wel maar de rest niet")
		kept(h, chat, "keep_practitioners", "Ik twijfel, mijn mentor wel maar de rest niet")
		h.press(chat, "Ja")
		s := h.session(chat)
		if _, ok := s.Answers["keep_practitioners"]; !ok {
			t.Fatalf("the press after the note was not the answer: %+v", s.Answers)
		}
		doc := h.r.Summary("nl", dialog.BuildSummary(h.engine.Flow, s))
		if !strings.Contains(doc, "mijn mentor wel maar de rest niet") {
			t.Fatalf("the director does not read the note:\n%s", doc)
		}
	})
	t.Run("choice after a long silence", func(t *testing.T) {
		h := h.with(t)
		const chat = 10402
		old := time.Now().Add(-48 * time.Hour)
		h.mem.put(dialog.Session{
			Key: strconv.FormatInt(chat, 10), FlowID: h.engine.Flow.ID, FlowVersion: h.engine.Flow.Version, Lang: "nl",
			State: dialog.StateAsking, Current: "support_often", Started: old, Updated: old, Version: 1,
		})
		h.say(chat, "elke dag een beetje")
		kept(h, chat, "support_often", "elke dag een beetje")
		h.expectLast(chat, h.visible("nl", "q.support_often"))
	})
	t.Run("multi, no pause", func(t *testing.T) {
		h := h.with(t)
		const chat = 10403
		h.atQuestion(chat, "support_areas")
		h.say(chat, "vooral geld en wonen")
		kept(h, chat, "support_areas", "vooral geld en wonen")
	})
	t.Run("after a flow upgrade, text question", func(t *testing.T) {
		h := h.with(t)
		const chat = 10404
		now := time.Now()
		h.mem.put(dialog.Session{
			Key: strconv.FormatInt(chat, 10), FlowID: h.engine.Flow.ID, FlowVersion: h.engine.Flow.Version - 1, Lang: "nl",
			State: dialog.StateAsking, Current: "a_question_removed", Started: now, Updated: now, Version: 1,
		})
		h.say(chat, "Een eigen huis")
		h.press(chat, "Ja, dat is mijn antwoord")
		if got := h.session(chat).Answers["dreams"].Text; got != "Een eigen huis" {
			t.Fatalf("the message after a flow upgrade was dropped: %+v", h.session(chat).Answers)
		}
	})
	t.Run("after a flow upgrade, button question", func(t *testing.T) {
		h := h.with(t)
		const chat = 10405
		now := time.Now()
		h.mem.put(dialog.Session{
			Key: strconv.FormatInt(chat, 10), FlowID: h.engine.Flow.ID, FlowVersion: h.engine.Flow.Version - 1, Lang: "nl",
			State: dialog.StatePaused, Current: "a_question_removed", Started: now, Updated: now, Version: 1,
			Answers: map[string]dialog.Answer{"dreams": {Text: "x", At: now}, "dreams_help": {Text: "y", At: now}},
		})
		h.say(chat, "geld denk ik")
		kept(h, chat, "support_areas", "geld denk ik")
	})
}
