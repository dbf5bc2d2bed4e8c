package dialog

import (
	"testing"
	"time"
)

// benchSession walks the default flow to question id, halfway the intake,
// so that a step works on a session with a realistic number of answers.
func benchSession(b *testing.B, e *Engine, id string) Session {
	b.Helper()
	s := e.Handle(NewSession("bench"), Event{Kind: EventCommand, Command: "start"}).Session
	s = e.Handle(s, Event{Kind: EventButton, Data: encodeData(actStart, e.Flow.Version, "", "")}).Session
	press := func(q *Question, act, arg string) {
		s = e.Handle(s, Event{Kind: EventButton, Data: encodeData(act, e.Flow.Version, q.ID, arg)}).Session
	}
	for range 2 * len(e.Flow.Questions) {
		if s.Current == id {
			return s
		}
		q, _ := e.Flow.Question(s.Current)
		switch q.Kind {
		case KindText:
			s = e.Handle(s, Event{Kind: EventText, Text: "an answer"}).Session
		case KindList:
			s = e.Handle(s, Event{Kind: EventText, Text: "one\ntwo"}).Session
			press(q, actDone, "")
		case KindMulti:
			press(q, actToggle, q.Options[0])
			press(q, actDone, "")
		case KindScale:
			press(q, actAnswer, "3")
		default:
			press(q, actAnswer, q.OptionIDs()[0])
		}
	}
	b.Fatalf("never reached %q", id)
	return s
}

func benchEngine(b *testing.B) *Engine {
	now := epoch
	return &Engine{Flow: defaultFlow(b), Now: func() time.Time { return now }, Languages: []string{"nl", "en"}}
}

func BenchmarkEngineTextAnswer(b *testing.B) {
	e := benchEngine(b)
	s := benchSession(b, e, "trusted_person")
	ev := Event{Kind: EventText, Text: "My aunt Mieke, she always listens."}
	b.ReportAllocs()
	for b.Loop() {
		res := e.Handle(s, ev)
		if res.Session.Current != "treat_do" {
			b.Fatalf("current %q", res.Session.Current)
		}
	}
}

func BenchmarkEngineButtonAnswer(b *testing.B) {
	e := benchEngine(b)
	s := benchSession(b, e, "safe_now")
	ev := Event{Kind: EventButton, Data: encodeData(actAnswer, e.Flow.Version, "safe_now", "mostly")}
	b.ReportAllocs()
	for b.Loop() {
		res := e.Handle(s, ev)
		if res.Session.Current != "safety_agreements" {
			b.Fatalf("current %q", res.Session.Current)
		}
	}
}
