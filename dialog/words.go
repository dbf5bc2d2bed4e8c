package dialog

import "strings"

// typedCommand is the command a typed message stands for (Engine.Words),
// unless the question shown takes such words as answers (WordsAreAnswers).
func typedCommand(h *turn) (string, bool) {
	if q, ok := h.f.Question(h.s.Current); ok && q.WordsAreAnswers && (h.s.State == StateAsking || h.s.State == StatePaused) {
		return "", false
	}
	cmd, ok := h.e.Words[NormalizeWord(h.ev.Text)]
	// Before the questions only help is a command: the rest gets the hint.
	gate := h.s.State == StateNew || h.s.State == StateConsent || h.s.State == StateAge
	return cmd, ok && (cmd == "help" || !gate)
}

// NormalizeWord is a typed message as it is looked up among the command
// words: lower case, without surrounding spaces and punctuation.
func NormalizeWord(s string) string {
	return strings.Trim(strings.ReplaceAll(strings.ToLower(s), "’", "'"), " \t\r\n.!?,;:…/")
}

// wordCommand acts on a typed command word: done finishes a list or a
// multi-select (elsewhere it reminds), stop pauses, the rest are commands.
func wordCommand(h *turn, cmd string) {
	switch q, _ := h.f.Question(h.s.Current); {
	case cmd == "help":
		h.help()
	case cmd == "done" && h.s.State == StateAsking && (q.Kind == KindMulti || q.Kind == KindList):
		h.questionAction(buttonData{act: actDone, question: q.ID, version: h.f.Version})
		toastAsMessage(h)
	case cmd == "done":
		h.remind()
	default:
		h.ev.Command = strings.Replace(cmd, "stop", "pause", 1)
		h.command()
	}
}

// toastAsMessage says a toast in a message: a typed command has no press
// to show it on.
func toastAsMessage(h *turn) {
	if t := h.res.Toast; t != nil {
		h.res.Toast = nil
		h.say(Message{Parts: []Text{*t}})
	}
}
