package bot_test

import (
	"fmt"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/dialog"
)

// ScreenChars is what fits on a phone screen in Telegram: about 17 lines
// of 35 characters on a 6-inch phone. A message may make the young person
// scroll at most twice: three screens.
const (
	ScreenChars     = 600
	MaxMessageChars = 3 * ScreenChars
)

// intakeRun drives the engine through a whole intake, from /start with
// consent to the approval, and returns every message the young person saw
// (as plain text, in lang) and the number of turns (their messages and
// presses). answer decides each question's events.
func intakeRun(t *testing.T, lang string, answer func(q *dialog.Question, v int) []dialog.Event) (msgs []string, turns int) {
	t.Helper()
	e := newEngine(t)
	e.Consent = true
	now := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	e.Now = func() time.Time { now = now.Add(time.Minute); return now }
	r := newRenderer(t)
	v := e.Flow.Version
	s := dialog.NewSession("screen")
	step := func(ev dialog.Event) {
		ev.Lang = lang
		res := e.Handle(s, ev)
		s = res.Session
		turns++
		for _, m := range res.Messages {
			msgs = append(msgs, render.PlainText(r.Message(s.Lang, m)))
		}
	}
	step(dialog.Event{Kind: dialog.EventCommand, Command: "start"})
	step(dialog.Event{Kind: dialog.EventCommand, Command: "help"})
	step(dialog.Event{Kind: dialog.EventButton, Data: fmt.Sprintf("cy:%d::", v)})
	step(dialog.Event{Kind: dialog.EventButton, Data: fmt.Sprintf("ag:%d::18_21", v)})
	step(dialog.Event{Kind: dialog.EventButton, Data: fmt.Sprintf("go:%d::", v)})
	for i := 0; s.State == dialog.StateAsking && i < 200; i++ {
		q, _ := e.Flow.Question(s.Current)
		for _, ev := range answer(q, v) {
			step(ev)
		}
	}
	if s.State != dialog.StateReview {
		t.Fatalf("not in the review: %s at %q", s.State, s.Current)
	}
	step(dialog.Event{Kind: dialog.EventButton, Data: fmt.Sprintf("ok:%d::", v)})
	if s.State != dialog.StateSubmitted {
		t.Fatalf("not sent: %s", s.State)
	}
	return msgs, turns
}

// skipAll skips every question: the shortest path.
func skipAll(q *dialog.Question, v int) []dialog.Event {
	return []dialog.Event{{Kind: dialog.EventButton, Data: fmt.Sprintf("s:%d:%s:", v, q.ID)}}
}

// answerAll answers every question, opening every question that depends
// on another: the longest path. The young person's own words are one
// character ("x"): the limit is on what the bot says.
func answerAll(q *dialog.Question, v int) []dialog.Event {
	press := func(act, arg string) dialog.Event {
		return dialog.Event{Kind: dialog.EventButton, Data: fmt.Sprintf("%s:%d:%s:%s", act, v, q.ID, arg)}
	}
	switch q.Kind {
	case dialog.KindText:
		return []dialog.Event{{Kind: dialog.EventText, Text: "x"}}
	case dialog.KindList:
		return []dialog.Event{{Kind: dialog.EventText, Text: "x"}, press("d", "")}
	case dialog.KindMulti:
		return []dialog.Event{press("t", q.Options[0]), press("d", "")}
	case dialog.KindScale:
		return []dialog.Event{press("a", "3")}
	case dialog.KindYesNo:
		return []dialog.Event{press("a", dialog.Yes)}
	}
	opt := q.Options[0]
	switch q.ID {
	case "network_involve":
		opt = "some"
	case "ground_floor":
		opt = "ground"
	}
	return []dialog.Event{press("a", opt)}
}

// No message of the intake makes a young person scroll more than twice on
// a phone (MaxMessageChars), on the shortest and the longest path, in
// every language. The figures are logged for the notes.
func TestNoMessageNeedsMoreThanTwoScrolls(t *testing.T) {
	langs := catalog(t).Languages()
	if len(langs) < 2 {
		t.Fatalf("the catalog has %d languages: %v", len(langs), langs)
	}
	for _, lang := range langs {
		for name, path := range map[string]func(*dialog.Question, int) []dialog.Event{"shortest": skipAll, "longest": answerAll} {
			msgs, turns := intakeRun(t, lang, path)
			longest, at := 0, ""
			for _, m := range msgs {
				if n := utf8.RuneCountInString(m); n > longest {
					longest, at = n, m
				}
			}
			t.Logf("%s, %s path: %d turns, %d messages, longest %d characters: %.40q", lang, name, turns, len(msgs), longest, at)
			if longest > MaxMessageChars {
				t.Errorf("%s, %s path: a message of %d characters (limit %d):\n%s", lang, name, longest, MaxMessageChars, at)
			}
		}
	}
}
