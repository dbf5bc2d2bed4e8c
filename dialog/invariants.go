package dialog

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// CheckSession reports the first way in which s is not a valid session of
// flow f. The engine keeps every session valid; tests and the fuzz target
// hold it to that, and storage can refuse a record that fails it.
func (f *Flow) CheckSession(s Session) error {
	switch s.State {
	case StateNew, StateConsent, StateAge, StateWelcome, StateReview, StateSubmitted:
		if s.Current != "" || s.Editing {
			return fmt.Errorf("state %s with a current question", s.State)
		}
	case StateAsking, StatePaused:
		if s.Current == "" && s.State == StateAsking {
			return fmt.Errorf("asking without a current question")
		}
		if s.Current != "" {
			q, ok := f.Question(s.Current)
			if !ok {
				return fmt.Errorf("current question %q not in flow", s.Current)
			}
			if !f.Applies(q, s.Answers) {
				return fmt.Errorf("current question %q does not apply", s.Current)
			}
			if err := checkDraft(q, s.Draft); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("unknown state %q", s.State)
	}
	if s.Pending != "" && (s.State != StateAsking || s.Current == "") {
		return fmt.Errorf("a kept message outside a question")
	}
	if s.Current == "" && len(s.Draft) > 0 {
		return fmt.Errorf("draft without a current question")
	}
	if s.FlowID != "" && (s.FlowID != f.ID || s.FlowVersion != f.Version) {
		return fmt.Errorf("session of flow %s v%d, engine has %s v%d", s.FlowID, s.FlowVersion, f.ID, f.Version)
	}
	for id, a := range s.Answers {
		q, ok := f.Question(id)
		if !ok {
			return fmt.Errorf("answer to unknown question %q", id)
		}
		if err := checkAnswer(q, a); err != nil {
			return err
		}
	}
	for _, id := range s.History {
		if _, ok := f.Question(id); !ok {
			return fmt.Errorf("history names unknown question %q", id)
		}
	}
	if s.Age != "" && !slices.Contains(AgeBrackets, s.Age) {
		return fmt.Errorf("unknown age bracket %q", s.Age)
	}
	if len(s.Signals) > MaxSignals {
		return fmt.Errorf("%d signals, at most %d are kept", len(s.Signals), MaxSignals)
	}
	if s.State == StateSubmitted && s.Submitted.IsZero() {
		return fmt.Errorf("submitted without a time")
	}
	return nil
}

func checkDraft(q *Question, draft []string) error {
	switch q.Kind {
	case KindMulti:
		for _, d := range draft {
			if !q.hasOption(d) {
				return fmt.Errorf("draft of %q holds unknown option", q.ID)
			}
		}
	case KindList:
		if len(draft) > q.MaxItems {
			return fmt.Errorf("draft of %q over %d entries", q.ID, q.MaxItems)
		}
	default:
		if len(draft) > 0 {
			return fmt.Errorf("draft on a %s question", q.Kind)
		}
	}
	return nil
}

func checkAnswer(q *Question, a Answer) error {
	if a.Skipped {
		if q.Required {
			return fmt.Errorf("required %q skipped", q.ID)
		}
		return nil
	}
	switch q.Kind {
	case KindText:
		if a.Text == "" || utf8.RuneCountInString(a.Text) > q.MaxLen {
			return fmt.Errorf("text answer of %q empty or too long", q.ID)
		}
	case KindChoice, KindYesNo:
		if len(a.Choices) != 1 || !q.hasOption(a.Choices[0]) {
			return fmt.Errorf("choice answer of %q invalid", q.ID)
		}
	case KindMulti:
		if len(a.Choices) == 0 || len(slices.Compact(slices.Sorted(slices.Values(a.Choices)))) != len(a.Choices) {
			return fmt.Errorf("multi answer of %q empty or doubled", q.ID)
		}
		for _, c := range a.Choices {
			if !q.hasOption(c) {
				return fmt.Errorf("multi answer of %q holds unknown option", q.ID)
			}
		}
	case KindScale:
		if a.Scale < q.Min || a.Scale > q.Max {
			return fmt.Errorf("scale answer of %q out of range", q.ID)
		}
	case KindList:
		if len(a.Items) == 0 || len(a.Items) > q.MaxItems {
			return fmt.Errorf("list answer of %q has %d entries", q.ID, len(a.Items))
		}
	}
	return nil
}
