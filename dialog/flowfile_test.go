package dialog

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestDefaultFlow(t *testing.T) {
	f := defaultFlow(t)
	if f.ID != "intake" || f.Version < 1 {
		t.Fatalf("flow %s v%d", f.ID, f.Version)
	}
	if n := len(f.Questions); n != 30 {
		t.Fatalf("%d questions, want 30", n)
	}
	msgs := f.MessageIDs()
	for _, id := range []string{"topic.dreams", "q.dreams", "q.dreams.short", "q.dreams.hint", "q.support_areas.money", "answer.yes", "answer.no"} {
		if !slices.Contains(msgs, id) {
			t.Errorf("MessageIDs lacks %q", id)
		}
	}
	if !slices.IsSorted(msgs) || len(slices.Compact(slices.Clone(msgs))) != len(msgs) {
		t.Error("MessageIDs is not sorted and unique")
	}
	// Every topic has a question, or the summary would name an empty topic.
	for _, tp := range f.Topics {
		if !slices.ContainsFunc(f.Questions, func(q Question) bool { return q.Topic == tp.ID }) {
			t.Errorf("topic %q has no question", tp.ID)
		}
	}
}

func TestDefaultFlowFileIsACopy(t *testing.T) {
	b := DefaultFlowFile()
	b[0] = 'X'
	if DefaultFlowFile()[0] == 'X' {
		t.Fatal("DefaultFlowFile hands out the embedded bytes")
	}
	if _, err := DefaultFlow(nil); err != nil {
		t.Fatal(err)
	}
}

func TestDefaultFlowAllMessages(t *testing.T) {
	// hasMessage sees every ID that MessageIDs lists, and no other.
	f := defaultFlow(t)
	want := f.MessageIDs()
	var asked []string
	if _, err := DefaultFlow(func(id string) bool { asked = append(asked, id); return true }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(asked)
	if asked = slices.Compact(asked); !slices.Equal(asked, want) {
		t.Fatalf("hasMessage asked %d IDs, MessageIDs has %d", len(asked), len(want))
	}
}

func TestFlowDefaults(t *testing.T) {
	f, err := ParseFlow([]byte(`id = "d"
version = 1
[[topics]]
id = "t"
[[questions]]
id = "txt"
topic = "t"
kind = "text"
[[questions]]
id = "lst"
topic = "t"
kind = "list"
[[questions]]
id = "scl"
topic = "t"
kind = "scale"
`), nil)
	if err != nil {
		t.Fatal(err)
	}
	txt, _ := f.Question("txt")
	lst, _ := f.Question("lst")
	scl, _ := f.Question("scl")
	if txt.MaxLen != DefaultTextMax || lst.MaxLen != DefaultItemMax || lst.MaxItems != DefaultListMax ||
		scl.Min != DefaultScaleMin || scl.Max != DefaultScaleMax {
		t.Fatalf("defaults not applied: %+v %+v %+v", txt, lst, scl)
	}
}

// header is the top of every bad flow below: questions start on line 5.
const header = `id = "t"
version = 1
[[topics]]
id = "a"
`

func TestParseFlowRefuses(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		line   int
		reason string
	}{
		{"toml syntax", header + `[[questions]]
id = "x"
kind = "text
`, 7, "newline"},
		{"unknown key", header + `[[questions]]
id = "x"
topic = "a"
kind = "text"
colour = "red"
`, 9, `unknown key "questions.colour"`},
		{"key in capitals", header + `[[questions]]
id = "x"
topic = "a"
Kind = "text"
`, 8, `unknown key "questions.Kind"`},
		{"table in capitals", header + `[[questions]]
id = "x"
topic = "a"
kind = "text"

[[Questions]]
id = "y"
topic = "a"
kind = "essay"
`, 10, `unknown key "Questions"`},
		{"wrong type", header + `[[questions]]
id = "x"
topic = "a"
kind = "text"
max_len = "long"
`, 9, "max_len"},
		{"unknown kind", header + `[[questions]]
id = "x"
topic = "a"
kind = "essay"
`, 5, `unknown question kind "essay"`},
		{"condition on a missing question", header + `[[questions]]
id = "x"
topic = "a"
kind = "text"
when = { question = "ghost" }
`, 5, `condition on "ghost", which is not an earlier question`},
		{"condition on a later question", header + `[[questions]]
id = "x"
topic = "a"
kind = "text"
when = { question = "y", any_of = ["yes"] }

[[questions]]
id = "y"
topic = "a"
kind = "yesno"
`, 5, `condition on "y", which is not an earlier question`},
		{"condition on itself", header + `[[questions]]
id = "x"
topic = "a"
kind = "yesno"
when = { question = "x" }
`, 5, `condition on "x"`},
		{"condition value not an option", header + `[[questions]]
id = "x"
topic = "a"
kind = "yesno"

[[questions]]
id = "y"
topic = "a"
kind = "text"
when = { question = "x", any_of = ["maybe"] }
`, 10, `condition value "maybe" is not an option of "x"`},
		{"duplicate id", header + `[[questions]]
id = "x"
topic = "a"
kind = "text"

[[questions]]
id = "x"
topic = "a"
kind = "yesno"
`, 10, `question "x": id used twice`},
		{"missing topic", header + `[[questions]]
id = "x"
kind = "text"
`, 5, `unknown topic ""`},
		{"topic not listed", header + `[[questions]]
id = "x"
topic = "b"
kind = "text"
`, 5, `unknown topic "b"`},
		{"choice with one option", header + `[[questions]]
id = "x"
topic = "a"
kind = "choice"
options = ["only"]
`, 5, "at least 2 options"},
		{"yes in a choice", header + `[[questions]]
id = "x"
topic = "a"
kind = "choice"
options = ["yes", "maybe"]
`, 5, `option "yes" is reserved`},
		{"option named like a label", header + `[[questions]]
id = "x"
topic = "a"
kind = "multi"
options = ["short", "long"]
`, 5, `option "short" is reserved`},
		{"option twice", header + `[[questions]]
id = "x"
topic = "a"
kind = "choice"
options = ["one", "two", "one"]
`, 5, "listed twice"},
		{"options on a text", header + `[[questions]]
id = "x"
topic = "a"
kind = "text"
options = ["one", "two"]
`, 5, "options are only for choice and multi"},
		{"scale min equals max", header + `[[questions]]
id = "x"
topic = "a"
kind = "scale"
min = 3
max = 3
`, 5, "min < max"},
		{"scale min above max", header + `[[questions]]
id = "x"
topic = "a"
kind = "scale"
min = 5
max = 1
`, 5, "min < max"},
		{"scale too wide", header + `[[questions]]
id = "x"
topic = "a"
kind = "scale"
min = -9223372036854775808
max = 0
`, 5, "scale"},
		{"question id too long", header + `[[questions]]
id = "a_question_id_far_too_long_for_buttons"
topic = "a"
kind = "text"
`, 5, "id must be 1-24"},
		{"question id with capitals", header + `[[questions]]
id = "Name"
topic = "a"
kind = "text"
`, 5, "id must be"},
		{"max_len too big", header + `[[questions]]
id = "x"
topic = "a"
kind = "text"
max_len = 5000
`, 5, "max_len must be 0-4000"},
		{"no questions", header, 0, "no [[questions]]"},
		{"bad flow id", `id = "My Flow"
version = 1
`, 1, `flow id "My Flow"`},
		{"no version", `# a comment
id = "f"
[[topics]]
id = "a"
`, 0, "version must be 1 or higher"},
		{"topic twice", `id = "t"
version = 1
[[topics]]
id = "a"
[[topics]]
id = "a"
[[questions]]
id = "x"
topic = "a"
kind = "text"
`, 5, `topic id "a"`},
		{"header with a comment", header + `[[questions]] # the first
id = "x"
topic = "a"
kind = "essay"
`, 5, "unknown question kind"},
		{"alert on an unknown option", header + `[[questions]]
id = "x"
topic = "a"
kind = "text"
[[questions]]
id = "safe"
topic = "a"
kind = "choice"
options = ["safe", "unsafe"]
alert = ["unsafe", "scared"]
`, 9, `alert on "scared", which is not an option`},
		{"alert on a text question", header + `[[questions]]
id = "x"
topic = "a"
kind = "text"
alert = ["yes"]
`, 5, `alert on "yes"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ParseFlow([]byte(tc.file), nil)
			if err == nil {
				t.Fatalf("accepted: %+v", f)
			}
			var fe *FlowError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T %v, want a *FlowError", err, err)
			}
			if fe.Line != tc.line || !strings.Contains(fe.Reason, tc.reason) {
				t.Fatalf("got line %d %q, want line %d and %q", fe.Line, fe.Reason, tc.line, tc.reason)
			}
			if tc.line > 0 && !strings.HasPrefix(err.Error(), "line ") {
				t.Fatalf("Error() = %q, want it to start with the line", err.Error())
			}
		})
	}
}

func TestParseFlowMissingMessage(t *testing.T) {
	file := header + `[[questions]]
id = "x"
topic = "a"
kind = "yesno"

[[questions]]
id = "y"
topic = "a"
kind = "choice"
options = ["one", "two"]
`
	missing := "q.y.two"
	_, err := ParseFlow([]byte(file), func(id string) bool { return id != missing })
	var fe *FlowError
	if !errors.As(err, &fe) || fe.Line != 10 || !strings.Contains(fe.Reason, `missing message "q.y.two"`) {
		t.Fatalf("err %v", err)
	}
	if _, err := ParseFlow([]byte(file), func(string) bool { return true }); err != nil {
		t.Fatalf("with every message: %v", err)
	}
}

func TestSmallFlowsParse(t *testing.T) {
	for _, name := range []string{"small.toml", "small_v2.toml"} {
		f := loadFlow(t, name)
		if len(f.Questions) < 8 || len(f.MessageIDs()) == 0 {
			t.Fatalf("%s: %d questions", name, len(f.Questions))
		}
	}
}
