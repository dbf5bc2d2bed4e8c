package bot_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
)

// atList stores the session of a chat that is asking the network list,
// having answered keep_practitioners (no) just before it.
func (h *harness) atList(chat int64) {
	now := time.Now()
	h.mem.put(dialog.Session{
		Key: strconv.FormatInt(chat, 10), FlowID: h.engine.Flow.ID, FlowVersion: h.engine.Flow.Version, Lang: "nl",
		State: dialog.StateAsking, Current: "network", Started: now, Updated: now, Version: 1,
		History: []string{"keep_practitioners"},
		Answers: map[string]dialog.Answer{"keep_practitioners": {Choices: []string{dialog.No}, At: now}},
	})
}

// A young person who goes back to a question they answered sees their
// answer and can go on without changing it; skipping is not the only way.
func TestBackToAnAnsweredQuestionKeepsTheAnswer(t *testing.T) {
	h := newHarness(t, nil)
	const chat = 10101
	h.begin(chat)
	h.say(chat, "Een eigen plek met een hond")
	h.expectLast(chat, h.visible("nl", "q.dreams_help"))
	h.press(chat, "Terug")
	m := h.expectLast(chat, h.visible("nl", "q.dreams"), "Een eigen plek met een hond")
	if _, ok := m.Button("Zo laten"); !ok {
		t.Fatalf("an answered question asked again has no way on that keeps the answer: %+v\n%s", m.Buttons(), telegramtest.FormatTranscript(h.api.Chat(chat)))
	}
	h.press(chat, "Zo laten")
	h.expectLast(chat, h.visible("nl", "q.dreams_help"))
	if got := h.session(chat).Answers["dreams"]; got.Skipped || got.Text != "Een eigen plek met een hond" {
		t.Fatalf("the answer after keeping it: %+v", got)
	}
	// /back typed works the same.
	h.say(chat, "/back")
	h.expectLast(chat, h.visible("nl", "q.dreams"), "Een eigen plek met een hond")
	h.press(chat, "Zo laten")
	if got := h.session(chat).Answers["dreams"]; got.Skipped || got.Text == "" {
		t.Fatalf("the answer after /back and keep: %+v", got)
	}
}

// Going back in the middle of a list keeps the entries typed so far.
func TestBackInAListKeepsItsEntries(t *testing.T) {
	h := newHarness(t, nil)
	const chat = 10102
	h.atList(chat)
	h.say(chat, "Sanne, mijn zus")
	h.say(chat, "Mo, mijn oom")
	h.press(chat, "Terug")
	h.expectLast(chat, h.visible("nl", "q.keep_practitioners"))
	h.press(chat, "Nee")
	h.expectLast(chat, h.visible("nl", "q.network"), "Sanne, mijn zus", "Mo, mijn oom")
	s := h.session(chat)
	if !slices.Equal(s.Draft, []string{"Sanne, mijn zus", "Mo, mijn oom"}) {
		t.Fatalf("list entries after back and forth: draft %q, answer %+v", s.Draft, s.Answers["network"])
	}
}

// One wrong entry of a list can be removed on its own.
func TestAListEntryCanBeRemovedOnItsOwn(t *testing.T) {
	h := newHarness(t, nil)
	const chat = 10103
	h.atList(chat)
	h.say(chat, "Sanne, mijn zus")
	h.say(chat, "Moo, typfout")
	h.say(chat, "Mo, mijn oom")
	m := h.last(chat)
	var remove string
	for _, b := range m.Buttons() {
		if strings.Contains(b.Text, "Moo, typfout") {
			remove = b.Text
		}
	}
	if remove == "" {
		t.Fatalf("no button removes the entry %q: %+v", "Moo, typfout", m.Buttons())
	}
	h.press(chat, remove)
	s := h.session(chat)
	if !slices.Equal(s.Draft, []string{"Sanne, mijn zus", "Mo, mijn oom"}) {
		t.Fatalf("after removing one entry: %q", s.Draft)
	}
	h.expectLast(chat, "Sanne, mijn zus", "Mo, mijn oom")
	h.press(chat, "Klaar")
	if got := h.session(chat).Answers["network"].Items; !slices.Equal(got, []string{"Sanne, mijn zus", "Mo, mijn oom"}) {
		t.Fatalf("the list saved: %q", got)
	}
}
