package dialog

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Fuzz ops: each event of FuzzEngine starts with one op byte.
const (
	opText       = iota // a text from fuzzTexts
	opRawText           // a text of raw bytes
	opPressShown        // a button of the last reply, as a person would press it
	opPressBuilt        // a button built from the flow's own questions and options
	opRawData           // button data of raw bytes
	opCommand           // a command from fuzzCommands
	opMedia             // a voice message, photo, ...
	opRedeliver         // an update that was already applied
	opWait              // silence: the clock jumps ahead (no event)
	opNoUpdateID        // a text without a transport update ID
	opSwitchFlow        // the bot restarts with another version of the flow (no event)
	opCount
)

var fuzzTexts = []string{
	"", " ", "ok", "3", " 7 ", "-1", "0", "99999999999999999999",
	"Ann\nBob\nCy\nDee", "\n\n", "héllo 😀", "ééééééééé😀", "\x00\xff\xfe",
	"/start", "yes", strings.Repeat("x", 2001), strings.Repeat("😀", 201),
	strings.Repeat("name\n", 20), "twelve chars", "a\r\nb",
	"ik wil dood", "ik ga dood van het lachen",
	"klaar", "Stop!", "overslaan", "terug", "pauze", "help", "ik ben 17", "15", "30 jaar",
}

var fuzzCommands = []string{"start", "help", "language", "taal", "back", "skip", "pause", "frobnicate", "", "urgent", "dringend"}

var fuzzMedia = []string{"voice", "photo", "sticker", "location", "video", "document", "gif", ""}

var fuzzActs = []string{
	actStart, actAnswer, actToggle, actDone, actSkip, actBack, actPause, actEdit,
	actSend, actRestart, actRestartYes, actLanguage, actContinue, "zz",
	actKeep, actRemove, actPending, actAgeUndo, actAge, actConsentYes, actConsentNo,
}

// fuzzInput reads fuzz bytes as a sequence of choices; past the end every
// choice is 0.
type fuzzInput struct{ b []byte }

func (in *fuzzInput) next() byte {
	if len(in.b) == 0 {
		return 0
	}
	c := in.b[0]
	in.b = in.b[1:]
	return c
}

func (in *fuzzInput) pick(n int) int { return int(in.next()) % n }

func (in *fuzzInput) raw(max int) string {
	n := in.pick(max + 1)
	n = min(n, len(in.b))
	s := string(in.b[:n])
	in.b = in.b[n:]
	return s
}

// fuzzRun plays fuzz bytes against one engine and holds every step to the
// engine's promises.
type fuzzRun struct {
	t      *testing.T
	e      *Engine
	flows  []*Flow // versions to switch between; flows[0] first
	flow   int
	now    time.Time
	s      Session
	res    Result
	nextID int64
	seen   []int64 // applied update IDs, to redeliver
}

func newFuzzRun(t *testing.T, flows ...*Flow) *fuzzRun {
	r := &fuzzRun{t: t, flows: flows, now: epoch, nextID: 1, s: NewSession("fuzz")}
	r.e = &Engine{Flow: flows[0], Now: func() time.Time { return r.now }, Languages: []string{"nl", "en", "ar"}, Crisis: mustCrisisWords(t), Words: testWords}
	return r
}

func (r *fuzzRun) play(in *fuzzInput, maxEvents int) {
	for range maxEvents {
		if len(in.b) == 0 {
			return
		}
		r.now = r.now.Add(time.Duration(in.next()) * time.Second)
		ev, ok := r.event(in)
		if !ok {
			continue
		}
		r.step(ev)
	}
}

func (r *fuzzRun) event(in *fuzzInput) (Event, bool) {
	f := r.e.Flow
	op := in.pick(opCount)
	ev := Event{Lang: []string{"", "nl", "en-US", "ar", "xx"}[in.pick(5)]}
	switch op {
	case opText:
		ev.Kind, ev.Text = EventText, fuzzTexts[in.pick(len(fuzzTexts))]
	case opRawText:
		ev.Kind, ev.Text = EventText, in.raw(64)
	case opPressShown:
		var data []string
		for _, m := range r.res.Messages {
			for _, row := range m.Buttons {
				for _, b := range row {
					data = append(data, b.Data)
				}
			}
		}
		if len(data) == 0 {
			return Event{}, false
		}
		ev.Kind, ev.Data = EventButton, data[in.pick(len(data))]
	case opPressBuilt:
		q := &f.Questions[in.pick(len(f.Questions))]
		args := append([]string{"", "nl", "en", "xx", "0", "3", "11"}, q.OptionIDs()...)
		question := q.ID
		if in.pick(4) == 0 {
			question = ""
		}
		version := f.Version + in.pick(3) - 1
		ev.Kind, ev.Data = EventButton, encodeData(fuzzActs[in.pick(len(fuzzActs))], version, question, args[in.pick(len(args))])
	case opRawData:
		ev.Kind, ev.Data = EventButton, in.raw(70)
	case opCommand:
		ev.Kind, ev.Command, ev.Arg = EventCommand, fuzzCommands[in.pick(len(fuzzCommands))], in.raw(8)
	case opMedia:
		ev.Kind, ev.Media = EventMedia, fuzzMedia[in.pick(len(fuzzMedia))]
	case opRedeliver:
		if len(r.seen) == 0 {
			return Event{}, false
		}
		ev.Kind, ev.Text = EventText, "redelivered"
		ev.UpdateID = r.seen[in.pick(len(r.seen))]
		return ev, true
	case opWait:
		r.now = r.now.Add(time.Duration(in.next()) * time.Hour)
		return Event{}, false
	case opNoUpdateID:
		ev.Kind, ev.Text = EventText, fuzzTexts[in.pick(len(fuzzTexts))]
		return ev, true
	case opSwitchFlow:
		r.flow = (r.flow + 1) % len(r.flows)
		r.e.Flow = r.flows[r.flow]
		return Event{}, false
	}
	r.nextID += int64(in.pick(3)) // update IDs may skip, never go back
	r.nextID++
	ev.UpdateID = r.nextID
	return ev, true
}

func (r *fuzzRun) step(ev Event) {
	t := r.t
	in := r.s
	before := in.Clone()
	res := r.e.Handle(in, ev)
	if !in.Equal(before) {
		t.Fatalf("Handle(%+v) changed its input", ev)
	}
	// A redelivered update returns the session as it was, which may be of
	// an older flow version; it is not saved, so only the others must fit.
	if err := r.e.Flow.CheckSession(res.Session); err != nil && !res.Duplicate {
		t.Fatalf("Handle(%+v) on %+v\nleft an invalid session: %v\n%+v", ev, in, err, res.Session)
	}
	redelivered := ev.UpdateID != 0 && ev.UpdateID <= in.LastUpdateID
	if redelivered != res.Duplicate {
		t.Fatalf("update %d after %d: Duplicate = %v", ev.UpdateID, in.LastUpdateID, res.Duplicate)
	}
	if res.Duplicate && (!res.Session.Equal(in) || res.Changed || len(res.Messages) > 0 || res.Toast != nil) {
		t.Fatalf("a redelivered update changed something: %+v", res)
	}
	urgent := ev.Kind == EventCommand && (ev.Command == "urgent" || ev.Command == "dringend")
	if (res.Alert == AlertUrgent) != (urgent && !res.Duplicate) {
		t.Fatalf("Alert = %q on %+v", res.Alert, ev)
	}
	if res.Alert != AlertNone && !slices.ContainsFunc(ids(res), func(id string) bool { return strings.HasPrefix(id, "help.crisis.") }) {
		t.Fatalf("Alert %q without the crisis lines: %q", res.Alert, ids(res))
	}
	if res.Submitted != (res.Session.State == StateSubmitted && in.State != StateSubmitted) {
		t.Fatalf("Submitted = %v going from %s to %s", res.Submitted, in.State, res.Session.State)
	}
	if !res.Duplicate && len(res.Messages) == 0 && res.Toast == nil {
		t.Fatalf("Handle(%+v) in %s answered nothing", ev, in.State)
	}
	for _, m := range res.Messages {
		for _, row := range m.Buttons {
			for _, b := range row {
				if _, ok := decodeData(b.Data); !ok || len(b.Data) > 64 {
					t.Fatalf("button data %q does not fit Telegram's 64 bytes", b.Data)
				}
			}
		}
	}
	if !res.Duplicate {
		r.res = res
		if ev.UpdateID != 0 {
			r.seen = append(r.seen, ev.UpdateID)
		}
	}
	r.s = res.Session
}

func FuzzEngine(f *testing.F) {
	// Seeds: op bytes with their arguments (each event is preceded by a
	// clock byte).
	seq := func(events ...[]byte) []byte {
		var out []byte
		for _, e := range events {
			out = append(out, 30)
			out = append(out, e...)
		}
		return out
	}
	start := []byte{opCommand, 1, 0, 0}
	pressFirst := []byte{opPressShown, 0, 0}
	f.Add(seq(start, pressFirst, []byte{opText, 1, 2}, []byte{opText, 1, 2}, pressFirst, pressFirst))
	f.Add(seq(start, pressFirst, []byte{opText, 0, 8}, []byte{opText, 0, 15}, []byte{opPressShown, 0, 1}, []byte{opRedeliver, 0, 0}))
	f.Add(seq(start, pressFirst, []byte{opCommand, 0, 6, 0}, []byte{opWait, 0, 13}, []byte{opText, 0, 10}, []byte{opSwitchFlow, 0}, []byte{opText, 0, 2}))
	f.Add(seq(start, pressFirst, []byte{opPressBuilt, 0, 5, 2, 1, 3}, []byte{opRawData, 0, 5, 'a', ':', '1', ':', 'x'}, []byte{opMedia, 0, 0}))
	f.Add(seq(start, []byte{opCommand, 0, 2, 0}, []byte{opPressShown, 0, 1}, pressFirst, []byte{opCommand, 0, 0, 0}, []byte{opPressShown, 0, 0}, pressFirst))
	walk := seq(start, pressFirst)
	for i := range 60 {
		walk = append(walk, seq([]byte{opText, 0, 2}, []byte{opPressShown, 0, byte(i % 3)}, pressFirst)...)
	}
	f.Add(walk)
	f.Add([]byte("random bytes \x00\xff\x10 and more"))

	def := defaultFlow(f)
	small := loadFlow(f, "small.toml")
	smallV2 := loadFlow(f, "small_v2.toml")
	f.Fuzz(func(t *testing.T, data []byte) {
		newFuzzRun(t, def).play(&fuzzInput{b: data}, 400)
		newFuzzRun(t, small, smallV2).play(&fuzzInput{b: data}, 400)
	})
}

func FuzzParseFlow(f *testing.F) {
	f.Add(DefaultFlowFile())
	for _, name := range []string{"small.toml", "small_v2.toml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(header + "[[questions]]\nid = \"x\"\ntopic = \"a\"\nkind = \"scale\"\nmin = -3\nmax = 3\n"))
	f.Add([]byte(header + "[[questions]]\nid = \"x\"\ntopic = \"a\"\nkind = \"list\"\nmax_items = 1\nmax_len = 1\nrequired = true\n"))
	f.Add([]byte(header + "[[questions]]\nid = \"x\"\ntopic = \"a\"\nkind = \"multi\"\noptions = [\"p\", \"q\"]\nrequired = true\n" +
		"[[questions]]\nid = \"y\"\ntopic = \"a\"\nkind = \"text\"\nwhen = { question = \"x\", any_of = [\"q\"] }\n"))
	f.Add([]byte("version = 9223372036854775807\nid = \"v\"\n[[topics]]\nid = \"a\"\n[[questions]]\nid = \"abcdefghijklmnopqrstuvwx\"\ntopic = \"a\"\nkind = \"choice\"\noptions = [\"abcdefghijklmnop\", \"b\"]\n"))
	f.Add([]byte("id = \"x\"\nversion = 1\nquestions = [{ id = \"a\", topic = \"t\", kind = \"text\" }]\ntopics = [{ id = \"t\" }]\n"))
	f.Add([]byte("[[questions]]\nkind = \"text\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fl, err := ParseFlow(data, nil)
		if err != nil {
			var fe *FlowError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FlowError: %v", err, err)
			}
			if fe.Line < 0 || fe.Line > strings.Count(string(data), "\n")+1 || fe.Reason == "" {
				t.Fatalf("error points at line %d of %d: %q", fe.Line, strings.Count(string(data), "\n")+1, fe.Reason)
			}
			return
		}
		checkParsedFlow(t, data, fl)
	})
}

// checkParsedFlow holds a flow that parsed to what the engine relies on.
func checkParsedFlow(t *testing.T, data []byte, fl *Flow) {
	// Defaults applied, it still passes its own checks.
	if err := fl.check(data, nil); err != nil {
		t.Fatalf("a parsed flow fails its own check: %v", err)
	}
	var asked int
	if _, err := ParseFlow(data, func(string) bool { asked++; return true }); err != nil || asked == 0 {
		t.Fatalf("with every message: %v (asked %d)", err, asked)
	}
	if len(fl.MessageIDs()) == 0 {
		t.Fatal("no message IDs")
	}
	for i := range fl.Questions {
		q := &fl.Questions[i]
		if got, ok := fl.Question(q.ID); !ok || got != q {
			t.Fatalf("index does not find %q", q.ID)
		}
		if q.Kind == KindText || q.Kind == KindList {
			if q.MaxLen < 1 || (q.Kind == KindList && q.MaxItems < 1) {
				t.Fatalf("%q: limits %d/%d", q.ID, q.MaxLen, q.MaxItems)
			}
		}
		args := append([]string{""}, q.OptionIDs()...)
		if q.Kind == KindScale {
			args = append(args, strconv.Itoa(q.Min), strconv.Itoa(q.Max))
		}
		for _, act := range fuzzActs {
			for _, arg := range args {
				data := encodeData(act, fl.Version, q.ID, arg)
				d, ok := decodeData(data)
				if !ok || len(data) > 64 || d.act != act || d.version != fl.Version || d.question != q.ID || d.arg != arg {
					t.Fatalf("button data %q (%d bytes) does not round-trip", data, len(data))
				}
			}
		}
	}
	walkFlow(t, fl)
}

// walkFlow answers every question of fl with the simplest answer it takes
// and expects to reach the review: no parseable flow strands a person.
func walkFlow(t *testing.T, fl *Flow) {
	r := newFuzzRun(t, fl)
	r.step(Event{Kind: EventCommand, Command: "start"})
	r.step(Event{Kind: EventButton, Data: encodeData(actStart, fl.Version, "", "")})
	for range 4*len(fl.Questions) + 4 {
		if r.s.State != StateAsking {
			break
		}
		q, _ := fl.Question(r.s.Current)
		press := func(act, arg string) {
			r.step(Event{Kind: EventButton, Data: encodeData(act, fl.Version, q.ID, arg)})
		}
		switch q.Kind {
		case KindText:
			r.step(Event{Kind: EventText, Text: "x"})
		case KindScale:
			press(actAnswer, strconv.Itoa(q.Min))
		case KindChoice, KindYesNo:
			press(actAnswer, q.OptionIDs()[0])
		case KindMulti:
			if len(r.s.Draft) == 0 {
				press(actToggle, q.Options[0])
			} else {
				press(actDone, "")
			}
		case KindList:
			if len(r.s.Draft) == 0 {
				r.step(Event{Kind: EventText, Text: "x"})
			} else {
				press(actDone, "")
			}
		}
	}
	if r.s.State != StateReview {
		t.Fatalf("walking the flow ends in %s at %q", r.s.State, r.s.Current)
	}
	r.step(Event{Kind: EventButton, Data: encodeData(actSend, fl.Version, "", "")})
	if r.s.State != StateSubmitted {
		t.Fatalf("send ends in %s", r.s.State)
	}
}

// FuzzTypedInput: the readers of typed words and ages never panic, and a
// word is read the same however it is dressed.
func FuzzTypedInput(f *testing.F) {
	for _, s := range []string{"klaar", " Klaar! ", "ik ben 17 jaar", "17jaar", "1234", "", "\xff", "That’s all."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w := NormalizeWord(s)
		if NormalizeWord(w) != w {
			t.Fatalf("NormalizeWord(%q) = %q, not stable", s, w)
		}
		if n, ok := firstNumber(s); ok && (n < 0 || n > 999) {
			t.Fatalf("firstNumber(%q) = %d", s, n)
		}
	})
}
