package dialog

import (
	"strconv"
	"strings"
)

// EventKind says what the young person did.
type EventKind int

const (
	EventText    EventKind = iota + 1 // a text message
	EventButton                       // a press on a button (Data)
	EventCommand                      // a /command (Command, Arg)
	EventMedia                        // a message the intake can't use (Media)
)

// Event is one thing the young person did, already freed of its transport.
type Event struct {
	Kind    EventKind
	Text    string
	Data    string // button data, as made by the engine
	Command string // without the slash, lower case, without @botname
	Arg     string
	Media   string // voice, photo, sticker, location, video, document, other
	// Lang is the language the transport reports for the person (Telegram's
	// language_code), used only when a session starts.
	Lang string
	// UpdateID, when not zero, identifies the transport update: an event
	// with an ID not above the session's last one is a redelivery and
	// changes nothing.
	UpdateID int64
	// LinesShown says that the edge already showed this event's first aid
	// (Engine.FirstAid): the engine records the signal and asks for the
	// alert, but does not show the same lines again.
	LinesShown bool
}

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

// Message is one reply. Parts are paragraphs. Edit asks the edge to replace
// the message whose button was pressed, instead of sending a new one (where
// there is none, the edge sends it). Summary, when set, is shown after the
// parts.
type Message struct {
	Parts   []Text
	Buttons [][]Button
	Edit    bool
	// Echo marks a message that only restates what happened (a question
	// with its answer): worth an edit of the pressed message, not a
	// message of its own, so an edge drops it when nothing was pressed.
	Echo    bool
	Summary *Summary
}

// Result is what one event leads to.
type Result struct {
	Session  Session
	Messages []Message
	// Toast is a short notice for the button press (Telegram shows it on
	// top of the chat); the edge answers every press, with or without it.
	Toast *Text
	// Changed is false when the session needs no save.
	Changed bool
	// Duplicate marks a redelivered update that was ignored.
	Duplicate bool
	// Submitted is set on the one event that approved the intake.
	Submitted bool
	// Alert asks the edge to reach a person now: the young person pressed
	// /urgent, or an answer or message signalled acute risk. The engine
	// has already added the crisis lines to Messages; the edge alerts the
	// director and the on-call service.
	Alert AlertKind
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

// Button actions. Data is "<action>:<flow version>:<question>:<arg>" and
// stays under Telegram's 64 bytes: question IDs are at most 24 bytes and
// option IDs at most 16.
const (
	actStart      = "go"
	actAnswer     = "a"
	actToggle     = "t"
	actDone       = "d"
	actSkip       = "s"
	actBack       = "b"
	actPause      = "p"
	actEdit       = "e"
	actSend       = "ok"
	actRestart    = "rs"
	actRestartYes = "ry"
	actLanguage   = "l"
	actContinue   = "c"
	actConsentYes = "cy"
	actConsentNo  = "cn"
	actAge        = "ag"
	actKeep       = "k"
	actRemove     = "rm"
	actPending    = "kt"
	actAgeUndo    = "au"
)

type buttonData struct {
	act, question, arg string
	version            int
}

func encodeData(act string, version int, question, arg string) string {
	return act + ":" + strconv.Itoa(version) + ":" + question + ":" + arg
}

func decodeData(s string) (buttonData, bool) {
	if len(s) > 64 {
		return buttonData{}, false
	}
	parts := strings.SplitN(s, ":", 4)
	if len(parts) != 4 {
		return buttonData{}, false
	}
	v, err := strconv.Atoi(parts[1])
	if err != nil || v < 0 {
		return buttonData{}, false
	}
	return buttonData{act: parts[0], version: v, question: parts[2], arg: parts[3]}, true
}
