package dialog

import (
	"slices"
	"testing"
)

var testWords = map[string]string{"klaar": "done", "overslaan": "skip", "terug": "back", "stop": "stop", "help": "help"}

// A flow can mark a question where a command word is a real answer.
func TestWordsAreAnswersOnAMarkedQuestion(t *testing.T) {
	f := smallFlow(t)
	c := *f
	c.Questions = slices.Clone(f.Questions)
	c.buildIndex()
	c.mustQuestion("story").WordsAreAnswers = true
	d := newDriver(t, &c)
	d.e.Words = testWords
	d.begin()
	d.text("Sam")
	if d.s.Current != "story" {
		t.Fatalf("current %q", d.s.Current)
	}
	d.text("Stop!")
	if got := d.s.Answers["story"].Text; got != "Stop!" {
		t.Fatalf("on a question marked words_are_answers 'Stop!' is the answer, got %+v (state %s)", d.s.Answers["story"], d.s.State)
	}
}

func TestNormalizeWord(t *testing.T) {
	for in, want := range map[string]string{" Klaar! ": "klaar", "That’s all.": "that's all", "/help": "help", "OVERSLAAN?": "overslaan"} {
		if got := NormalizeWord(in); got != want {
			t.Errorf("NormalizeWord(%q) = %q, want %q", in, got, want)
		}
	}
}
