package dialog

import (
	"strconv"
	"strings"

	"github.com/intakebot/intakebot/dialog/screen"
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

// The plain parts of a screen and a signal (package dialog/screen), under
// their names here.
type (
	Text      = screen.Text
	Button    = screen.Button
	Signal    = screen.Signal
	AlertKind = screen.AlertKind
)

// T makes a Text, Raw a verbatim one, CrisisLines the lines of a country
// for an age bracket (see package dialog/screen).
var (
	T           = screen.T
	Raw         = screen.Raw
	CrisisLines = screen.CrisisLines
)

// Signal sources, limits and alert kinds (see package dialog/screen).
const (
	SignalMessage = screen.SignalMessage
	SignalUrgent  = screen.SignalUrgent
	MaxSignals    = screen.MaxSignals
	SignalQuiet   = screen.SignalQuiet
	AlertNone     = screen.AlertNone
	AlertUrgent   = screen.AlertUrgent
	AlertSignal   = screen.AlertSignal
)

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
