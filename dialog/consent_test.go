package dialog

import (
	"slices"
	"testing"
)

func consentDriver(t *testing.T) *driver {
	d := newDriver(t, smallFlow(t))
	d.e.Consent = true
	d.s.DirectorName = "Sanne"
	return d
}

func TestConsentComesBeforeTheFirstQuestion(t *testing.T) {
	d := consentDriver(t)
	res := d.cmd("start")
	wantIDs(t, res, "consent.text", "help.crisis.nl")
	if dir := part(t, res, "consent.text").Vars["Director"].(Text); dir.ID != "consent.director_named" || dir.Vars["Name"] != "Sanne" {
		t.Fatalf("the consent does not name the director: %+v", dir)
	}
	if d.s.State != StateConsent || !d.s.Consented.IsZero() {
		t.Fatalf("state %s", d.s.State)
	}
	// A text gets a one-line hint with the buttons; the start button of an
	// old welcome asks again.
	res = d.text("hoi")
	wantIDs(t, res, "consent.hint")
	if !hasButton(res, actConsentYes) {
		t.Fatalf("the hint has no consent button: %v", allButtons(res))
	}
	wantIDs(t, d.pressData(encodeData(actStart, 1, "", "")), "consent.text", "help.crisis.nl")

	d.press(actConsentYes, "")
	if d.s.State != StateAge {
		t.Fatalf("after yes: %s", d.s.State)
	}
	res = d.press(actAge, "18_21")
	if d.s.Age != "18_21" || d.s.Consented.IsZero() || d.s.State != StateWelcome {
		t.Fatalf("after the age: %+v", d.s)
	}
	wantIDs(t, res, "age.question", "answer.yours", "welcome")
	d.press(actStart, "")
	if d.s.State != StateAsking {
		t.Fatalf("state %s", d.s.State)
	}
}

func TestNotNowAndOutOfRangeAgesKeepNothing(t *testing.T) {
	for _, tc := range []struct{ name, answer, want string }{
		{"not now", "", "consent.later"},
		{"younger than 16", ageYounger, "age.too_young"},
		{"older than 27", ageOlder, "age.too_old"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := consentDriver(t)
			d.cmd("start")
			var res Result
			if tc.answer == "" {
				res = d.press(actConsentNo, "")
			} else {
				d.press(actConsentYes, "")
				res = d.press(actAge, tc.answer)
			}
			wantIDs(t, res, tc.want)
			if d.s.State != StateConsent || d.s.Age != "" || !d.s.Consented.IsZero() || len(d.s.Answers) != 0 {
				t.Fatalf("kept more than needed to ask again: %+v", d.s)
			}
			wantIDs(t, d.cmd("start"), "consent.text", "help.crisis.nl")
		})
	}
}

func TestRestartKeepsTheConsent(t *testing.T) {
	d := consentDriver(t)
	d.cmd("start")
	d.press(actConsentYes, "")
	d.press(actAge, "16_17")
	d.press(actStart, "")
	d.text("Sam")
	d.cmd("start") // offers the restart
	d.press(actRestart, "")
	res := d.press(actRestartYes, "")
	wantIDs(t, res, "restart.done", "welcome")
	if d.s.Age != "16_17" || d.s.Consented.IsZero() || d.s.DirectorName != "Sanne" || len(d.s.Answers) != 0 {
		t.Fatalf("after restart: %+v", d.s)
	}
}

func TestConsentButtonsAfterConsentAreStale(t *testing.T) {
	d := consentDriver(t)
	d.cmd("start")
	d.press(actConsentYes, "")
	d.press(actAge, "22_27")
	before := d.s
	res := d.pressData(encodeData(actAge, 1, "", "16_17"))
	wantToast(t, res, "stale")
	if d.s.Age != before.Age {
		t.Fatal("a second age press changed the age")
	}
}

func TestFlagsAndProgress(t *testing.T) {
	f := defaultFlow(t)
	s := Session{Answers: map[string]Answer{
		"safe_now":      {Choices: []string{"unsafe"}},
		"income_amount": {Choices: []string{"below_500"}},
		"living_now":    {Choices: []string{"own_place"}},
		"dreams":        {Skipped: true},
	}}
	if got := BuildSummary(f, s).Flags; !slices.Equal(got, []string{"income", "safety"}) {
		t.Fatalf("flags %v", got)
	}
	done, total := f.Progress(s)
	if done != 4 || total != len(f.Applicable(s.Answers)) {
		t.Fatalf("progress %d of %d", done, total)
	}
}
