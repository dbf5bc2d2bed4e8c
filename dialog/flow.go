// Package dialog is the intake conversation: the questionnaire as data, the
// session of one young person, and the engine that turns a session and an
// event into a new session and the replies to show. It knows nothing of
// Telegram, Redis or i18n: replies carry message IDs and data, never text,
// and time comes from an injected clock, so every step is deterministic.
package dialog

import "slices"

// Kind is the shape of answer a question expects.
type Kind string

const (
	KindText   Kind = "text"   // free text with a length limit
	KindChoice Kind = "choice" // one option, by button
	KindMulti  Kind = "multi"  // several options, toggled by buttons, then done
	KindScale  Kind = "scale"  // a number from Min to Max, by button
	KindYesNo  Kind = "yesno"  // yes or no, by button
	KindList   Kind = "list"   // several short entries by message, then done
)

var kinds = []Kind{KindText, KindChoice, KindMulti, KindScale, KindYesNo, KindList}

// Option values of a yes/no question.
const (
	Yes = "yes"
	No  = "no"
)

// Defaults for limits a flow file may leave out.
const (
	DefaultTextMax     = 2000 // characters in a free-text answer
	DefaultItemMax     = 200  // characters in one list entry
	DefaultListMax     = 15   // entries in a list
	DefaultScaleMin    = 1
	DefaultScaleMax    = 5
	maxQuestionIDBytes = 24 // keeps button data under Telegram's 64 bytes
)

// Topic groups questions in the summary, in flow order.
type Topic struct {
	ID string `toml:"id"`
}

// Condition makes a question depend on an earlier answer: it is asked only
// when question Question was answered with one of AnyOf, or, when AnyOf is
// empty, answered at all (not skipped).
type Condition struct {
	Question string   `toml:"question"`
	AnyOf    []string `toml:"any_of"`
}

// Question is one step of the intake. Its texts are not here: they are
// messages in locales/, found by convention from the IDs (see MessageIDs).
type Question struct {
	ID       string     `toml:"id"`
	Topic    string     `toml:"topic"`
	Kind     Kind       `toml:"kind"`
	Options  []string   `toml:"options"`
	Required bool       `toml:"required"`
	Hint     bool       `toml:"hint"`
	MaxLen   int        `toml:"max_len"`
	MaxItems int        `toml:"max_items"`
	Min      int        `toml:"min"`
	Max      int        `toml:"max"`
	When     *Condition `toml:"when"`
	// Flags marks options the director must see at a glance: option ID ->
	// flag name (safety, income, urgency, ...), shown on top of the summary.
	Flags map[string]string `toml:"flags"`
	// Alert lists options whose choice signals acute risk ("I don't feel
	// safe right now"): chosen, they act like a message with crisis words.
	Alert []string `toml:"alert"`
	// WordsAreAnswers marks a question where a typed command word (klaar,
	// stop, ...) is a real answer, not the command (Engine.Words).
	WordsAreAnswers bool `toml:"words_are_answers"`
}

// Flow is a versioned questionnaire. Sessions remember the version they
// were answered under; answers carry over between versions by question ID.
type Flow struct {
	ID        string     `toml:"id"`
	Version   int        `toml:"version"`
	Topics    []Topic    `toml:"topics"`
	Questions []Question `toml:"questions"`
	// Essentials are the questions the director reads first, in this
	// order, above the topics.
	Essentials []string `toml:"essentials"`
	// ProView is the scale question staff answer too, with their own view
	// (never asked of the young person a second time).
	ProView string `toml:"professional_view"`

	index map[string]int
}

func (f *Flow) buildIndex() {
	f.index = make(map[string]int, len(f.Questions))
	for i, q := range f.Questions {
		f.index[q.ID] = i
	}
}

// Question returns the question with that ID.
func (f *Flow) Question(id string) (*Question, bool) {
	i, ok := f.index[id]
	if !ok {
		return nil, false
	}
	return &f.Questions[i], true
}

// OptionIDs returns the values a button question accepts.
func (q *Question) OptionIDs() []string {
	if q.Kind == KindYesNo {
		return []string{Yes, No}
	}
	return q.Options
}

func (q *Question) hasOption(v string) bool {
	return slices.Contains(q.OptionIDs(), v)
}

// Applies reports whether q is to be asked, given the answers so far.
func (f *Flow) Applies(q *Question, answers map[string]Answer) bool {
	if q.When == nil {
		return true
	}
	dep, ok := f.Question(q.When.Question)
	if !ok || !f.Applies(dep, answers) {
		return false
	}
	a, ok := answers[q.When.Question]
	if !ok || a.Skipped {
		return false
	}
	if len(q.When.AnyOf) == 0 {
		return true
	}
	for _, c := range a.Choices {
		if slices.Contains(q.When.AnyOf, c) {
			return true
		}
	}
	return false
}

// Applicable returns the IDs of the questions to ask, in order, given the
// answers so far.
func (f *Flow) Applicable(answers map[string]Answer) []string {
	ids := make([]string, 0, len(f.Questions))
	for i := range f.Questions {
		if f.Applies(&f.Questions[i], answers) {
			ids = append(ids, f.Questions[i].ID)
		}
	}
	return ids
}

// Possible returns the IDs of the questions that apply or may still
// apply, in order: a question whose condition waits on a question not
// answered yet counts. It is what the progress line counts.
func (f *Flow) Possible(answers map[string]Answer) []string {
	ids := make([]string, 0, len(f.Questions))
	for i := range f.Questions {
		if f.mayApply(&f.Questions[i], answers) {
			ids = append(ids, f.Questions[i].ID)
		}
	}
	return ids
}

func (f *Flow) mayApply(q *Question, answers map[string]Answer) bool {
	if q.When == nil {
		return true
	}
	dep, ok := f.Question(q.When.Question)
	if !ok || !f.mayApply(dep, answers) {
		return false
	}
	if _, answered := answers[dep.ID]; !answered {
		return true
	}
	return f.Applies(q, answers)
}

// TopicMessageID is the message that names a topic.
func TopicMessageID(topic string) string { return "topic." + topic }

// QuestionMessageID is the question as the young person reads it.
func QuestionMessageID(q string) string { return "q." + q }

// ShortMessageID is the question's short label in review and summary.
func ShortMessageID(q string) string { return "q." + q + ".short" }

// HintMessageID is an optional line under the question.
func HintMessageID(q string) string { return "q." + q + ".hint" }

// OptionMessageID is the label of an option of a question.
func OptionMessageID(q, option string) string {
	switch option {
	case Yes:
		return "answer.yes"
	case No:
		return "answer.no"
	}
	return "q." + q + "." + option
}

// MessageIDs lists every message the flow needs, so that a flow can be
// checked against the locales before the bot starts.
func (f *Flow) MessageIDs() []string {
	var ids []string
	for _, t := range f.Topics {
		ids = append(ids, TopicMessageID(t.ID))
	}
	for _, q := range f.Questions {
		ids = append(ids, QuestionMessageID(q.ID), ShortMessageID(q.ID))
		if q.Hint {
			ids = append(ids, HintMessageID(q.ID))
		}
		for _, o := range q.OptionIDs() {
			ids = append(ids, OptionMessageID(q.ID, o))
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Progress is how many of the questions to ask were answered or skipped,
// and how many there are, given the answers so far.
func (f *Flow) Progress(s Session) (done, total int) {
	for _, id := range f.Applicable(s.Answers) {
		total++
		if _, ok := s.Answers[id]; ok {
			done++
		}
	}
	return done, total
}
