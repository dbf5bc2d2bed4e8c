package bot_test

import "testing"

// A disclosure that an exception used to swallow, and one in disguise
// (look-alike Cyrillic letters, a zero-width space, digits for letters),
// reach the chat as the caring line and the crisis lines, each in its own
// chat, through the real client and the fake Bot API.
func TestDisguisedDisclosuresShowTheLines(t *testing.T) {
	h := prepare(t, nil)
	withCrisisWords(t, h.engine)
	h.start()
	for i, text := range []string{
		"i cut myself a lot",
		"ik snij me een paar keer per week",
		"і сut mуsеlf еvеrу nіght", // Cyrillic і, с, у, е
		"ik wil d\u200bo\u200bo\u200bd",
		"ik denk aan z3lfm00rd",
		"i want to k i l l m y s e l f",
	} {
		chat := int64(4401 + i)
		h.begin(chat)
		mark := h.lastID(chat)
		h.say(chat, text)
		h.expectSaid(chat, mark, h.visible("nl", "help.crisis.signal"))
		h.expectSaid(chat, mark, h.visible("nl", "help.crisis.nl"))
		if s := h.session(chat); len(s.Signals) != 1 {
			t.Errorf("%q: signals %+v", text, s.Signals)
		}
	}
}
