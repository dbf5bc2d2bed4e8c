package dialog

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// epoch is the fixed start of every test clock.
var epoch = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

// step is how far the test clock moves per event: well under ResumeAfter,
// so that an answer is taken as an answer unless a test waits on purpose.
const step = time.Minute

func loadFlow(tb testing.TB, name string) *Flow {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	f, err := ParseFlow(data, nil)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return f
}

func smallFlow(tb testing.TB) *Flow { return loadFlow(tb, "small.toml") }

func defaultFlow(tb testing.TB) *Flow {
	tb.Helper()
	f, err := DefaultFlow(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// withRequired returns a copy of f in which question id is required.
func withRequired(tb testing.TB, f *Flow, id string) *Flow {
	tb.Helper()
	c := *f
	c.Questions = slices.Clone(f.Questions)
	c.buildIndex()
	q, ok := c.Question(id)
	if !ok {
		tb.Fatalf("no question %q", id)
	}
	q.Required = true
	return &c
}

// driver plays a young person against an engine: every event is the next
// transport update, a minute after the one before, and every result is held
// to the engine's promises (valid session, input left alone).
type driver struct {
	t      *testing.T
	e      *Engine
	s      Session
	now    time.Time
	nextID int64
	res    Result
}

func newDriver(t *testing.T, f *Flow) *driver {
	d := &driver{t: t, now: epoch, nextID: 1000, s: NewSession("chat-1")}
	d.e = &Engine{Flow: f, Now: func() time.Time { return d.now }, Languages: []string{"nl", "en"}, Country: "nl"}
	return d
}

// handle applies ev as the next update (an UpdateID of its own unless ev
// has one) and checks the engine's promises.
func (d *driver) handle(ev Event) Result {
	d.t.Helper()
	d.now = d.now.Add(step)
	if ev.UpdateID == 0 {
		d.nextID++
		ev.UpdateID = d.nextID
	}
	in := d.s
	before := in.Clone()
	res := d.e.Handle(in, ev)
	if !in.Equal(before) {
		d.t.Fatalf("Handle(%+v) changed its input session", ev)
	}
	if err := d.e.Flow.CheckSession(res.Session); err != nil {
		d.t.Fatalf("Handle(%+v) left an invalid session: %v\n%+v", ev, err, res.Session)
	}
	if !res.Duplicate && !res.Session.Updated.Equal(d.now) {
		d.t.Fatalf("Updated = %v, want the clock %v", res.Session.Updated, d.now)
	}
	d.s, d.res = res.Session, res
	return res
}

func (d *driver) text(s string) Result {
	d.t.Helper()
	return d.handle(Event{Kind: EventText, Text: s})
}

func (d *driver) cmd(name string) Result {
	d.t.Helper()
	return d.handle(Event{Kind: EventCommand, Command: name, Lang: "nl"})
}

func (d *driver) pressData(data string) Result {
	d.t.Helper()
	return d.handle(Event{Kind: EventButton, Data: data})
}

// press presses the button with that action and argument on the latest
// messages, as the young person would; it fails when no such button shows.
func (d *driver) press(act, arg string) Result {
	d.t.Helper()
	b, ok := findButton(d.res, act, arg)
	if !ok {
		d.t.Fatalf("no button %s:%s on %v", act, arg, allButtons(d.res))
	}
	return d.pressData(b.Data)
}

// pressOn presses the button with that action for question q (an edit
// button of the review, say).
func (d *driver) pressOn(act, q string) Result {
	d.t.Helper()
	for i := len(d.res.Messages) - 1; i >= 0; i-- {
		for _, row := range d.res.Messages[i].Buttons {
			for _, b := range row {
				if bd, ok := decodeData(b.Data); ok && bd.act == act && bd.question == q {
					return d.pressData(b.Data)
				}
			}
		}
	}
	d.t.Fatalf("no button %s for %q on %v", act, q, allButtons(d.res))
	return Result{}
}

// begin opens the intake: /start, then the start button.
func (d *driver) begin() Result {
	d.t.Helper()
	d.cmd("start")
	return d.press(actStart, "")
}

// answer gives the current question an ordinary answer: a short text, the
// first option, a 3, "no", or one list entry.
func (d *driver) answer() Result {
	d.t.Helper()
	q, ok := d.e.Flow.Question(d.s.Current)
	if d.s.State != StateAsking || !ok {
		d.t.Fatalf("answer: not asking (state %s, current %q)", d.s.State, d.s.Current)
	}
	switch q.Kind {
	case KindText:
		return d.text("ok")
	case KindChoice:
		return d.press(actAnswer, q.Options[0])
	case KindYesNo:
		return d.press(actAnswer, No)
	case KindScale:
		return d.press(actAnswer, "3")
	case KindMulti:
		d.press(actToggle, q.Options[0])
		return d.press(actDone, "")
	default:
		d.text("entry")
		return d.press(actDone, "")
	}
}

// answerUntil answers questions until id is the current one.
func (d *driver) answerUntil(id string) {
	d.t.Helper()
	for range len(d.e.Flow.Questions) + 1 {
		if d.s.State == StateAsking && d.s.Current == id {
			return
		}
		d.answer()
	}
	d.t.Fatalf("never reached %q (state %s, current %q)", id, d.s.State, d.s.Current)
}

// answerAll answers every open question and ends in the review.
func (d *driver) answerAll() Result {
	d.t.Helper()
	for range len(d.e.Flow.Questions) + 1 {
		if d.s.State == StateReview {
			return d.res
		}
		d.answer()
	}
	d.t.Fatalf("never reached the review (state %s, current %q)", d.s.State, d.s.Current)
	return Result{}
}

// sameExceptClock reports whether b is a with only Updated and LastUpdateID
// moved on: what a press that changes nothing may do.
func sameExceptClock(a, b Session) bool {
	a = a.Clone()
	a.Updated, a.LastUpdateID, a.Recent = b.Updated, b.LastUpdateID, b.Recent
	return a.Equal(b)
}

// ids lists the message IDs of every part of every message, in order.
func ids(res Result) []string {
	var out []string
	for _, m := range res.Messages {
		out = append(out, partIDs(m)...)
	}
	return out
}

func partIDs(m Message) []string {
	out := make([]string, 0, len(m.Parts))
	for _, p := range m.Parts {
		out = append(out, p.ID)
	}
	return out
}

func wantIDs(t *testing.T, res Result, want ...string) {
	t.Helper()
	if got := ids(res); !slices.Equal(got, want) {
		t.Fatalf("message IDs = %q, want %q", got, want)
	}
}

func toastID(res Result) string {
	if res.Toast == nil {
		return ""
	}
	return res.Toast.ID
}

func wantToast(t *testing.T, res Result, want string) {
	t.Helper()
	if got := toastID(res); got != want {
		t.Fatalf("toast = %q, want %q", got, want)
	}
}

// part returns the first part with that ID among the result's messages.
func part(t *testing.T, res Result, id string) Text {
	t.Helper()
	for _, m := range res.Messages {
		for _, p := range m.Parts {
			if p.ID == id {
				return p
			}
		}
	}
	t.Fatalf("no part %q in %q", id, ids(res))
	return Text{}
}

// progress returns N and Total of the last progress line of the result:
// the question now asked.
func progress(t *testing.T, res Result) (int, int) {
	t.Helper()
	for i := len(res.Messages) - 1; i >= 0; i-- {
		for _, p := range res.Messages[i].Parts {
			if p.ID == "progress" {
				return p.Vars["N"].(int), p.Vars["Total"].(int)
			}
		}
	}
	t.Fatalf("no progress in %q", ids(res))
	return 0, 0
}

// values returns the IDs (or raw texts) of an "answer.*" part's Answer var.
func values(t *testing.T, p Text) []string {
	t.Helper()
	vs, ok := p.Vars["Answer"].([]Text)
	if !ok {
		t.Fatalf("%s has no Answer var: %+v", p.ID, p.Vars)
	}
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if v.ID != "" {
			out = append(out, v.ID)
		} else {
			out = append(out, v.Raw)
		}
	}
	return out
}

func findButton(res Result, act, arg string) (Button, bool) {
	for i := len(res.Messages) - 1; i >= 0; i-- {
		for _, row := range res.Messages[i].Buttons {
			for _, b := range row {
				if d, ok := decodeData(b.Data); ok && d.act == act && d.arg == arg {
					return b, true
				}
			}
		}
	}
	return Button{}, false
}

func allButtons(res Result) []string {
	var out []string
	for _, m := range res.Messages {
		for _, row := range m.Buttons {
			for _, b := range row {
				out = append(out, b.Data)
			}
		}
	}
	return out
}

// hasButton reports whether a button with that action shows on the latest
// messages (any argument).
func hasButton(res Result, act string) bool {
	for _, data := range allButtons(res) {
		if d, ok := decodeData(data); ok && d.act == act {
			return true
		}
	}
	return false
}

// checked lists the arguments of the ticked buttons.
func checked(res Result) []string {
	var out []string
	for _, m := range res.Messages {
		for _, row := range m.Buttons {
			for _, b := range row {
				if d, ok := decodeData(b.Data); ok && b.Checked {
					out = append(out, d.arg)
				}
			}
		}
	}
	return out
}
