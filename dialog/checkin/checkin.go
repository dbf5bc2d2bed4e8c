// Package checkin holds the flow of the weekly check-in: four short
// questions (what goes well, what does not, what must we adjust, whom else
// can we involve) in the flow format of docs/flows.md, run on the same
// engine as the intake (package dialog) by the reminders room.
package checkin

import (
	_ "embed"
	"slices"
	"strconv"

	"github.com/intakebot/intakebot/dialog"
)

//go:embed checkin_flow.toml
var flowFile []byte

// FlowFile returns the embedded check-in flow as written, for operators
// who want to start their own from it.
func FlowFile() []byte { return slices.Clone(flowFile) }

// Flow parses the check-in flow: data when not empty (an operator's file,
// INTAKEBOT_CHECKIN_FLOW_FILE), else the embedded one. hasMessage checks
// that every text the flow needs exists (nil skips that check).
func Flow(data []byte, hasMessage func(id string) bool) (*dialog.Flow, error) {
	if len(data) == 0 {
		data = flowFile
	}
	return dialog.ParseFlow(data, hasMessage)
}

// StartData is the data of the engine's start button of flow f: pressed on
// a new session, the engine asks the first question. The check-in has no
// welcome screen of its own: the reminder is its welcome.
func StartData(f *dialog.Flow) string { return data(f, "go") }

// ContinueData is the data of the engine's continue button: it shows where
// the session is, and ends a pause.
func ContinueData(f *dialog.Flow) string { return data(f, "c") }

// data spells a button of the engine (dialog's "<action>:<flow
// version>:<question>:<arg>"); TestStartDataAsksTheFirstQuestion holds it
// to the engine.
func data(f *dialog.Flow, act string) string {
	return act + ":" + strconv.Itoa(f.Version) + "::"
}
