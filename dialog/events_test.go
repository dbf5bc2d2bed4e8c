package dialog

import (
	"slices"
	"strings"
	"testing"
)

func TestDuplicateUpdate(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerUntil("story")
	last := d.s.LastUpdateID
	for _, id := range []int64{last, last - 1} {
		before := d.s
		res := d.handle(Event{Kind: EventText, Text: "a story", UpdateID: id})
		if !res.Duplicate || res.Changed || len(res.Messages) != 0 || res.Toast != nil {
			t.Fatalf("update %d: %+v", id, res)
		}
		if !res.Session.Equal(before) {
			t.Fatalf("update %d changed the session", id)
		}
	}
	if _, ok := d.s.Answers["story"]; ok {
		t.Fatal("a redelivered text was stored")
	}
}

// Webhook replicas can apply a chat's updates out of order: an older update
// that was never applied is applied, not mistaken for a redelivery; one
// older than the whole window of remembered updates is taken as one.
func TestOutOfOrderUpdateIsAppliedOnce(t *testing.T) {
	d := newDriver(t, smallFlow(t))
	d.begin()
	d.answerUntil("story")
	last := d.s.LastUpdateID
	res := d.handle(Event{Kind: EventText, Text: "late new", UpdateID: last + 10})
	if res.Duplicate || d.s.Answers["story"].Text != "late new" {
		t.Fatalf("new update not applied: %+v", d.s.Answers)
	}
	res = d.handle(Event{Kind: EventText, Text: "earlier", UpdateID: last + 5})
	if res.Duplicate || !res.Changed {
		t.Fatal("an update that arrived late was dropped as a duplicate")
	}
	if d.s.LastUpdateID != last+10 {
		t.Fatalf("LastUpdateID %d, want the highest, %d", d.s.LastUpdateID, last+10)
	}
	if res := d.handle(Event{Kind: EventText, Text: "again", UpdateID: last + 5}); !res.Duplicate {
		t.Fatal("the late update applied twice")
	}
	for i := int64(0); i < RecentUpdates; i++ {
		d.handle(Event{Kind: EventCommand, Command: "help", UpdateID: last + 100 + i})
	}
	if len(d.s.Recent) != RecentUpdates {
		t.Fatalf("remembers %d updates, want %d", len(d.s.Recent), RecentUpdates)
	}
	if res := d.handle(Event{Kind: EventCommand, Command: "help", UpdateID: last + 50}); !res.Duplicate {
		t.Fatal("an update older than the window is applied")
	}
}

func TestWithoutUpdateID(t *testing.T) {
	// Events without an update ID (the terminal demo) are never duplicates
	// and leave the last transport update ID alone.
	d := newDriver(t, smallFlow(t))
	d.begin()
	last := d.s.LastUpdateID
	for _, name := range []string{"Sam", "story"} {
		res := d.e.Handle(d.s, Event{Kind: EventText, Text: name})
		if res.Duplicate || res.Session.LastUpdateID != last {
			t.Fatalf("%q: duplicate %v, LastUpdateID %d, want %d", name, res.Duplicate, res.Session.LastUpdateID, last)
		}
		d.s = res.Session
	}
	if d.s.Answers["story"].Text != "story" {
		t.Fatalf("answers %+v", d.s.Answers)
	}
}

func TestStaleButtons(t *testing.T) {
	tests := []struct {
		name string
		data string
	}{
		{"malformed", "nonsense"},
		{"empty", ""},
		{"over 64 bytes", "a:1:housing:" + strings.Repeat("o", 60)},
		{"version not a number", "a:one:housing:own"},
		{"negative version", "a:-1:housing:own"},
		{"another flow version", encodeData(actAnswer, 2, "housing", "own")},
		{"an older flow version", encodeData(actAnswer, 0, "housing", "own")},
		{"not the current question", encodeData(actAnswer, 1, "story", "")},
		{"a question not in the flow", encodeData(actAnswer, 1, "ghost", "own")},
		{"unknown action", encodeData("zz", 1, "housing", "own")},
		{"toggle on a choice", encodeData(actToggle, 1, "housing", "own")},
		{"done on a choice", encodeData(actDone, 1, "housing", "")},
		{"unknown language", encodeData(actLanguage, 1, "", "xx")},
		{"start mid-intake", encodeData(actStart, 1, "", "")},
		{"edit outside the review", encodeData(actEdit, 1, "name", "")},
		{"send outside the review", encodeData(actSend, 1, "", "")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newDriver(t, smallFlow(t))
			d.begin()
			d.answerUntil("housing")
			before := d.s
			res := d.pressData(tc.data)
			wantToast(t, res, "stale")
			// The young person sees where they are; nothing else changes.
			wantIDs(t, res, "progress", "q.housing")
			if !sameExceptClock(before, d.s) || res.Submitted {
				t.Fatalf("session changed:\n%+v\n%+v", before, d.s)
			}
		})
	}
}

func TestStaleRestartBeforeStart(t *testing.T) {
	for _, act := range []string{actRestart, actRestartYes} {
		t.Run(act, func(t *testing.T) {
			d := newDriver(t, smallFlow(t))
			d.cmd("start")
			before := d.s
			res := d.pressData(encodeData(act, 1, "", ""))
			wantToast(t, res, "stale")
			wantIDs(t, res, "welcome")
			if !sameExceptClock(before, d.s) {
				t.Fatal("session changed")
			}
		})
	}
}

func TestLanguage(t *testing.T) {
	t.Run("from the transport", func(t *testing.T) {
		for code, want := range map[string]string{"en-GB": "en", "en": "en", "nl-BE": "nl", "fr": "nl", "": "nl", "e": "nl"} {
			d := newDriver(t, smallFlow(t))
			d.handle(Event{Kind: EventCommand, Command: "start", Lang: code})
			if d.s.Lang != want {
				t.Errorf("language code %q: session in %q, want %q", code, d.s.Lang, want)
			}
		}
	})
	t.Run("kept once chosen", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.cmd("start")
		d.handle(Event{Kind: EventText, Text: "hi", Lang: "en"})
		if d.s.Lang != "nl" {
			t.Fatalf("lang %q: the transport's code counts only at the start", d.s.Lang)
		}
	})
	for _, cmd := range []string{"language", "taal"} {
		t.Run("picker /"+cmd, func(t *testing.T) {
			d := newDriver(t, smallFlow(t))
			d.begin()
			d.text("Sam")
			before := d.s
			res := d.cmd(cmd)
			wantIDs(t, res, "language.choose")
			var langs []string
			for _, row := range res.Messages[0].Buttons {
				if len(row) > 2 {
					t.Fatalf("%d languages in a row: too wide for a phone", len(row))
				}
				for _, b := range row {
					if b.Label.ID != "language.name" {
						t.Fatalf("label %+v", b.Label)
					}
					langs = append(langs, b.Label.Lang)
				}
			}
			if !slices.Equal(langs, []string{"nl", "en"}) || !slices.Equal(checked(res), []string{"nl"}) {
				t.Fatalf("languages %v ticked %v", langs, checked(res))
			}
			if !sameExceptClock(before, d.s) {
				t.Fatal("the picker changed the session")
			}
			res = d.press(actLanguage, "en")
			wantIDs(t, res, "language.changed", "progress", "q.story", "q.story.hint")
			if !res.Messages[0].Edit || d.s.Lang != "en" || d.s.Current != "story" {
				t.Fatalf("after choosing en: %+v", d.s)
			}
		})
	}
	t.Run("from the welcome", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.cmd("start")
		wantIDs(t, d.press(actLanguage, ""), "language.choose")
		res := d.press(actLanguage, "en")
		wantIDs(t, res, "language.changed", "welcome")
		if d.s.Lang != "en" || d.s.State != StateWelcome {
			t.Fatalf("%+v", d.s)
		}
	})
	t.Run("any flow version", func(t *testing.T) {
		// Language buttons carry no question: an old keyboard still works.
		d := newDriver(t, smallFlow(t))
		d.cmd("start")
		d.pressData(encodeData(actLanguage, 7, "", "en"))
		if d.s.Lang != "en" || toastID(d.res) != "" {
			t.Fatalf("lang %q toast %q", d.s.Lang, toastID(d.res))
		}
	})
}

func TestMedia(t *testing.T) {
	tests := []struct {
		media string
		want  []string
	}{
		{"voice", []string{"media.voice", "expect.text", "progress", "q.story", "q.story.hint"}},
		{"photo", []string{"media.photo", "expect.text", "progress", "q.story", "q.story.hint"}},
		{"gif", []string{"media.other", "expect.text", "progress", "q.story", "q.story.hint"}},
		{"", []string{"media.other", "expect.text", "progress", "q.story", "q.story.hint"}},
	}
	for _, tc := range tests {
		t.Run(tc.media, func(t *testing.T) {
			d := newDriver(t, smallFlow(t))
			d.begin()
			d.answerUntil("story")
			before := d.s
			wantIDs(t, d.handle(Event{Kind: EventMedia, Media: tc.media}), tc.want...)
			if !sameExceptClock(before, d.s) {
				t.Fatal("media changed the session")
			}
		})
	}
	t.Run("on a button question", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		d.answerUntil("housing")
		wantIDs(t, d.handle(Event{Kind: EventMedia, Media: "voice"}), "media.voice", "expect.buttons", "progress", "q.housing")
	})
	t.Run("before the start", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		wantIDs(t, d.handle(Event{Kind: EventMedia, Media: "voice"}), "media.voice", "welcome")
	})
}

func TestCommands(t *testing.T) {
	t.Run("unknown", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		d.begin()
		before := d.s
		wantIDs(t, d.cmd("frobnicate"), "command.unknown", "expect.text", "progress", "q.name")
		if !sameExceptClock(before, d.s) {
			t.Fatal("session changed")
		}
	})
	t.Run("help", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		wantIDs(t, d.cmd("help"), "help.text", "help.crisis.nl")
		d.e.Country = "be"
		wantIDs(t, d.cmd("help"), "help.text", "help.crisis.be")
	})
	t.Run("text before the start", func(t *testing.T) {
		d := newDriver(t, smallFlow(t))
		wantIDs(t, d.text("hoi"), "welcome")
		wantIDs(t, d.text("hoi?"), "expect.welcome", "welcome")
		if d.s.State != StateWelcome || d.s.Answers != nil {
			t.Fatalf("%+v", d.s)
		}
	})
}
