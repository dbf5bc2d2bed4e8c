package dialog

import (
	"slices"
	"strings"
	"testing"
)

func TestStartAsksFirstQuestion(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	res := d.cmd("start")
	wantIDs(t, res, "welcome")
	if d.s.State != StateWelcome || d.s.Lang != "nl" || d.s.FlowVersion != 1 {
		t.Fatalf("after /start: %+v", d.s)
	}
	res = d.press(actStart, "")
	wantIDs(t, res, "progress", "q.name")
	if d.s.State != StateAsking || d.s.Current != "name" || !d.s.Started.Equal(epoch.Add(step)) {
		t.Fatalf("after start: %+v", d.s)
	}
	if n, total := progress(t, res); n != 1 || total != 9 {
		t.Errorf("progress %d/%d, want 1/9", n, total)
	}
	if hasButton(res, actBack) || hasButton(res, actSkip) || !hasButton(res, actPause) {
		t.Errorf("first, required question: want only pause, got %v", allButtons(res))
	}
}

func TestTextAnswer(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		want   []string // message IDs of the reply
		stored string   // "" when nothing may be stored
	}{
		{"fits", "short", []string{"progress", "q.housing"}, "short"},
		{"trimmed", "  hi \n", []string{"progress", "q.housing"}, "hi"},
		{"limit counts characters not bytes", "ééééééééé😀", []string{"progress", "q.housing"}, "ééééééééé😀"},
		{"too long", "eleven char", []string{"text.too_long"}, ""},
		{"empty", " \n ", []string{"expect.text", "progress", "q.story", "q.story.hint"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDriver(t, smallFlow(t))
			d.begin()
			d.answerUntil("story")
			before := d.s
			res := d.text(tc.text)
			wantIDs(t, res, tc.want...)
			if tc.stored == "" {
				if !sameExceptClock(before, d.s) {
					t.Fatalf("session changed:\n%+v\n%+v", before, d.s)
				}
				return
			}
			a := d.s.Answers["story"]
			if a.Text != tc.stored || !a.At.Equal(d.now) || a.Skipped {
				t.Fatalf("answer = %+v, want %q at %v", a, tc.stored, d.now)
			}
			if d.s.Current != "housing" || !slices.Equal(d.s.History, []string{"name", "story"}) {
				t.Fatalf("current %q history %v", d.s.Current, d.s.History)
			}
		})
	}
}

func TestTextTooLongNamesLengthAndLimit(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerUntil("story")
	p := part(t, d.text("twelve chars"), "text.too_long")
	if p.Vars["Len"] != 12 || p.Vars["Max"] != 10 {
		t.Fatalf("vars %v, want Len 12 Max 10", p.Vars)
	}
}

func TestChoice(t *testing.T) {
	t.Run("press", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerUntil("housing")
		res := d.press(actAnswer, "parents")
		if got := d.s.Answers["housing"].Choices; !slices.Equal(got, []string{"parents"}) {
			t.Fatalf("choices %v", got)
		}
		// The pressed question turns into question + answer, without buttons.
		first := res.Messages[0]
		if !first.Edit || len(first.Buttons) != 0 {
			t.Fatalf("answered message: edit %v, buttons %v", first.Edit, first.Buttons)
		}
		wantIDs(t, res, "progress", "q.housing", "answer.yours", "progress", "q.mood")
		if v := values(t, part(t, res, "answer.yours")); !slices.Equal(v, []string{"q.housing.parents"}) {
			t.Fatalf("answer shown as %v", v)
		}
		if res.Messages[1].Edit {
			t.Fatal("the next question must be a new message")
		}
	})
	t.Run("option not in the flow", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerUntil("housing")
		before := d.s
		res := d.pressData(encodeData(actAnswer, 1, "housing", "castle"))
		wantToast(t, res, "stale")
		wantIDs(t, res, "progress", "q.housing")
		if !sameExceptClock(before, d.s) {
			t.Fatal("a forged option changed the session")
		}
	})
	t.Run("typed instead of pressed", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerUntil("housing")
		before := d.s
		wantIDs(t, d.text("own"), "note.kept", "progress", "q.housing")
		// The text is kept beside the question, not taken as its answer.
		if !slices.Equal(d.s.Notes["housing"], []string{"own"}) {
			t.Fatalf("notes %q", d.s.Notes)
		}
		d.s.Notes = nil
		if !sameExceptClock(before, d.s) {
			t.Fatal("a typed text changed a choice question")
		}
	})
}

func TestMulti(t *testing.T) {
	t.Run("toggle keeps flow order", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerUntil("help")
		d.press(actToggle, "health")
		res := d.press(actToggle, "money")
		if !slices.Equal(d.s.Draft, []string{"money", "health"}) {
			t.Fatalf("draft %v, want flow order", d.s.Draft)
		}
		if len(res.Messages) != 1 || !res.Messages[0].Edit {
			t.Fatalf("a toggle edits the question in place: %+v", res.Messages)
		}
		if got := checked(res); !slices.Equal(got, []string{"money", "health"}) {
			t.Fatalf("ticked %v", got)
		}
		res = d.press(actToggle, "health")
		if !slices.Equal(d.s.Draft, []string{"money"}) || !slices.Equal(checked(res), []string{"money"}) {
			t.Fatalf("after untoggle: draft %v, ticked %v", d.s.Draft, checked(res))
		}
		if _, ok := d.s.Answers["help"]; ok {
			t.Fatal("toggles are not an answer before done")
		}
		d.press(actToggle, "school")
		res = d.press(actDone, "")
		if got := d.s.Answers["help"].Choices; !slices.Equal(got, []string{"money", "school"}) {
			t.Fatalf("choices %v", got)
		}
		if d.s.Draft != nil || d.s.Current != "has_friends" {
			t.Fatalf("draft %v current %q", d.s.Draft, d.s.Current)
		}
		if v := values(t, part(t, res, "answer.yours")); !slices.Equal(v, []string{"q.help.money", "q.help.school"}) {
			t.Fatalf("answer shown as %v", v)
		}
	})
	t.Run("done with nothing is skipped", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerUntil("help")
		res := d.press(actDone, "")
		if a := d.s.Answers["help"]; !a.Skipped || a.Choices != nil {
			t.Fatalf("answer %+v, want skipped", a)
		}
		if v := values(t, part(t, res, "answer.yours")); !slices.Equal(v, []string{"answer.skipped"}) {
			t.Fatalf("answer shown as %v", v)
		}
	})
	t.Run("required needs one", func(t *testing.T) {
		d := newDriver(t, withRequired(t, smallFlow(t), "help"))
		d.begin()
		d.answerUntil("help")
		if hasButton(d.res, actSkip) {
			t.Fatal("a required question shows skip")
		}
		before := d.s
		res := d.press(actDone, "")
		wantToast(t, res, "choose_one")
		if len(res.Messages) != 0 || !sameExceptClock(before, d.s) {
			t.Fatalf("done on nothing: messages %q, session changed %v", ids(res), !sameExceptClock(before, d.s))
		}
	})
	t.Run("forged option", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerUntil("help")
		before := d.s
		wantToast(t, d.pressData(encodeData(actToggle, 1, "help", "yes")), "stale")
		if !sameExceptClock(before, d.s) {
			t.Fatal("a forged toggle changed the session")
		}
	})
}

func TestScale(t *testing.T) {
	tests := []struct {
		name  string
		do    func(d *driver) Result
		want  int // 0: nothing stored
		ids   []string
		toast string
	}{
		{"button", func(d *driver) Result { return d.press(actAnswer, "4") }, 4,
			[]string{"progress", "q.mood", "answer.yours", "progress", "q.help"}, ""},
		{"typed digit", func(d *driver) Result { return d.text(" 5 ") }, 5,
			[]string{"progress", "q.help"}, ""},
		{"typed out of range", func(d *driver) Result { return d.text("9") }, 0,
			[]string{"note.kept", "progress", "q.mood"}, ""},
		{"typed words", func(d *driver) Result { return d.text("three") }, 0,
			[]string{"note.kept", "progress", "q.mood"}, ""},
		{"forged value", func(d *driver) Result { return d.pressData(encodeData(actAnswer, 1, "mood", "0")) }, 0,
			[]string{"progress", "q.mood"}, "stale"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDriver(t, smallFlow(t))
			d.begin()
			d.answerUntil("mood")
			before := d.s
			res := tc.do(d)
			wantIDs(t, res, tc.ids...)
			wantToast(t, res, tc.toast)
			if tc.want == 0 {
				// A typed text is kept beside the question (Session.Notes).
				if n := d.s.Notes["mood"]; slices.Contains(tc.ids, "note.kept") != (len(n) == 1) {
					t.Fatalf("notes %q", d.s.Notes)
				}
				d.s.Notes = nil
				if !sameExceptClock(before, d.s) {
					t.Fatal("session changed")
				}
				return
			}
			if a := d.s.Answers["mood"]; a.Scale != tc.want || d.s.Current != "help" {
				t.Fatalf("answer %+v, current %q", a, d.s.Current)
			}
		})
	}
}

func TestScaleButtonsTickOnlyTheAnswer(t *testing.T) {
	// A scale from 0: an unanswered question must not tick the 0.
	f := smallFlow(t)
	q, _ := f.Question("mood")
	q.Min = 0
	d := newDriver(t, f)
	d.begin()
	d.answerUntil("mood")
	if got := checked(d.res); len(got) != 0 {
		t.Fatalf("unanswered scale ticks %v", got)
	}
	d.press(actAnswer, "2")
	res := d.press(actBack, "")
	if got := checked(res); !slices.Equal(got, []string{"2"}) {
		t.Fatalf("ticked %v, want [2]", got)
	}
}

func TestYesNoOpensList(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerUntil("has_friends")
	if n, total := progress(t, d.res); n != 6 || total != 9 {
		t.Fatalf("progress %d/%d, want 6/9", n, total)
	}
	res := d.press(actAnswer, Yes)
	if d.s.Current != "friends" {
		t.Fatalf("current %q, want the list opened by yes", d.s.Current)
	}
	if n, total := progress(t, res); n != 7 || total != 9 {
		t.Fatalf("progress %d/%d, want 7/9", n, total)
	}
	if hasButton(res, actDone) {
		t.Fatal("an empty list shows done")
	}
	d.text("Ann")
	res = d.press(actDone, "")
	if d.s.Current != "friends_ok" {
		t.Fatalf("current %q, want the question opened by an answered list", d.s.Current)
	}
	if n, total := progress(t, res); n != 8 || total != 9 {
		t.Fatalf("progress %d/%d, want 8/9", n, total)
	}
}

func TestYesNoNoSkipsList(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerUntil("has_friends")
	d.press(actAnswer, No)
	if d.s.Current != "final" {
		t.Fatalf("current %q, want final", d.s.Current)
	}
}

func TestSkippedIsNotAnswered(t *testing.T) {
	// friends_ok asks about an answered list: skipping the list skips it.
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerUntil("has_friends")
	d.press(actAnswer, Yes)
	res := d.press(actSkip, "")
	if d.s.Current != "final" {
		t.Fatalf("current %q, want final", d.s.Current)
	}
	if n, total := progress(t, res); n != 8 || total != 8 {
		t.Fatalf("progress %d/%d, want 8/8", n, total)
	}
}

func TestList(t *testing.T) {
	start := func(t *testing.T) *driver {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerUntil("has_friends")
		d.press(actAnswer, Yes)
		return d
	}
	t.Run("several entries then done", func(t *testing.T) {
		d := start(t)
		res := d.text("Ann")
		wantIDs(t, res, "list.added", "answer.current")
		if part(t, res, "list.added").Vars["Count"] != 1 || !hasButton(res, actDone) {
			t.Fatalf("after one entry: %+v", res.Messages)
		}
		res = d.text("Bob")
		if part(t, res, "list.added").Vars["Count"] != 2 || !slices.Equal(d.s.Draft, []string{"Ann", "Bob"}) {
			t.Fatalf("after two entries: draft %v", d.s.Draft)
		}
		if _, ok := d.s.Answers["friends"]; ok {
			t.Fatal("entries are not an answer before done")
		}
		d.press(actDone, "")
		if got := d.s.Answers["friends"].Items; !slices.Equal(got, []string{"Ann", "Bob"}) {
			t.Fatalf("items %v", got)
		}
	})
	t.Run("multi-line message adds each line", func(t *testing.T) {
		d := start(t)
		res := d.text("Ann\n  \n Bob ")
		if p := part(t, res, "list.added"); p.Vars["Count"] != 2 {
			t.Fatalf("count %v", p.Vars["Count"])
		}
		if !slices.Equal(d.s.Draft, []string{"Ann", "Bob"}) {
			t.Fatalf("draft %v", d.s.Draft)
		}
		res = d.press(actDone, "")
		if got := d.s.Answers["friends"].Items; !slices.Equal(got, []string{"Ann", "Bob"}) {
			t.Fatalf("items %v", got)
		}
		if v := values(t, part(t, res, "answer.yours")); !slices.Equal(v, []string{"Ann", "Bob"}) {
			t.Fatalf("answer shown as %v", v)
		}
	})
	t.Run("max items finishes by itself", func(t *testing.T) {
		d := start(t)
		d.text("Ann\nBob")
		res := d.text("Cy")
		if got := d.s.Answers["friends"].Items; !slices.Equal(got, []string{"Ann", "Bob", "Cy"}) {
			t.Fatalf("items %v", got)
		}
		if part(t, res, "list.full").Vars["Count"] != 3 || d.s.Current != "friends_ok" || d.s.Draft != nil {
			t.Fatalf("after the third entry: %q, current %q", ids(res), d.s.Current)
		}
	})
	t.Run("entries over the limit are shown as not kept", func(t *testing.T) {
		d := start(t)
		d.text("Ann\nBob")
		res := d.text("Cy\nDee")
		if got := d.s.Answers["friends"].Items; !slices.Equal(got, []string{"Ann", "Bob", "Cy"}) {
			t.Fatalf("items %v", got)
		}
		// The young person sees what was kept, so a dropped entry is not a
		// silent loss.
		if v := values(t, part(t, res, "answer.yours")); !slices.Equal(v, []string{"Ann", "Bob", "Cy"}) {
			t.Fatalf("kept entries shown as %v", v)
		}
	})
	t.Run("entry too long refuses the whole message", func(t *testing.T) {
		d := start(t)
		d.text("Ann")
		before := d.s
		res := d.text("Bob\nAlexandria Longname")
		wantIDs(t, res, "list.item_too_long")
		if part(t, res, "list.item_too_long").Vars["Max"] != 12 || !sameExceptClock(before, d.s) {
			t.Fatalf("draft %v", d.s.Draft)
		}
	})
	t.Run("empty message reminds", func(t *testing.T) {
		d := start(t)
		before := d.s
		res := d.text("\n \n")
		if ids(res)[0] != "expect.list" || !sameExceptClock(before, d.s) {
			t.Fatalf("reply %q", ids(res))
		}
	})
	t.Run("reminder keeps the question and shows entries so far", func(t *testing.T) {
		d := start(t)
		d.text("Ann")
		res := d.handle(Event{Kind: EventMedia, Media: "photo"})
		wantIDs(t, res, "media.photo", "expect.list", "progress", "q.friends", "answer.current")
		if v := values(t, part(t, res, "answer.current")); !slices.Equal(v, []string{"Ann"}) {
			t.Fatalf("entries shown as %v", v)
		}
	})
}

func TestListLongUnicodeEntry(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerUntil("has_friends")
	d.press(actAnswer, Yes)
	d.text(strings.Repeat("ü", 12))
	if !slices.Equal(d.s.Draft, []string{strings.Repeat("ü", 12)}) {
		t.Fatalf("12 characters (24 bytes) fit a 12-character entry: draft %v", d.s.Draft)
	}
}
