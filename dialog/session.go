package dialog

import (
	"maps"
	"slices"
	"time"
)

// State is where a session stands in the intake.
type State string

const (
	// StateNew is a session that has not seen the welcome yet.
	StateNew State = "new"
	// StateConsent waits for consent (Engine.Consent): nothing but the
	// link to the director is kept before it.
	StateConsent State = "consent"
	// StateAge waits for the age bracket, right after consent.
	StateAge State = "age"
	// StateWelcome waits for the young person to press start.
	StateWelcome State = "welcome"
	// StateAsking waits for an answer to Session.Current.
	StateAsking State = "asking"
	// StatePaused keeps everything; the next message resumes.
	StatePaused State = "paused"
	// StateReview shows every answer and waits for a change or the approval.
	StateReview State = "review"
	// StateSubmitted is an approved intake; its answers are final.
	StateSubmitted State = "submitted"
)

// Answer is what a young person gave for one question. Exactly one of the
// value fields is meaningful, by the question's kind; Skipped marks a
// question they chose to pass.
type Answer struct {
	Skipped bool      `json:"skipped,omitempty"`
	Text    string    `json:"text,omitempty"`
	Choices []string  `json:"choices,omitempty"`
	Items   []string  `json:"items,omitempty"`
	Scale   int       `json:"scale,omitempty"`
	At      time.Time `json:"at"`
}

// Session is one young person's intake. It is plain data: the engine
// computes a new Session from an old one and an Event, and storage keeps it.
type Session struct {
	// Key is the stable ID of the conversation (for Telegram: the private chat ID).
	Key         string `json:"key"`
	FlowID      string `json:"flow_id"`
	FlowVersion int    `json:"flow_version"`
	Lang        string `json:"lang"`
	State       State  `json:"state"`
	// Current is the question being asked (StateAsking) or the one that a
	// pause or restart prompt will return to.
	Current string `json:"current,omitempty"`
	// History holds the questions answered or skipped, in the order they were
	// left, so that "back" retraces the young person's own path.
	History []string          `json:"history,omitempty"`
	Answers map[string]Answer `json:"answers,omitempty"`
	// Draft holds the toggles of a multi-select or the entries of a list
	// that is not finished yet.
	Draft []string `json:"draft,omitempty"`
	// Pending is a message kept after a pause or a long silence, until the
	// young person confirms with one press that it answers the question
	// shown; it lasts one turn (their next message is the answer itself).
	Pending string `json:"pending,omitempty"`
	// Total is the lowest total of questions shown (Flow.position), so
	// that the total never rises within an intake.
	Total int `json:"total,omitempty"`
	// Notes are messages typed on a button question, by question ID: not
	// its answer, kept beside it for the director (at most MaxNotes each).
	Notes map[string][]string `json:"notes,omitempty"`
	// Editing is set when a question is asked again from the review: after
	// the answer the young person returns to the review.
	Editing bool `json:"editing,omitempty"`
	// DirectorName is the first name of the young person's director, set
	// by the edge when an invite links them; the consent screen names them.
	DirectorName string `json:"director_name,omitempty"`
	// Consented is when the young person agreed to take part, and Age the
	// age bracket they gave then (an option of AgeBrackets).
	Consented time.Time `json:"consented,omitzero"`
	Age       string    `json:"age,omitempty"`
	Started   time.Time `json:"started"`
	Updated   time.Time `json:"updated"`
	Submitted time.Time `json:"submitted,omitzero"`
	// Signals are the latest moments (at most MaxSignals) the young person
	// signalled acute risk; the summary flags them. Never the words.
	Signals []Signal `json:"signals,omitempty"`
	// Version counts saves; storage uses it for compare-and-set.
	Version int64 `json:"version"`
	// LastUpdateID is the highest transport update applied to this session.
	LastUpdateID int64 `json:"last_update_id,omitempty"`
	// Recent holds the IDs of the last updates applied, oldest first, so
	// that a redelivered update is recognised and changes nothing - also
	// when updates of one chat arrive out of order (webhook replicas).
	Recent []int64 `json:"recent,omitempty"`
}

// Clone returns a deep copy, so that the engine never changes its input.
func (s Session) Clone() Session {
	c := s
	c.History = slices.Clone(s.History)
	c.Draft = slices.Clone(s.Draft)
	c.Recent = slices.Clone(s.Recent)
	c.Signals = slices.Clone(s.Signals)
	c.Notes = maps.Clone(s.Notes)
	for k, n := range c.Notes {
		c.Notes[k] = slices.Clone(n)
	}
	if s.Answers != nil {
		c.Answers = make(map[string]Answer, len(s.Answers))
		for k, a := range s.Answers {
			a.Choices = slices.Clone(a.Choices)
			a.Items = slices.Clone(a.Items)
			c.Answers[k] = a
		}
	}
	return c
}

// Equal reports whether two sessions hold the same data; tests and the
// fuzz target use it to prove that an event changed nothing.
func (s Session) Equal(o Session) bool {
	if s.Key != o.Key || s.FlowID != o.FlowID || s.FlowVersion != o.FlowVersion ||
		s.Lang != o.Lang || s.State != o.State || s.Current != o.Current ||
		s.DirectorName != o.DirectorName || !s.Consented.Equal(o.Consented) || s.Age != o.Age ||
		s.Editing != o.Editing || s.Pending != o.Pending || s.Total != o.Total || !s.Started.Equal(o.Started) ||
		!s.Updated.Equal(o.Updated) || !s.Submitted.Equal(o.Submitted) ||
		s.Version != o.Version || s.LastUpdateID != o.LastUpdateID ||
		!slices.Equal(s.History, o.History) || !slices.Equal(s.Draft, o.Draft) ||
		!slices.Equal(s.Recent, o.Recent) || !maps.EqualFunc(s.Notes, o.Notes, slices.Equal) ||
		!slices.EqualFunc(s.Signals, o.Signals, func(a, b Signal) bool {
			return a.At.Equal(b.At) && a.Source == b.Source && a.Quiet == b.Quiet
		}) {
		return false
	}
	return maps.EqualFunc(s.Answers, o.Answers, func(a, b Answer) bool {
		return a.Skipped == b.Skipped && a.Text == b.Text && a.Scale == b.Scale &&
			a.At.Equal(b.At) && slices.Equal(a.Choices, b.Choices) && slices.Equal(a.Items, b.Items)
	})
}

// RecentUpdates is how many applied update IDs a session remembers.
const RecentUpdates = 32

// Seen reports whether the update was applied already: it is one of the
// recent ones, or older than all of them (Telegram redelivers within
// minutes, long before 32 newer updates of the same chat were applied).
func (s Session) Seen(updateID int64) bool {
	if slices.Contains(s.Recent, updateID) {
		return true
	}
	return len(s.Recent) >= RecentUpdates && updateID < slices.Min(s.Recent)
}

func (s *Session) markApplied(updateID int64) {
	s.Recent = append(s.Recent, updateID)
	if len(s.Recent) > RecentUpdates {
		s.Recent = slices.Delete(s.Recent, 0, len(s.Recent)-RecentUpdates)
	}
	s.LastUpdateID = max(s.LastUpdateID, updateID)
}
