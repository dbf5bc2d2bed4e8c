package dialog

import (
	"slices"
	"time"
)

// Summary is the intake as the director reads it: answers grouped by topic
// in flow order, with skipped questions named. It holds IDs and the young
// person's own words; each edge renders it in the reader's language.
type Summary struct {
	FlowID      string
	FlowVersion int
	Lang        string // the young person's language
	Started     time.Time
	Submitted   time.Time // zero while not approved
	Topics      []SummaryTopic
	// Skipped lists the questions passed over or not reached yet (Open),
	// in flow order.
	Skipped []SummaryItem
	// Count is the number of questions that apply: answered, skipped or open.
	Count int
	// Flags are the flag names of the options chosen (Question.Flags),
	// sorted, each once: what the director must see first. FlagAcute is
	// among them when the young person signalled acute risk.
	Flags []string
	// Essentials are the questions a director reads first (Flow.Essentials).
	Essentials []string
	// Signals are the moments acute risk was signalled, oldest first:
	// when and where, never what was said.
	Signals []SummarySignal
}

// FlagAcute is the flag of a summary with signals of acute risk.
const FlagAcute = "acute"

// SummarySignal is one signal of acute risk as the director reads it.
type SummarySignal struct {
	At time.Time
	// Where is the question's short label (signal.where.question), "in a
	// message" or "via /urgent".
	Where Text
}

// SummaryTopic is one topic with its questions.
type SummaryTopic struct {
	Topic Text
	Items []SummaryItem
}

// SummaryItem is one question with its answer. N is its number in the
// review, by which the young person can change it.
type SummaryItem struct {
	N          int
	QuestionID string
	Label      Text
	Values     []Text
	Skipped    bool
	// Open marks a question not reached yet (a summary before the end).
	Open bool
	// Flags are the flags this answer raised (Question.Flags).
	Flags []string
}

// BuildSummary makes the summary of a session under flow f. Only questions
// that apply given the answers are listed: an answer to a question that a
// later change made irrelevant is not sent.
func BuildSummary(f *Flow, s Session) Summary {
	sum := Summary{FlowID: f.ID, FlowVersion: f.Version, Lang: s.Lang, Started: s.Started, Submitted: s.Submitted, Essentials: f.Essentials}
	byTopic := map[string][]SummaryItem{}
	for i, id := range f.Applicable(s.Answers) {
		q, _ := f.Question(id)
		a, answered := s.Answers[id]
		it := SummaryItem{N: i + 1, QuestionID: id, Label: T(ShortMessageID(id)), Skipped: a.Skipped, Open: !answered}
		if answered {
			it.Values = answerValues(q, a)
		}
		for _, n := range s.Notes[id] {
			it.Values = append(it.Values, T("answer.note", "Note", Raw(n)))
		}
		if a.Skipped || !answered {
			sum.Skipped = append(sum.Skipped, it)
		}
		sum.Count++
		for _, c := range a.Choices {
			if flag, ok := q.Flags[c]; ok && !a.Skipped {
				it.Flags = append(it.Flags, flag)
				if !slices.Contains(sum.Flags, flag) {
					sum.Flags = append(sum.Flags, flag)
				}
			}
		}
		byTopic[q.Topic] = append(byTopic[q.Topic], it)
	}
	for _, sg := range s.Signals {
		sum.Signals = append(sum.Signals, SummarySignal{At: sg.At, Where: signalWhere(f, sg.Source)})
	}
	if len(sum.Signals) > 0 && !slices.Contains(sum.Flags, FlagAcute) {
		sum.Flags = append(sum.Flags, FlagAcute)
	}
	slices.Sort(sum.Flags)
	for _, t := range f.Topics {
		if items := byTopic[t.ID]; len(items) > 0 {
			sum.Topics = append(sum.Topics, SummaryTopic{Topic: T(TopicMessageID(t.ID)), Items: items})
		}
	}
	return sum
}

// SignalWhere names where a signal came from, as the summary does: the
// question's short label, "in a message" or "via /urgent" (/mydata).
func SignalWhere(f *Flow, source string) Text { return signalWhere(f, source) }

// signalWhere names where a signal came from.
func signalWhere(f *Flow, source string) Text {
	switch source {
	case SignalMessage:
		return T("signal.where.message")
	case SignalUrgent:
		return T("signal.where.urgent")
	}
	if _, ok := f.Question(source); ok {
		return T("signal.where.question", "Question", T(ShortMessageID(source)))
	}
	return T("signal.where.answer")
}
