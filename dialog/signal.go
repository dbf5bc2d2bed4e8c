package dialog

import (
	"slices"
	"time"
)

// urgent is /urgent: the crisis lines and word that someone is being
// reached, in any state, which stays as it was.
func (h *turn) urgent() {
	h.s.addSignal(Signal{At: h.now, Source: SignalUrgent})
	h.res.Alert = AlertUrgent
	if !h.ev.LinesShown {
		h.say(Message{Parts: []Text{T("help.crisis.urgent"), CrisisLines(h.e.Country, h.s.Age)}})
	}
}

// signal records acute risk signalled at source (a question ID or
// SignalMessage), once per turn at most. Every signal is answered with
// the caring reply and the lines (unless the edge showed them already);
// the alert is raised unless the same signal was alerted less than
// SignalQuiet ago.
func (h *turn) signal(source string) {
	if h.signalled {
		return
	}
	h.signalled = true
	quiet := recentSignal(h.s, source, h.now)
	h.s.addSignal(Signal{At: h.now, Source: source, Quiet: quiet})
	if !h.ev.LinesShown {
		h.crisis = &Message{Parts: []Text{T("help.crisis.signal"), CrisisLines(h.e.Country, h.s.Age)}}
	}
	if !quiet && h.res.Alert == AlertNone {
		h.res.Alert = AlertSignal
	}
}

// recentSignal reports whether a signal of source was alerted less than
// SignalQuiet ago (or, with a clock that went back, is dated later).
func recentSignal(s *Session, source string, now time.Time) bool {
	for _, sg := range s.Signals {
		if sg.Source == source && sg.Source != SignalUrgent && !sg.Quiet && now.Sub(sg.At) < SignalQuiet {
			return true
		}
	}
	return false
}

// FirstAid is what the edge shows for ev at once, from memory, before the
// store is asked: for /help the help with the crisis lines, for /urgent
// and a text with words of the crisis lists the crisis lines with their
// caring line. The age is in the store, so every line shows. alert is the
// alert the event asks for (none for /help). The engine leaves out what
// the edge showed when the event says so (Event.LinesShown).
func (e *Engine) FirstAid(ev Event) (m Message, alert AlertKind, ok bool) {
	lines := CrisisLines(e.Country, "")
	switch {
	case ev.Kind == EventCommand && ev.Command == "help":
		return Message{Parts: []Text{T("help.text"), lines}}, AlertNone, true
	case ev.Kind == EventCommand && (ev.Command == "urgent" || ev.Command == "dringend"):
		return Message{Parts: []Text{T("help.crisis.urgent"), lines}}, AlertUrgent, true
	case ev.Kind == EventText && e.Crisis != nil && e.Crisis.Match(ev.Text):
		return Message{Parts: []Text{T("help.crisis.signal"), lines}}, AlertSignal, true
	}
	return Message{}, AlertNone, false
}

// addSignal keeps sg, and at most MaxSignals signals.
func (s *Session) addSignal(sg Signal) {
	s.Signals = append(s.Signals, sg)
	if len(s.Signals) > MaxSignals {
		s.Signals = slices.Delete(s.Signals, 0, len(s.Signals)-MaxSignals)
	}
}

// checkText looks for words of the crisis lists in a text the young person
// sent, whatever the state: the source is the question when the text was
// taken as (part of) its answer.
func (h *turn) checkText() {
	if h.e.Crisis == nil || !h.e.Crisis.Match(h.ev.Text) {
		return
	}
	source := SignalMessage
	if h.tookText != "" {
		source = h.tookText
	}
	h.signal(source)
}

// checkChoice raises a signal when an answer holds an option the flow
// marks as an alert (Question.Alert).
func (h *turn) checkChoice(q *Question, a Answer) {
	if a.Skipped {
		return
	}
	for _, c := range a.Choices {
		if slices.Contains(q.Alert, c) {
			h.signal(q.ID)
			return
		}
	}
}

// afterEdits puts m among the replies msgs: after the restated answer that
// edits the pressed message, before anything new (the message of a
// signal, so that the lines show before the next question).
func afterEdits(msgs []Message, m Message) []Message {
	i := 0
	for i < len(msgs) && msgs[i].Edit {
		i++
	}
	return slices.Insert(msgs, i, m)
}
