package dialog

import (
	"slices"
	"testing"
)

// upgrade hands the driver's session to the next version of the small flow,
// as a bot restarted with a new flow file would.
func upgrade(t *testing.T, d *driver) {
	t.Helper()
	d.e.Flow = loadFlow(t, "small_v2.toml")
}

func TestMigrateCurrentQuestionRemoved(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.text("Sam")
	d.text("my story")
	if d.s.Current != "housing" {
		t.Fatalf("current %q", d.s.Current)
	}
	upgrade(t, d)
	res := d.text("hello")
	if d.s.FlowVersion != 2 || d.s.Answers["name"].Text != "Sam" {
		t.Fatalf("after the upgrade: %+v", d.s)
	}
	if _, ok := d.s.Answers["story"]; ok || slices.Contains(d.s.History, "story") {
		t.Fatal("the answer to a removed question stays")
	}
	if d.s.Current != "plans" || d.s.State != StateAsking {
		t.Fatalf("current %q, want the new question", d.s.Current)
	}
	// "hello" was meant for a question that is gone: it is not stored as the
	// answer to one the young person has not seen yet, but kept: one press
	// makes it the answer.
	if _, ok := d.s.Answers["plans"]; ok || d.s.Pending != "hello" {
		t.Fatal("a text for a removed question answered the new one, or was dropped")
	}
	wantIDs(t, res, "resume", "resume.kept", "progress", "q.plans")
	if p := part(t, res, "resume"); p.Vars["N"] != 2 || p.Vars["Total"] != 8 {
		t.Fatalf("resume %v, want 2 of 8", p.Vars)
	}
	d.text("a plan")
	if d.s.Answers["plans"].Text != "a plan" || d.s.Current != "mood" {
		t.Fatalf("after answering the new question: current %q", d.s.Current)
	}
}

func TestMigrateOldButton(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerUntil("housing")
	upgrade(t, d)
	res := d.press(actAnswer, "own")
	wantToast(t, res, "stale")
	wantIDs(t, res, "progress", "q.plans")
	if d.s.Current != "plans" || d.s.FlowVersion != 2 {
		t.Fatalf("%+v", d.s)
	}
}

func TestMigrateReviewAsksNewQuestion(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerAll()
	upgrade(t, d)
	res := d.press(actSend, "")
	if res.Submitted || d.s.State != StateAsking || d.s.Current != "plans" {
		t.Fatalf("an intake was sent without the new question: %+v", d.s)
	}
	wantToast(t, res, "stale")
	d.text("a plan")
	if d.s.State != StateReview {
		t.Fatalf("state %s, want back in the review", d.s.State)
	}
	sum := d.res.Messages[len(d.res.Messages)-1].Summary
	if sum.Count != 6 || len(sum.Skipped) != 0 {
		t.Fatalf("summary count %d skipped %d", sum.Count, len(sum.Skipped))
	}
}

func TestMigrateAnswersThatNoLongerFit(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerUntil("help")
	d.press(actToggle, "health")
	d.press(actDone, "")
	d.press(actAnswer, Yes)
	d.text("Ann\nBob\nCy")
	d.answerAll()
	upgrade(t, d)
	d.text("hi")
	for _, id := range []string{"help", "friends"} {
		if _, ok := d.s.Answers[id]; ok {
			t.Errorf("answer to %q kept though it no longer fits: %+v", id, d.s.Answers[id])
		}
	}
	if d.s.Answers["mood"].Scale != 3 || d.s.Answers["has_friends"].Choices[0] != Yes {
		t.Fatalf("answers that fit are kept: %+v", d.s.Answers)
	}
	// The questions are asked again, in flow order.
	d.text("a plan")
	if d.s.Current != "help" {
		t.Fatalf("current %q, want help asked again", d.s.Current)
	}
}

func TestMigrateKeepsDraft(t *testing.T) {
	t.Run("list", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerUntil("has_friends")
		d.press(actAnswer, Yes)
		d.text("Ann")
		upgrade(t, d)
		// Same question: the text is an answer, and Ann is still there.
		res := d.text("Bob")
		if got := d.s.Answers["friends"].Items; !slices.Equal(got, []string{"Ann", "Bob"}) {
			t.Fatalf("items %v, want Ann kept over the upgrade", got)
		}
		if part(t, res, "list.full").Vars["Count"] != 2 {
			t.Fatalf("reply %q", ids(res))
		}
	})
	t.Run("multi", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerUntil("help")
		d.press(actToggle, "money")
		d.press(actToggle, "health")
		upgrade(t, d)
		res := d.cmd("start")
		if !slices.Equal(d.s.Draft, []string{"money"}) || !slices.Equal(checked(res), []string{"money"}) {
			t.Fatalf("draft %v ticked %v, want money kept and health gone", d.s.Draft, checked(res))
		}
	})
}

func TestMigratePaused(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerUntil("housing")
	d.press(actPause, "")
	upgrade(t, d)
	res := d.text("I am back")
	wantIDs(t, res, "resume", "resume.kept", "progress", "q.plans")
	if d.s.State != StateAsking || d.s.Current != "plans" {
		t.Fatalf("%+v", d.s)
	}
}

func TestMigrateSubmittedStaysSubmitted(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerAll()
	d.press(actSend, "")
	sent := d.s.Submitted
	upgrade(t, d)
	wantIDs(t, d.text("hi"), "submitted.already")
	if d.s.State != StateSubmitted || !d.s.Submitted.Equal(sent) {
		t.Fatalf("%+v", d.s)
	}
}

func TestFlowChangedWithoutNewVersion(t *testing.T) {
	// An operator who edits the flow but forgets to raise the version must
	// not leave sessions stuck on a question that is gone.
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerUntil("housing")
	v2 := loadFlow(t, "small_v2.toml")
	v2.Version = 1
	d.e.Flow = v2
	wantIDs(t, d.text("hello"), "resume", "resume.kept", "progress", "q.plans")
	if _, ok := d.s.Answers["story"]; ok || d.s.Current != "plans" {
		t.Fatalf("%+v", d.s)
	}
}

func TestMigrateRedeliveredUpdateChangesNothing(t *testing.T) {
	// Found by FuzzEngine: a redelivered update after an upgrade returns the
	// session as it was, still of the old version; it is not saved.
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerUntil("housing")
	upgrade(t, d)
	in := d.s
	res := d.e.Handle(in, Event{Kind: EventText, Text: "again", UpdateID: in.LastUpdateID})
	if !res.Duplicate || res.Changed || !res.Session.Equal(in) || res.Session.FlowVersion != 1 {
		t.Fatalf("%+v", res)
	}
}
