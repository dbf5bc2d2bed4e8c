package dialog

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// crisisDriver plays the default flow with the crisis lists on.
func crisisDriver(t *testing.T) *driver {
	d := newDriver(t, defaultFlow(t))
	d.e.Crisis = mustCrisisWords(t)
	return d
}

// firstText is the first question of the flow that takes free text.
func firstText(t *testing.T, f *Flow) *Question {
	for i := range f.Questions {
		if q := &f.Questions[i]; q.Kind == KindText && q.When == nil {
			return q
		}
	}
	t.Fatal("no text question")
	return nil
}

func index(ids []string, id string) int { return slices.Index(ids, id) }

func wantSignals(t *testing.T, s Session, want ...Signal) {
	t.Helper()
	if !slices.EqualFunc(s.Signals, want, func(a, b Signal) bool {
		return a.At.Equal(b.At) && a.Source == b.Source && a.Quiet == b.Quiet
	}) {
		t.Fatalf("signals = %+v, want %+v", s.Signals, want)
	}
}

func TestUnsafeNowShowsTheLinesAndGoesOn(t *testing.T) {
	d := crisisDriver(t)
	d.begin()
	d.answerUntil("safe_now")
	res := d.press(actAnswer, "unsafe")
	if res.Alert != AlertSignal {
		t.Fatalf("Alert = %q, want %q", res.Alert, AlertSignal)
	}
	got := ids(res)
	echo, sig, lines, next := index(got, "answer.yours"), index(got, "help.crisis.signal"), index(got, "help.crisis.nl"), index(got, "q.safety_agreements")
	if echo < 0 || sig < 0 || lines != sig+1 || next < 0 || !(echo < sig && lines < next) {
		t.Fatalf("want the answer, then the caring line and the lines, then the next question: %q", got)
	}
	if !res.Messages[0].Edit {
		t.Fatal("the restated answer no longer edits the pressed message")
	}
	if a := d.s.Answers["safe_now"]; !slices.Equal(a.Choices, []string{"unsafe"}) {
		t.Fatalf("answer = %+v", a)
	}
	if d.s.State != StateAsking || d.s.Current != "safety_agreements" {
		t.Fatalf("state %s at %q, want the next question", d.s.State, d.s.Current)
	}
	wantSignals(t, d.s, Signal{At: d.now, Source: "safe_now"})

	sum := BuildSummary(d.e.Flow, d.s)
	if !slices.Contains(sum.Flags, FlagAcute) || !slices.Contains(sum.Flags, "safety") {
		t.Fatalf("summary flags = %q, want acute and safety", sum.Flags)
	}
	if len(sum.Signals) != 1 || !sum.Signals[0].At.Equal(d.now) || sum.Signals[0].Where.ID != "signal.where.question" ||
		sum.Signals[0].Where.Vars["Question"].(Text).ID != "q.safe_now.short" {
		t.Fatalf("summary signals = %+v", sum.Signals)
	}

	// The other answers raise nothing.
	for _, opt := range []string{"safe", "mostly"} {
		d := crisisDriver(t)
		d.begin()
		d.answerUntil("safe_now")
		if res := d.press(actAnswer, opt); res.Alert != AlertNone || slices.Contains(ids(res), "help.crisis.signal") || len(d.s.Signals) != 0 {
			t.Fatalf("%s: alert %q, %q, %+v", opt, res.Alert, ids(res), d.s.Signals)
		}
	}
}

func TestCrisisWordsInAnAnswerAreStoredAndSignalled(t *testing.T) {
	d := crisisDriver(t)
	q := firstText(t, d.e.Flow)
	d.begin()
	d.answerUntil(q.ID)
	res := d.text("ik wil dood")
	if res.Alert != AlertSignal {
		t.Fatalf("Alert = %q", res.Alert)
	}
	got := ids(res)
	if len(got) < 3 || got[0] != "help.crisis.signal" || got[1] != "help.crisis.nl" {
		t.Fatalf("want the caring line and the lines first: %q", got)
	}
	if a := d.s.Answers[q.ID]; a.Text != "ik wil dood" {
		t.Fatalf("the answer was not stored as the answer: %+v", a)
	}
	if d.s.Current == q.ID || d.s.State != StateAsking {
		t.Fatalf("the intake did not go on: %s at %q", d.s.State, d.s.Current)
	}
	wantSignals(t, d.s, Signal{At: d.now, Source: q.ID})
	if sum := BuildSummary(d.e.Flow, d.s); !slices.Contains(sum.Flags, FlagAcute) {
		t.Fatalf("summary flags = %q", sum.Flags)
	}
}

func TestOrdinaryWordsRaiseNothing(t *testing.T) {
	d := crisisDriver(t)
	q := firstText(t, d.e.Flow)
	d.begin()
	d.answerUntil(q.ID)
	res := d.text("ik ga dood van het lachen")
	if res.Alert != AlertNone || slices.Contains(ids(res), "help.crisis.signal") || len(d.s.Signals) != 0 {
		t.Fatalf("alert %q, %q, signals %+v", res.Alert, ids(res), d.s.Signals)
	}
	if d.s.Answers[q.ID].Text != "ik ga dood van het lachen" {
		t.Fatal("the answer was not stored")
	}
}

func TestNoCrisisWordsNoCheck(t *testing.T) {
	d := newDriver(t, defaultFlow(t))
	d.begin()
	d.answerUntil(firstText(t, d.e.Flow).ID)
	if res := d.text("ik wil dood"); res.Alert != AlertNone || len(d.s.Signals) != 0 {
		t.Fatalf("without Crisis: alert %q, signals %+v", res.Alert, d.s.Signals)
	}
}

// A message in any state is checked: the lines come first, then what the
// state shows anyway, which does not change.
func TestCrisisWordsInAnyState(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(d *driver)
		state State
	}{
		{"new", func(d *driver) {}, StateWelcome},
		{"before consent", func(d *driver) { d.e.Consent = true; d.cmd("start") }, StateConsent},
		{"welcome", func(d *driver) { d.cmd("start") }, StateWelcome},
		{"paused", func(d *driver) { d.begin(); d.cmd("pause") }, StateAsking},
		{"review", func(d *driver) { d.begin(); d.answerAll() }, StateReview},
		{"submitted", func(d *driver) { d.begin(); d.answerAll(); d.press(actSend, "") }, StateSubmitted},
		{"after a long silence", func(d *driver) { d.begin(); d.now = d.now.Add(13 * time.Hour) }, StateAsking},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := crisisDriver(t)
			tc.setup(d)
			answers := len(d.s.Answers)
			res := d.text("Ik wil er niet meer zijn.")
			if res.Alert != AlertSignal {
				t.Fatalf("Alert = %q", res.Alert)
			}
			if got := ids(res); len(got) < 3 || got[0] != "help.crisis.signal" || got[1] != "help.crisis.nl" {
				t.Fatalf("messages %q", got)
			}
			wantSignals(t, d.s, Signal{At: d.now, Source: SignalMessage})
			if d.s.State != tc.state || len(d.s.Answers) != answers {
				t.Fatalf("state %s with %d answers, want %s with %d", d.s.State, len(d.s.Answers), tc.state, answers)
			}
		})
	}
}

// Entries of a list count as an answer to the list question.
func TestCrisisWordsInAListEntry(t *testing.T) {
	d := crisisDriver(t)
	d.begin()
	var list *Question
	for i := range d.e.Flow.Questions {
		if q := &d.e.Flow.Questions[i]; q.Kind == KindList && q.When == nil {
			list = q
			break
		}
	}
	if list == nil {
		t.Fatal("the default flow has no list question")
	}
	d.answerUntil(list.ID)
	if res := d.text("mijn vader slaat me"); res.Alert != AlertSignal {
		t.Fatalf("Alert = %q", res.Alert)
	}
	wantSignals(t, d.s, Signal{At: d.now, Source: list.ID})
	if !slices.Equal(d.s.Draft, []string{"mijn vader slaat me"}) {
		t.Fatalf("draft %q", d.s.Draft)
	}
}

func TestUrgentInEveryState(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(d *driver)
	}{
		{"new", func(d *driver) { d.cmd("help") }},
		{"consent", func(d *driver) { d.e.Consent = true; d.cmd("start") }},
		{"age", func(d *driver) { d.e.Consent = true; d.cmd("start"); d.press(actConsentYes, "") }},
		{"welcome", func(d *driver) { d.cmd("start") }},
		{"asking", func(d *driver) { d.begin(); d.answer() }},
		{"paused", func(d *driver) { d.begin(); d.cmd("pause") }},
		{"review", func(d *driver) { d.begin(); d.answerAll() }},
		{"submitted", func(d *driver) { d.begin(); d.answerAll(); d.press(actSend, "") }},
	} {
		for _, cmd := range []string{"urgent", "dringend"} {
			t.Run(tc.name+"/"+cmd, func(t *testing.T) {
				d := crisisDriver(t)
				tc.setup(d)
				before := d.s.Clone()
				res := d.cmd(cmd)
				if res.Alert != AlertUrgent {
					t.Fatalf("Alert = %q", res.Alert)
				}
				wantIDs(t, res, "help.crisis.urgent", "help.crisis.nl")
				wantSignals(t, d.s, Signal{At: d.now, Source: SignalUrgent})
				after := d.s.Clone()
				after.Signals = nil
				if !sameExceptClock(before, after) {
					t.Fatalf("/%s changed the intake:\n%+v\n%+v", cmd, before, d.s)
				}
			})
		}
	}
}

// /help, /urgent, the consent screen and a signal all show the lines of
// the country and the young person's age.
func TestCrisisLinesFitCountryAndAge(t *testing.T) {
	d := crisisDriver(t)
	d.e.Country = "be"
	d.s.Age = "16_17"
	want := CrisisLines("be", "16_17")
	for name, res := range map[string]Result{
		"help":   d.cmd("help"),
		"urgent": d.cmd("urgent"),
		"signal": d.text("ik wil dood"),
	} {
		if got := part(t, res, "help.crisis.be"); got.Vars["Minor"] != true || got.ID != want.ID {
			t.Errorf("%s: lines %+v, want %+v", name, got, want)
		}
	}
	c := consentDriver(t)
	if got := part(t, c.cmd("start"), "help.crisis.nl"); got.Vars != nil {
		t.Errorf("the consent screen, age unknown, picks lines: %+v", got)
	}
	for age, v := range map[string]string{"16_17": "Minor", "18_21": "Adult", "22_27": "Adult"} {
		if got := CrisisLines("nl", age); got.ID != "help.crisis.nl" || got.Vars[v] != true || len(got.Vars) != 1 {
			t.Errorf("CrisisLines(nl, %s) = %+v", age, got)
		}
	}
	if got := CrisisLines("", ""); got.ID != "help.crisis.nl" || got.Vars != nil {
		t.Errorf("CrisisLines of no country and age = %+v", got)
	}
}

func TestRepeatedSignalsAreQuietForTenMinutes(t *testing.T) {
	d := crisisDriver(t)
	d.begin()
	d.answerAll()
	first := d.now.Add(step)
	if res := d.text("ik wil dood"); res.Alert != AlertSignal {
		t.Fatalf("first: %q", res.Alert)
	}
	second := d.now.Add(step)
	res := d.text("ik wil echt dood")
	// Every disclosure is answered; only the alert is held back.
	if res.Alert != AlertNone || !slices.Contains(ids(res), "help.crisis.signal") || !slices.Contains(ids(res), "help.crisis.nl") {
		t.Fatalf("a repeat within minutes: alert %q, %q", res.Alert, ids(res))
	}
	// /urgent is never held back, and does not hold signals back either.
	if res := d.cmd("urgent"); res.Alert != AlertUrgent {
		t.Fatalf("urgent: %q", res.Alert)
	}
	urgent := d.now
	d.now = first.Add(SignalQuiet - 2*step)
	res = d.text("ik voel me niet veilig")
	if res.Alert != AlertNone {
		t.Fatalf("just under %v: %q", SignalQuiet, res.Alert)
	}
	third := d.now
	d.now = first.Add(SignalQuiet - step) // the next event is at exactly SignalQuiet
	if res := d.text("ik wil dood"); res.Alert != AlertSignal || !slices.Contains(ids(res), "help.crisis.signal") {
		t.Fatalf("after %v: alert %q, %q", SignalQuiet, res.Alert, ids(res))
	}
	wantSignals(t, d.s,
		Signal{At: first, Source: SignalMessage},
		Signal{At: second, Source: SignalMessage, Quiet: true},
		Signal{At: urgent, Source: SignalUrgent},
		Signal{At: third, Source: SignalMessage, Quiet: true},
		Signal{At: d.now, Source: SignalMessage},
	)
}

func TestSignalsAreCappedAndSurviveARestart(t *testing.T) {
	d := crisisDriver(t)
	d.begin()
	for range MaxSignals + 5 {
		d.cmd("urgent")
	}
	if len(d.s.Signals) != MaxSignals || !d.s.Signals[MaxSignals-1].At.Equal(d.now) {
		t.Fatalf("%d signals, the last at %v", len(d.s.Signals), d.s.Signals[len(d.s.Signals)-1].At)
	}
	d.answer()
	d.cmd("start")
	d.press(actRestart, "")
	d.press(actRestartYes, "")
	if len(d.s.Signals) != MaxSignals || len(d.s.Answers) != 0 {
		t.Fatalf("after a restart: %d signals, %d answers", len(d.s.Signals), len(d.s.Answers))
	}
}

func TestSessionEqualSeesSignals(t *testing.T) {
	a := Session{Signals: []Signal{{At: epoch, Source: "x"}}}
	for _, b := range []Session{
		{},
		{Signals: []Signal{{At: epoch, Source: "y"}}},
		{Signals: []Signal{{At: epoch.Add(time.Second), Source: "x"}}},
		{Signals: []Signal{{At: epoch, Source: "x", Quiet: true}}},
	} {
		if a.Equal(b) {
			t.Errorf("%+v equals %+v", a.Signals, b.Signals)
		}
	}
	c := a.Clone()
	c.Signals[0].Source = "changed"
	if a.Signals[0].Source != "x" {
		t.Error("Clone shares the signals")
	}
}

// A different signal (another source) within the quiet period is alerted:
// the alerts room updates the open alert with it.
func TestADifferentSignalIsAlertedWithinTheQuietPeriod(t *testing.T) {
	d := crisisDriver(t)
	d.begin()
	d.answerAll()
	if res := d.text("ik wil dood"); res.Alert != AlertSignal {
		t.Fatalf("first: %q", res.Alert)
	}
	s := d.s.Clone()
	s.addSignal(Signal{At: d.now, Source: "dreams"})
	if recentSignal(&s, "dreams_help", d.now.Add(time.Minute)) {
		t.Fatal("a signal of another question counted as the same")
	}
	if !recentSignal(&s, "dreams", d.now.Add(time.Minute)) || !recentSignal(&s, SignalMessage, d.now.Add(time.Minute)) {
		t.Fatal("the same signal within the quiet period was not recognised")
	}
}

// The first aid the edge shows before the store is asked is what the
// engine would show with an unknown age; with LinesShown the engine
// records and alerts but does not show it again.
func TestFirstAidAndLinesShown(t *testing.T) {
	d := crisisDriver(t)
	for _, tc := range []struct {
		ev    Event
		ids   []string
		alert AlertKind
	}{
		{Event{Kind: EventCommand, Command: "help"}, []string{"help.text", "help.crisis.nl"}, AlertNone},
		{Event{Kind: EventCommand, Command: "urgent"}, []string{"help.crisis.urgent", "help.crisis.nl"}, AlertUrgent},
		{Event{Kind: EventCommand, Command: "dringend"}, []string{"help.crisis.urgent", "help.crisis.nl"}, AlertUrgent},
		{Event{Kind: EventText, Text: "ik wil dood"}, []string{"help.crisis.signal", "help.crisis.nl"}, AlertSignal},
	} {
		m, alert, ok := d.e.FirstAid(tc.ev)
		var got []string
		for _, p := range m.Parts {
			got = append(got, p.ID)
			if p.Vars != nil {
				t.Errorf("%+v: %s has vars %v, want every line", tc.ev, p.ID, p.Vars)
			}
		}
		if !ok || alert != tc.alert || !slices.Equal(got, tc.ids) {
			t.Errorf("%+v: %v %q %v, want %v %q", tc.ev, ok, alert, got, tc.ids, tc.alert)
		}
	}
	for _, ev := range []Event{{Kind: EventText, Text: "hallo"}, {Kind: EventCommand, Command: "start"}, {Kind: EventButton, Data: "x"}} {
		if _, _, ok := d.e.FirstAid(ev); ok {
			t.Errorf("first aid for %+v", ev)
		}
	}
	d.begin()
	d.answer()
	for _, ev := range []Event{{Kind: EventCommand, Command: "help"}, {Kind: EventCommand, Command: "urgent"}, {Kind: EventText, Text: "ik wil dood"}} {
		ev.LinesShown = true
		res := d.e.Handle(d.s, ev)
		d.s = res.Session
		for _, id := range ids(res) {
			if strings.HasPrefix(id, "help.") {
				t.Errorf("%+v: the engine showed %s again", ev, id)
			}
		}
	}
	if n := len(d.s.Signals); n != 2 {
		t.Fatalf("%d signals recorded, want /urgent and the words", n)
	}
}
