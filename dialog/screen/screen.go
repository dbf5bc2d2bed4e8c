// Package screen holds the plain parts of what the intake engine (package
// dialog) shows and records: a Text to localise, a Button, the crisis
// lines, a Signal of acute risk and the kind of alert it asks for. It
// stands alone; dialog gives each its name there (dialog.Text, dialog.T, ...).
package screen

import "time"

// Text is a message ID with its variables; the edge localises it. A Raw text
// is shown as it is (user text, numbers) and is escaped by the edge. Vars
// may hold strings (escaped by the edge), ints, a Text or a []Text
// (localised by the edge). A var named Count drives plural forms.
type Text struct {
	ID   string
	Vars map[string]any
	Raw  string
	// Lang renders this text in another language than the session's
	// (language names in the language picker).
	Lang string
}

// T makes a Text from a message ID and pairs of variable names and values.
func T(id string, kv ...any) Text {
	t := Text{ID: id}
	if len(kv) > 1 {
		t.Vars = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			t.Vars[kv[i].(string)] = kv[i+1]
		}
	}
	return t
}

// Raw makes a Text that is shown verbatim (escaped by the edge).
func Raw(s string) Text { return Text{Raw: s} }

// Button is one inline button. Checked marks a selected option of a
// multi-select, which the edge shows with a tick.
type Button struct {
	Label   Text
	Data    string
	Checked bool
}

// AlertKind says why a person must be reached now.
type AlertKind string

const (
	// AlertNone: nothing to do.
	AlertNone AlertKind = ""
	// AlertUrgent: the young person asked for someone now (/urgent).
	AlertUrgent AlertKind = "urgent"
	// AlertSignal: an answer or a message signalled acute risk (a crisis
	// option such as "I don't feel safe", or words of the crisis lists).
	AlertSignal AlertKind = "signal"
)

// Signal is one moment the young person signalled acute risk: an answer
// with an alert option, a message with words of the crisis lists, or
// /urgent. It says when and where, never what was said.
type Signal struct {
	At time.Time `json:"at"`
	// Source is the question ID of an answer, SignalMessage for other text,
	// SignalUrgent for /urgent.
	Source string `json:"source"`
	// Quiet marks a signal that came within SignalQuiet of an earlier one
	// of the same source: recorded and answered with the lines, but no
	// alert went out for it.
	Quiet bool `json:"quiet,omitempty"`
}

// Sources of a Signal that are not a question.
const (
	SignalMessage = "message"
	SignalUrgent  = "urgent"
)

const (
	// MaxSignals is how many signals a session keeps, the latest.
	MaxSignals = 20
	// SignalQuiet is how long after a signal that was alerted the same
	// signal again (the same source: the same question, or again a message
	// that is no answer) raises no alert of its own: the people on call
	// are not told twice of one thing. The young person gets the caring
	// reply with the lines every time, and a different signal updates the
	// open alert. /urgent is never held back.
	SignalQuiet = 10 * time.Minute
)

// CrisisLines is the text with the crisis lines of a country ("nl" or
// "be"; "" is "nl") that fit an age bracket of AgeBrackets; with an
// unknown age every line shows. Every place that shows the lines (/help,
// the consent screen, /urgent, a signal) uses it.
func CrisisLines(country, age string) Text {
	if country == "" {
		country = "nl"
	}
	t := Text{ID: "help.crisis." + country}
	switch age {
	case "16_17":
		t.Vars = map[string]any{"Minor": true}
	case "18_21", "22_27":
		t.Vars = map[string]any{"Adult": true}
	}
	return t
}
