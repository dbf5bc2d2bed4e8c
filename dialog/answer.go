package dialog

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

func (h *turn) answerButton(q *Question, arg string) {
	switch q.Kind {
	case KindChoice, KindYesNo:
		if !q.hasOption(arg) {
			h.stale()
			return
		}
		h.record(q, Answer{Choices: []string{arg}, At: h.now})
	case KindScale:
		n, err := strconv.Atoi(arg)
		if err != nil || n < q.Min || n > q.Max {
			h.stale()
			return
		}
		h.record(q, Answer{Scale: n, At: h.now})
	default:
		h.stale()
		return
	}
	h.say(h.answered(q))
	h.advance(q)
}

func (h *turn) toggle(q *Question, opt string) {
	if q.Kind != KindMulti || !q.hasOption(opt) {
		h.stale()
		return
	}
	s := h.s
	if i := slices.Index(s.Draft, opt); i >= 0 {
		s.Draft = slices.Delete(s.Draft, i, i+1)
	} else {
		s.Draft = append(s.Draft, opt)
	}
	// Keep the flow's order, so the same choice always reads the same.
	s.Draft = slices.DeleteFunc(slices.Clone(q.Options), func(o string) bool { return !slices.Contains(s.Draft, o) })
	m := h.ask(q)
	m.Edit = true
	h.say(m)
}

func (h *turn) done(q *Question) {
	s := h.s
	if q.Kind != KindMulti && q.Kind != KindList {
		h.stale()
		return
	}
	if len(s.Draft) == 0 {
		if q.Required {
			if q.Kind == KindMulti {
				h.toast(T("choose_one"))
			} else {
				h.toast(T("required"))
			}
			return
		}
		h.record(q, Answer{Skipped: true, At: h.now})
	} else if q.Kind == KindMulti {
		h.record(q, Answer{Choices: slices.Clone(s.Draft), At: h.now})
	} else {
		h.record(q, Answer{Items: slices.Clone(s.Draft), At: h.now})
	}
	h.say(h.answered(q))
	h.advance(q)
}

// answerText takes a typed message as the answer to q.
func (h *turn) answerText(q *Question, text string) {
	text = strings.TrimSpace(text)
	switch q.Kind {
	case KindText:
		if text == "" {
			h.remind()
			return
		}
		if n := utf8.RuneCountInString(text); n > q.MaxLen {
			h.say(Message{Parts: []Text{T("text.too_long", "Len", n, "Max", q.MaxLen)}})
			return
		}
		h.tookText = q.ID
		h.record(q, Answer{Text: text, At: h.now})
		h.advance(q)
	case KindList:
		list{h}.addItems(q, text)
	case KindScale:
		// A typed number is as good as a press, on a phone without buttons.
		if n, err := strconv.Atoi(text); err == nil && n >= q.Min && n <= q.Max {
			h.record(q, Answer{Scale: n, At: h.now})
			h.advance(q)
			return
		}
		h.note(q)
	default:
		h.note(q)
	}
}

// list is the turn on a list question: entries added and removed.
type list struct{ *turn }

// addItems adds each line of a message as an entry of a list question.
func (h list) addItems(q *Question, text string) {
	s := h.s
	var items []string
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if utf8.RuneCountInString(line) > q.MaxLen {
			h.say(Message{Parts: []Text{T("list.item_too_long", "Max", q.MaxLen)}})
			return
		}
		items = append(items, line)
	}
	if len(items) == 0 {
		h.remind()
		return
	}
	h.tookText = q.ID
	for _, it := range items {
		if len(s.Draft) < q.MaxItems {
			s.Draft = append(s.Draft, it)
		}
	}
	if len(s.Draft) >= q.MaxItems {
		h.record(q, Answer{Items: slices.Clone(s.Draft), At: h.now})
		// Entries past the limit are not kept: show what was, so that none
		// is lost without the young person seeing it.
		h.say(Message{Parts: []Text{
			T("list.full", "Count", q.MaxItems),
			T("answer.yours", "Answer", answerValues(q, h.s.Answers[q.ID])),
		}})
		h.advance(q)
		return
	}
	h.say(h.listStatus(q, T("list.added", "Count", len(s.Draft))))
}

// listStatus is a list being filled in: its entries so far, a button to
// remove each on its own, Klaar, and the way back, on or out.
func (h list) listStatus(q *Question, head Text) Message {
	draft := h.s.Draft
	parts := []Text{head}
	var rows [][]Button
	if len(draft) > 0 {
		parts = append(parts, T("answer.current", "Answer", answerValues(q, Answer{Items: draft})))
		rows = append(rows, []Button{{Label: T("btn.done"), Data: h.f.data(actDone, q.ID, "")}})
		for i, it := range draft {
			rows = append(rows, []Button{{Label: T("btn.remove_item", "Item", shorten(it, 28)), Data: h.f.data(actRemove, q.ID, strconv.Itoa(i))}})
		}
	}
	return Message{Parts: parts, Buttons: append(rows, h.navRow(q))}
}

// shorten cuts s to at most n characters, marking a cut with an ellipsis.
func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// removeItem takes one entry out of the list being filled in.
func (h list) removeItem(q *Question, arg string) {
	i, err := strconv.Atoi(arg)
	if q.Kind != KindList || err != nil || i < 0 || i >= len(h.s.Draft) {
		h.stale()
		return
	}
	h.s.Draft = slices.Delete(h.s.Draft, i, i+1)
	m := h.listStatus(q, T("list.removed", "Count", len(h.s.Draft)))
	m.Edit = true
	h.say(m)
}

// keep goes on from a question asked again, leaving its answer as it was.
func (h *turn) keep(q *Question) {
	if _, ok := h.s.Answers[q.ID]; !ok {
		h.stale()
		return
	}
	h.say(h.answered(q))
	h.advance(q)
}

func (h *turn) record(q *Question, a Answer) {
	if h.s.Answers == nil {
		h.s.Answers = map[string]Answer{}
	}
	h.s.Answers[q.ID] = a
	h.checkChoice(q, a)
}

// answered is the question message as it reads once answered: the
// question with the answer under it, and no buttons left to press.
func (h *turn) answered(q *Question) Message {
	parts := h.questionParts(q, false)
	parts = append(parts, T("answer.yours", "Answer", answerValues(q, h.s.Answers[q.ID])))
	return Message{Parts: parts, Edit: true, Echo: true}
}

// answerValues is an answer as texts to show: option labels, entries, the
// text itself, or "skipped".
func answerValues(q *Question, a Answer) []Text {
	if a.Skipped {
		return []Text{T("answer.skipped")}
	}
	switch q.Kind {
	case KindChoice, KindMulti, KindYesNo:
		out := make([]Text, 0, len(a.Choices))
		for _, c := range a.Choices {
			out = append(out, T(OptionMessageID(q.ID, c)))
		}
		return out
	case KindScale:
		return []Text{T("answer.scale", "Value", a.Scale, "Max", q.Max)}
	case KindList:
		out := make([]Text, 0, len(a.Items))
		for _, it := range a.Items {
			out = append(out, Raw(it))
		}
		return out
	}
	return []Text{Raw(a.Text)}
}
