package dialog

import (
	"slices"
	"strconv"
	"testing"
)

// reviewNumbers maps the numbered edit buttons of a review to their questions.
func reviewNumbers(t *testing.T, res Result) []string {
	t.Helper()
	var out []string
	for _, m := range res.Messages {
		for _, row := range m.Buttons {
			for _, b := range row {
				d, ok := decodeData(b.Data)
				if !ok || d.act != actEdit {
					continue
				}
				if b.Label.Raw != strconv.Itoa(len(out)+1) {
					t.Fatalf("edit button %q labelled %q, want %d", d.question, b.Label.Raw, len(out)+1)
				}
				out = append(out, d.question)
			}
		}
	}
	return out
}

func TestReview(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.begin()
	res := d.answerAll()
	wantIDs(t, res, "review.intro")
	if d.s.State != StateReview || d.s.Current != "" {
		t.Fatalf("state %s current %q", d.s.State, d.s.Current)
	}
	want := []string{"name", "story", "housing", "mood", "help", "has_friends", "final"}
	if got := reviewNumbers(t, res); !slices.Equal(got, want) {
		t.Fatalf("numbered %v, want %v", got, want)
	}
	sum := res.Messages[len(res.Messages)-1].Summary
	if sum == nil || sum.Count != 7 || len(sum.Skipped) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if !hasButton(res, actSend) || !hasButton(res, actPause) {
		t.Fatalf("buttons %v", allButtons(res))
	}
	// Rows of at most six numbers keep the keyboard readable on a phone.
	if n := len(res.Messages[0].Buttons[0]); n != 6 {
		t.Fatalf("first row has %d numbers, want 6", n)
	}

	before := d.s
	res = d.text("is this ok?")
	wantIDs(t, res, "expect.review")
	if !sameExceptClock(before, d.s) || !hasButton(res, actSend) {
		t.Fatal("a text in the review changes nothing and shows the buttons again")
	}
}

func TestReviewEdit(t *testing.T) {
	t.Run("returns to the review", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerAll()
		res := d.pressOn(actEdit, "story")
		if d.s.State != StateAsking || d.s.Current != "story" || !d.s.Editing {
			t.Fatalf("after edit: %+v", d.s)
		}
		wantIDs(t, res, "progress", "q.story", "q.story.hint", "answer.current")
		if !hasButton(res, actBack) {
			t.Fatal("an edit can go back to the review")
		}
		res = d.text("new")
		wantIDs(t, res, "review.intro")
		if d.s.State != StateReview || d.s.Editing || d.s.Answers["story"].Text != "new" {
			t.Fatalf("after the new answer: %+v", d.s)
		}
	})
	t.Run("back returns to the review unchanged", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerAll()
		answers := d.s.Clone().Answers
		d.pressOn(actEdit, "help")
		if !slices.Equal(d.s.Draft, []string{"money"}) {
			t.Fatalf("draft %v, want the earlier choice", d.s.Draft)
		}
		d.press(actToggle, "school")
		res := d.press(actBack, "")
		wantIDs(t, res, "review.intro")
		after := d.s.Clone()
		after.Answers = answers
		if d.s.State != StateReview || !d.s.Equal(after) {
			t.Fatalf("back from an edit changed the answers: %+v", d.s.Answers["help"])
		}
	})
	t.Run("yes opens the list, then the review", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerAll()
		d.pressOn(actEdit, "has_friends")
		d.press(actAnswer, Yes)
		if d.s.Current != "friends" || !d.s.Editing {
			t.Fatalf("after yes: current %q editing %v", d.s.Current, d.s.Editing)
		}
		d.text("Ann")
		d.press(actDone, "")
		if d.s.Current != "friends_ok" {
			t.Fatalf("current %q, want friends_ok", d.s.Current)
		}
		res := d.press(actAnswer, Yes)
		wantIDs(t, res, "progress", "q.friends_ok", "answer.yours", "review.intro")
		want := []string{"name", "story", "housing", "mood", "help", "has_friends", "friends", "friends_ok", "final"}
		if got := reviewNumbers(t, res); !slices.Equal(got, want) {
			t.Fatalf("numbered %v, want %v", got, want)
		}
	})
	t.Run("a question that does not apply", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerAll()
		before := d.s
		wantToast(t, d.pressData(encodeData(actEdit, 1, "friends", "")), "stale")
		if !sameExceptClock(before, d.s) {
			t.Fatal("session changed")
		}
	})
}

func TestSend(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerAll()
	sendData, _ := findButton(d.res, actSend, "")
	res := d.press(actSend, "")
	wantIDs(t, res, "submitted")
	if !res.Submitted || !res.Changed || d.s.State != StateSubmitted || !d.s.Submitted.Equal(d.now) {
		t.Fatalf("after send: result %+v", res)
	}
	sentAt := d.s.Submitted

	res = d.text("hello?")
	wantIDs(t, res, "submitted.already")

	before := d.s
	res = d.pressData(sendData.Data)
	wantToast(t, res, "stale")
	if res.Submitted || !sameExceptClock(before, d.s) || !d.s.Submitted.Equal(sentAt) {
		t.Fatal("a second press on send changed the intake")
	}
}

func TestReviewAllSkipped(t *testing.T) {
	d := newDriver(t, defaultFlow(t))
	d.begin()
	for d.s.State == StateAsking {
		d.press(actSkip, "")
	}
	wantIDs(t, d.res, "progress", "q.anything_else", "answer.yours", "review.empty")
	sum := d.res.Messages[1].Summary
	// Skipping a question skips the six that depend on one: 30 - 6.
	if sum.Count != 24 || len(sum.Skipped) != 24 {
		t.Fatalf("count %d skipped %d, want 24", sum.Count, len(sum.Skipped))
	}
}

func TestDefaultFlowWalk(t *testing.T) {
	d := newDriver(t, defaultFlow(t))
	d.begin()
	res := d.answerAll()
	sum := res.Messages[len(res.Messages)-1].Summary
	if sum.Count != 26 || len(sum.Skipped) != 0 {
		t.Fatalf("count %d skipped %d", sum.Count, len(sum.Skipped))
	}
	d.press(actSend, "")
	if d.s.State != StateSubmitted {
		t.Fatalf("state %s", d.s.State)
	}
}
