package dialog

import "testing"

// Current shows where the young person is and changes nothing: the
// question (with the press for a kept message), the pause, the review;
// nothing once the intake is sent.
func TestCurrentShowsTheScreenWithoutChangingTheSession(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerUntil("housing")
	before := d.s.Clone()
	wantIDs(t, Result{Messages: d.e.Current(d.s)}, "progress", "q.housing")
	d.s.Pending = "own"
	got := Result{Messages: d.e.Current(d.s)}
	wantIDs(t, got, "resume.kept", "progress", "q.housing")
	if !hasButton(got, actPending) {
		t.Fatalf("no press for the kept message: %v", allButtons(got))
	}
	d.s.Pending = ""
	if !d.s.Equal(before) {
		t.Fatal("Current changed the session")
	}
	d.press(actPause, "")
	wantIDs(t, Result{Messages: d.e.Current(d.s)}, "paused")
	d.text("back")
	d.answerAll()
	if ids := ids(Result{Messages: d.e.Current(d.s)}); len(ids) == 0 || ids[0] != "review.intro" {
		t.Fatalf("review: %q", ids)
	}
	d.press(actSend, "")
	if m := d.e.Current(d.s); m != nil {
		t.Fatalf("after sending: %v", m)
	}
}
