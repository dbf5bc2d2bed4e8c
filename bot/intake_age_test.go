package bot_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
)

// consentHarness asks for consent and the age first, as the bot does.
func consentHarness(t *testing.T) *harness {
	h := prepare(t, nil)
	h.engine.Consent = true
	h.start()
	return h
}

func (h *harness) toAge(chat int64) telegramtest.Msg {
	h.t.Helper()
	h.say(chat, "/start")
	h.press(chat, "Ik doe mee")
	return h.expectLast(chat, h.visible("nl", "age.question"))
}

func TestAgeQuestion(t *testing.T) {
	h := consentHarness(t)

	t.Run("a typed age works", func(t *testing.T) {
		h := h.with(t)
		const chat = 10401
		h.toAge(chat)
		h.say(chat, "ik ben 17 jaar")
		if s := h.session(chat); s.Age != "16_17" || s.State != dialog.StateWelcome {
			t.Fatalf("after typing 17: age %q, state %s\n%s", s.Age, s.State, telegramtest.FormatTranscript(h.api.Chat(chat)))
		}
	})
	t.Run("it says why it is asked", func(t *testing.T) {
		h := h.with(t)
		const chat = 10402
		h.toAge(chat)
		h.expectLast(chat, h.visible("nl", "age.why"))
	})
	t.Run("it can be skipped, the intake goes on", func(t *testing.T) {
		h := h.with(t)
		const chat = 10403
		h.toAge(chat)
		h.press(chat, h.visible("nl", "btn.age_skip"))
		s := h.session(chat)
		if s.State != dialog.StateWelcome || s.Consented.IsZero() || s.Age != "" {
			t.Fatalf("after skipping the age: state %s, consented %v, age %q", s.State, s.Consented, s.Age)
		}
		h.press(chat, "Beginnen")
		h.expectLast(chat, h.visible("nl", "q.dreams"))
	})
	t.Run("younger than 16 by accident is undone with one press", func(t *testing.T) {
		h := h.with(t)
		const chat = 10404
		h.toAge(chat)
		h.press(chat, "Jonger dan 16")
		h.press(chat, h.visible("nl", "btn.age_undo"))
		h.expectLast(chat, h.visible("nl", "age.question"))
		h.press(chat, "18")
		if s := h.session(chat); s.Age != "18_21" || s.State != dialog.StateWelcome {
			t.Fatalf("after undoing: age %q, state %s", s.Age, s.State)
		}
	})
	t.Run("the age buttons are not where the consent button was", func(t *testing.T) {
		h := h.with(t)
		const chat = 10405
		m := h.toAge(chat)
		if b := m.Buttons(); len(b) == 0 || strings.Contains(b[0].Text, "Jonger dan 16") {
			t.Fatalf("first age button %+v: a second tap on 'Ik doe mee' ends the intake", b)
		}
	})
}

// Text on the consent screen gets a one-line hint, not the whole consent.
func TestTextOnTheConsentScreenGetsAHint(t *testing.T) {
	h := consentHarness(t)
	const chat = 10406
	h.say(chat, "/start")
	for _, text := range []string{"hoi", "stop"} {
		h.say(chat, text)
		m := h.last(chat)
		if n := utf8.RuneCountInString(m.Text); n > 200 {
			t.Fatalf("%q on the consent screen got %d characters back:\n%s", text, n, m.Text)
		}
		if _, ok := m.Button("Ik doe mee"); !ok {
			t.Fatalf("the hint has no button to agree: %+v", m.Buttons())
		}
	}
}
