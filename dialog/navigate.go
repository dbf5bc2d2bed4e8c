package dialog

import (
	"slices"
	"strconv"
)

// nextOpen is the first applicable question without an answer, looking
// after question `after` first and then from the start (an edit can open a
// question earlier in the flow).
func (h *turn) nextOpen(after string) (string, bool) {
	ids := h.f.Applicable(h.s.Answers)
	start := 0
	if i := slices.Index(ids, after); i >= 0 {
		start = i + 1
	}
	for _, ids := range [][]string{ids[start:], ids[:start]} {
		for _, id := range ids {
			if _, done := h.s.Answers[id]; !done {
				return id, true
			}
		}
	}
	return "", false
}

// advance moves on after q was answered, kept or skipped: to the next
// question on the young person's path, also when they answered it before
// (they went back and walk forward again, each answer shown with a way on
// that keeps it); from a question opened in the review to the next open one.
func (h *turn) advance(q *Question) {
	s := h.s
	s.History = append(slices.DeleteFunc(s.History, func(id string) bool { return id == q.ID }), q.ID)
	s.Draft = nil
	if !s.Editing {
		// The next question not left yet: open, or answered but gone back
		// over (back takes a question off the history).
		ids := h.f.Applicable(s.Answers)
		if i := slices.Index(ids, q.ID); i >= 0 {
			for _, id := range ids[i+1:] {
				if _, answered := s.Answers[id]; !answered || !slices.Contains(s.History, id) {
					h.goTo(id)
					return
				}
			}
		}
	}
	if next, ok := h.nextOpen(q.ID); ok {
		h.goTo(next)
		return
	}
	s.Current, s.Editing = "", false
	h.review()
}

func (h *turn) goTo(id string) {
	q := h.f.mustQuestion(id)
	h.s.State, h.s.Current = StateAsking, id
	h.seedDraft(q)
	h.say(h.ask(q))
}

// back returns to the question answered before this one, on the young
// person's own path. From a question opened in the review it returns there.
func (h *turn) back(q *Question) {
	s := h.s
	// The entries of a list typed so far are kept: they are its answer
	// until the young person comes back to it.
	if q.Kind == KindList && len(s.Draft) > 0 {
		h.record(q, Answer{Items: slices.Clone(s.Draft), At: h.now})
	}
	if s.Editing {
		s.Current, s.Editing, s.Draft = "", false, nil
		h.review()
		return
	}
	for len(s.History) > 0 {
		prev := s.History[len(s.History)-1]
		s.History = s.History[:len(s.History)-1]
		pq, ok := h.f.Question(prev)
		if !ok || !h.f.Applies(pq, s.Answers) || prev == q.ID {
			continue
		}
		s.Current = prev
		h.seedDraft(pq)
		m := h.ask(pq)
		m.Edit = true
		h.say(m)
		return
	}
	h.toast(T("back.first"))
}

// seedDraft starts a multi-select or list from its earlier answer, so that
// going back shows what was chosen.
func (h *turn) seedDraft(q *Question) {
	a := h.s.Answers[q.ID]
	switch q.Kind {
	case KindMulti:
		h.s.Draft = slices.Clone(a.Choices)
	case KindList:
		h.s.Draft = slices.Clone(a.Items)
	default:
		h.s.Draft = nil
	}
}

// position is the question's number and the total shown. The total is
// the count of the questions that may still be asked of s, but never more
// than a total shown before in this intake (Session.Total): it falls as
// answers close questions off and never rises, also when going back opens
// them again. The number counts back from the total by the questions still
// possible from id on, so that the last one is always "Total of Total".
func (f *Flow) position(s *Session, id string) (int, int) {
	ids := f.Possible(s.Answers)
	total := len(ids)
	if s.Total > 0 {
		total = min(total, s.Total)
	}
	s.Total = total
	i := slices.Index(ids, id)
	if i < 0 {
		return 0, total
	}
	return max(1, total-(len(ids)-i)+1), total
}

// questionParts are the progress line, the question and its hint.
func (h *turn) questionParts(q *Question, withCurrent bool) []Text {
	n, total := h.f.position(h.s, q.ID)
	parts := []Text{
		T("progress", "N", n, "Total", total, "Topic", T(TopicMessageID(q.Topic))),
		T(QuestionMessageID(q.ID)),
	}
	if q.Hint {
		parts = append(parts, T(HintMessageID(q.ID)))
	}
	if !withCurrent {
		return parts
	}
	// A list being filled in shows its entries so far in place of the
	// earlier answer; a multi-select shows its choices as ticks instead.
	if q.Kind == KindList && len(h.s.Draft) > 0 {
		parts = append(parts, T("answer.current", "Answer", answerValues(q, Answer{Items: h.s.Draft})))
	} else if a, ok := h.s.Answers[q.ID]; ok && q.Kind != KindMulti {
		parts = append(parts, T("answer.current", "Answer", answerValues(q, a)))
	}
	return parts
}

// ask is the message that asks q, with its buttons.
func (h *turn) ask(q *Question) Message {
	var rows [][]Button
	current, answered := h.s.Answers[q.ID]
	switch q.Kind {
	case KindChoice:
		for _, o := range q.Options {
			rows = append(rows, []Button{{Label: T(OptionMessageID(q.ID, o)), Data: h.f.data(actAnswer, q.ID, o), Checked: slices.Contains(current.Choices, o)}})
		}
	case KindYesNo:
		var row []Button
		for _, o := range q.OptionIDs() {
			row = append(row, Button{Label: T(OptionMessageID(q.ID, o)), Data: h.f.data(actAnswer, q.ID, o), Checked: slices.Contains(current.Choices, o)})
		}
		rows = append(rows, row)
	case KindScale:
		var row []Button
		for n := q.Min; n <= q.Max; n++ {
			v := strconv.Itoa(n)
			row = append(row, Button{Label: Raw(v), Data: h.f.data(actAnswer, q.ID, v), Checked: answered && !current.Skipped && current.Scale == n})
		}
		rows = append(rows, row)
	case KindMulti:
		for _, o := range q.Options {
			rows = append(rows, []Button{{Label: T(OptionMessageID(q.ID, o)), Data: h.f.data(actToggle, q.ID, o), Checked: slices.Contains(h.s.Draft, o)}})
		}
		rows = append(rows, []Button{{Label: T("btn.done"), Data: h.f.data(actDone, q.ID, "")}})
	case KindList:
		rows = list{h}.listStatus(q, Text{}).Buttons
		rows = rows[:len(rows)-1]
	}
	if answered && !current.Skipped && q.Kind != KindMulti && q.Kind != KindList {
		rows = append(rows, []Button{{Label: T("btn.keep"), Data: h.f.data(actKeep, q.ID, "")}})
	}
	return Message{Parts: h.questionParts(q, true), Buttons: append(rows, h.navRow(q))}
}

// navRow is the row of back, skip and pause under a question.
func (h *turn) navRow(q *Question) []Button {
	var nav []Button
	if len(h.s.History) > 0 || h.s.Editing {
		nav = append(nav, Button{Label: T("btn.back"), Data: h.f.data(actBack, q.ID, "")})
	}
	if !q.Required {
		nav = append(nav, Button{Label: T("btn.skip"), Data: h.f.data(actSkip, q.ID, "")})
	}
	return append(nav, Button{Label: T("btn.pause"), Data: h.f.data(actPause, q.ID, "")})
}

// review shows every answer with a number to change it, and the button
// that approves and sends the intake.
func (h *turn) review() {
	s := h.s
	s.State, s.Current, s.Editing, s.Draft = StateReview, "", false, nil
	sum := BuildSummary(h.f, *s)
	intro := T("review.intro")
	if len(sum.Skipped) == sum.Count {
		intro = T("review.empty")
	}
	h.say(Message{Parts: []Text{intro}, Summary: &sum, Buttons: h.reviewButtons()})
}

func (h *turn) reviewButtons() [][]Button {
	var rows [][]Button
	var row []Button
	for i, id := range h.f.Applicable(h.s.Answers) {
		row = append(row, Button{Label: Raw(strconv.Itoa(i + 1)), Data: h.f.data(actEdit, id, "")})
		if len(row) == 6 {
			rows, row = append(rows, row), nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	rows = append(rows,
		[]Button{{Label: T("btn.send"), Data: h.f.data(actSend, "", "")}},
		[]Button{{Label: T("btn.pause"), Data: h.f.data(actPause, "", "")}},
	)
	return rows
}
