package dialog

import "strings"

// typedCommand is the command a typed message stands for (Engine.Words),
// unless the question in front of the young person takes such words as
// answers (Question.WordsAreAnswers).
func (h *turn) typedCommand() (string, bool) {
	if len(h.e.Words) == 0 {
		return "", false
	}
	if h.s.Current != "" && (h.s.State == StateAsking || h.s.State == StatePaused) {
		if q, ok := h.f.Question(h.s.Current); ok && q.WordsAreAnswers {
			return "", false
		}
	}
	cmd, ok := h.e.Words[NormalizeWord(h.ev.Text)]
	return cmd, ok
}

// NormalizeWord is a typed message as it is looked up among the command
// words: lower case, without surrounding spaces and punctuation.
func NormalizeWord(s string) string {
	s = strings.ReplaceAll(strings.ToLower(s), "’", "'")
	return strings.Trim(s, " \t\r\n.!?,;:…/")
}

// wordCommand acts on a typed command word.
func (h *turn) wordCommand(cmd string) {
	switch cmd {
	case "help":
		h.help()
	case "done":
		if h.s.State == StateAsking {
			if q := h.f.mustQuestion(h.s.Current); q.Kind == KindMulti || q.Kind == KindList {
				h.questionAction(buttonData{act: actDone, question: q.ID, version: h.f.Version})
				h.toastAsMessage()
				return
			}
		}
		h.remind()
	case "stop":
		h.commandNamed("pause")
	default:
		h.commandNamed(cmd)
	}
}

// commandNamed runs a command as if it was sent as /name.
func (h *turn) commandNamed(name string) {
	h.ev.Command = name
	h.command()
}

// toastAsMessage says a toast in a message: a typed command has no press
// to show it on.
func (h *turn) toastAsMessage() {
	if t := h.res.Toast; t != nil {
		h.res.Toast = nil
		h.say(Message{Parts: []Text{*t}})
	}
}
