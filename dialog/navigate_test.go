package dialog

import (
	"slices"
	"testing"
	"time"
)

func TestSkip(t *testing.T) {
	t.Run("button", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerUntil("story")
		res := d.press(actSkip, "")
		if a := d.s.Answers["story"]; !a.Skipped || a.Text != "" || !a.At.Equal(d.now) {
			t.Fatalf("answer %+v, want skipped", a)
		}
		if !res.Messages[0].Edit || d.s.Current != "housing" {
			t.Fatalf("edit %v, current %q", res.Messages[0].Edit, d.s.Current)
		}
		if v := values(t, part(t, res, "answer.yours")); !slices.Equal(v, []string{"answer.skipped"}) {
			t.Fatalf("shown as %v", v)
		}
	})
	t.Run("command", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerUntil("story")
		d.cmd("skip")
		if !d.s.Answers["story"].Skipped || d.s.Current != "housing" {
			t.Fatalf("after /skip: %+v", d.s)
		}
	})
	t.Run("required by button", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		before := d.s
		res := d.pressData(encodeData(actSkip, 1, "name", ""))
		wantToast(t, res, "required")
		if len(res.Messages) != 0 || !sameExceptClock(before, d.s) {
			t.Fatalf("skip on a required question: %q", ids(res))
		}
	})
	t.Run("required by command", func(t *testing.T) {
		// A command has no button to carry a toast: the notice is a message.
		d := newDriver(t, smallFlow(t))
		d.begin()
		before := d.s
		res := d.cmd("skip")
		wantToast(t, res, "")
		wantIDs(t, res, "required")
		if !sameExceptClock(before, d.s) {
			t.Fatal("session changed")
		}
	})
}

func TestBack(t *testing.T) {
	t.Run("to the previous answer, shown", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.text("Sam")
		d.text("my story")
		res := d.press(actBack, "")
		if d.s.Current != "story" || d.s.State != StateAsking {
			t.Fatalf("current %q", d.s.Current)
		}
		if len(res.Messages) != 1 || !res.Messages[0].Edit {
			t.Fatalf("back edits the pressed message: %+v", res.Messages)
		}
		wantIDs(t, res, "progress", "q.story", "q.story.hint", "answer.current")
		if v := values(t, part(t, res, "answer.current")); !slices.Equal(v, []string{"my story"}) {
			t.Fatalf("current answer shown as %v", v)
		}
		if !hasButton(res, actBack) {
			t.Fatal("the name is still behind: back shows")
		}
		// Answering again replaces the answer and goes on where it was.
		d.text("new story")
		if d.s.Answers["story"].Text != "new story" || d.s.Current != "housing" {
			t.Fatalf("after a new answer: %q, current %q", d.s.Answers["story"].Text, d.s.Current)
		}
	})
	t.Run("along the own path", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerUntil("has_friends")
		d.press(actAnswer, No)
		// friends was never asked: back from final lands on has_friends.
		res := d.press(actBack, "")
		if d.s.Current != "has_friends" {
			t.Fatalf("current %q, want has_friends", d.s.Current)
		}
		if got := checked(res); !slices.Equal(got, []string{No}) {
			t.Fatalf("ticked %v, want the earlier no", got)
		}
		d.press(actBack, "")
		if d.s.Current != "help" || !slices.Equal(d.s.Draft, []string{"money"}) {
			t.Fatalf("current %q draft %v: a multi shows its earlier choice", d.s.Current, d.s.Draft)
		}
	})
	t.Run("first question", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		if hasButton(d.res, actBack) {
			t.Fatal("the first question shows back")
		}
		before := d.s
		res := d.pressData(encodeData(actBack, 1, "name", ""))
		wantToast(t, res, "back.first")
		if len(res.Messages) != 0 || !sameExceptClock(before, d.s) {
			t.Fatalf("back on the first question: %q", ids(res))
		}
	})
	t.Run("first question by command", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		wantIDs(t, d.cmd("back"), "back.first")
	})
	t.Run("outside a question", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.cmd("start")
		before := d.s
		wantIDs(t, d.cmd("back"), "welcome")
		if !sameExceptClock(before, d.s) {
			t.Fatal("session changed")
		}
	})
}

func TestPauseResume(t *testing.T) {
	t.Run("from a question", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerUntil("story")
		res := d.press(actPause, "")
		if d.s.State != StatePaused || d.s.Current != "story" {
			t.Fatalf("after pause: %+v", d.s)
		}
		wantIDs(t, res, "progress", "q.story", "q.story.hint", "paused")
		if !res.Messages[0].Edit || len(res.Messages[0].Buttons) != 0 {
			t.Fatal("pause takes the buttons off the question")
		}
		res = d.text("hello")
		wantIDs(t, res, "resume", "resume.kept", "progress", "q.story", "q.story.hint")
		if p := part(t, res, "resume"); p.Vars["N"] != 2 || p.Vars["Total"] != 9 {
			t.Fatalf("resume vars %v, want 2 of 9", p.Vars)
		}
		if _, ok := d.s.Answers["story"]; ok || d.s.State != StateAsking || d.s.Pending != "hello" {
			t.Fatalf("the text that resumes is kept, not yet an answer: %+v", d.s)
		}
		// One press makes it the answer.
		d.press(actPending, "")
		if d.s.Answers["story"].Text != "hello" || d.s.Pending != "" {
			t.Fatalf("after the press: %+v", d.s)
		}
	})
	t.Run("by command", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.cmd("pause")
		if d.s.State != StatePaused {
			t.Fatalf("state %s", d.s.State)
		}
		d.handle(Event{Kind: EventMedia, Media: "sticker"})
		if d.s.State != StateAsking || d.s.Current != "name" {
			t.Fatalf("media resumes too: %+v", d.s)
		}
	})
	t.Run("from the review", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerAll()
		res := d.press(actPause, "")
		wantIDs(t, res, "paused")
		if d.s.State != StatePaused || d.s.Current != "" {
			t.Fatalf("after pause: %+v", d.s)
		}
		res = d.text("back")
		wantIDs(t, res, "resume.review", "review.intro")
		if d.s.State != StateReview {
			t.Fatalf("state %s", d.s.State)
		}
	})
}

func TestSilenceResumes(t *testing.T) {
	tests := []struct {
		name   string
		wait   time.Duration
		resume bool
	}{
		{"after a short break the text is an answer", 11 * time.Hour, false},
		{"after a long silence the text resumes", 13 * time.Hour, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDriver(t, smallFlow(t))
			d.begin()
			d.answerUntil("story")
			d.now = d.now.Add(tc.wait)
			res := d.text("hi")
			_, stored := d.s.Answers["story"]
			if tc.resume {
				wantIDs(t, res, "resume", "resume.kept", "progress", "q.story", "q.story.hint")
				if stored {
					t.Fatal("a greeting after days was stored as the answer")
				}
				d.text("now it is")
				if d.s.Answers["story"].Text != "now it is" {
					t.Fatal("the next text is the answer")
				}
				return
			}
			if !stored {
				t.Fatalf("not stored: %q", ids(res))
			}
		})
	}
}

func TestResumeAfterSetting(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.e.ResumeAfter = 10 * time.Minute
	d.begin()
	d.now = d.now.Add(15 * time.Minute)
	wantIDs(t, d.text("Sam"), "resume", "resume.kept", "progress", "q.name")
}

func TestStartCommand(t *testing.T) {
	t.Run("mid intake resumes with a restart button", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerUntil("housing")
		before := d.s
		res := d.cmd("start")
		wantIDs(t, res, "resume", "progress", "q.housing")
		if !hasButton(Result{Messages: res.Messages[:1]}, actRestart) {
			t.Fatal("the resume message offers a restart")
		}
		if !sameExceptClock(before, d.s) {
			t.Fatal("/start changed the session")
		}
	})
	t.Run("twice before starting", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.cmd("start")
		wantIDs(t, d.cmd("start"), "welcome")
	})
	t.Run("after sending", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerAll()
		d.press(actSend, "")
		res := d.cmd("start")
		wantIDs(t, res, "submitted.already")
		if !hasButton(res, actRestart) {
			t.Fatal("a sent intake offers a restart")
		}
	})
}

func TestRestart(t *testing.T) {
	setup := func(t *testing.T) *driver {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerUntil("mood")
		d.cmd("start")
		res := d.press(actRestart, "")
		wantIDs(t, res, "restart.confirm")
		if !hasButton(res, actRestartYes) || !hasButton(res, actContinue) {
			t.Fatalf("confirm buttons %v", allButtons(res))
		}
		return d
	}
	t.Run("yes wipes the answers", func(t *testing.T) {
		d := setup(t)
		res := d.press(actRestartYes, "")
		wantIDs(t, res, "restart.done", "welcome")
		if !res.Messages[0].Edit {
			t.Fatal("restart.done replaces the confirm message")
		}
		if d.s.State != StateWelcome || d.s.Answers != nil || d.s.History != nil || d.s.Current != "" {
			t.Fatalf("after restart: %+v", d.s)
		}
		if d.s.Lang != "nl" || d.s.Key != "chat-1" || !d.s.Started.Equal(d.now) {
			t.Fatalf("restart keeps the chat and language and starts anew: %+v", d.s)
		}
		d.press(actStart, "")
		if d.s.Current != "name" {
			t.Fatalf("current %q", d.s.Current)
		}
	})
	t.Run("no changes nothing", func(t *testing.T) {
		d := setup(t)
		before := d.s
		res := d.press(actContinue, "")
		wantIDs(t, res, "progress", "q.mood")
		if !sameExceptClock(before, d.s) || len(d.s.Answers) != 3 {
			t.Fatalf("continue changed the session: %+v", d.s)
		}
	})
	t.Run("a sent intake can start over", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerAll()
		d.press(actSend, "")
		d.cmd("start")
		d.press(actRestart, "")
		d.press(actRestartYes, "")
		if d.s.State != StateWelcome || !d.s.Submitted.IsZero() || d.s.Answers != nil {
			t.Fatalf("after restart: %+v", d.s)
		}
	})
}

// After a pause the question's buttons are gone from that message, but a
// keyboard sent earlier may still show it: a press there answers, as if
// the pause had never been.
func TestPressOnTheQuestionShownBeforeAPauseAnswersIt(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerUntil("housing")
	asked := d.res
	d.press(actPause, "")
	if d.s.State != StatePaused {
		t.Fatalf("state %s", d.s.State)
	}
	d.res = asked
	b, ok := findButton(asked, actAnswer, "parents")
	if !ok {
		t.Fatal("no answer button on the housing question")
	}
	d.pressData(b.Data)
	if d.s.State != StateAsking || d.s.Current == "housing" {
		t.Fatalf("the press did not answer: %+v", d.s)
	}
	if a := d.s.Answers["housing"]; len(a.Choices) != 1 {
		t.Fatalf("housing answer %+v", a)
	}
}
