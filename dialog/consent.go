package dialog

import (
	"regexp"
	"slices"
	"strconv"
)

// AgeBrackets are the age groups the intake is for (16-27); the consent
// step also offers "younger" and "older", which end it kindly.
var AgeBrackets = []string{"16_17", "18_21", "22_27"}

const (
	ageYounger = "under_16"
	ageOlder   = "over_27"
	ageSkip    = "skip"
)

// gate is the turn before the intake proper: consent and age.
type gate struct{ *turn }

// needsConsent reports whether s has still to consent before anything else.
func (e *Engine) needsConsent(s *Session) bool {
	return e.Consent && s.Consented.IsZero()
}

// consent shows what the intake is, who sees what and how to stop, naming
// the director, and asks whether the young person takes part. Until they
// agree nothing is kept but what asks them again.
func (h gate) consent() {
	s := h.s
	if s.State == StateAge {
		h.askAge()
		return
	}
	s.State = StateConsent
	director := T("consent.your_director")
	if s.DirectorName != "" {
		director = T("consent.director_named", "Name", s.DirectorName)
	}
	h.say(Message{Parts: []Text{T("consent.text", "Director", director), CrisisLines(h.e.Country, h.s.Age)},
		Buttons: append(h.consentButtons(), []Button{{Label: T("btn.language"), Data: h.f.data(actLanguage, "", "")}})})
}

func (h gate) consentButtons() [][]Button {
	return [][]Button{{{Label: T("btn.consent_yes"), Data: h.f.data(actConsentYes, "", "")}}, {{Label: T("btn.consent_no"), Data: h.f.data(actConsentNo, "", "")}}}
}

// askAge asks the age bracket, saying why. The brackets come first, so
// that a second tap where "I take part" was never ends the intake; it can
// be skipped (the director is told the age is unknown).
func (h gate) askAge() {
	h.s.State = StateAge
	var brackets []Button
	for _, a := range AgeBrackets {
		brackets = append(brackets, Button{Label: T("age." + a), Data: h.f.data(actAge, "", a)})
	}
	rows := [][]Button{
		brackets[:1], brackets[1:],
		{{Label: T("age." + ageYounger), Data: h.f.data(actAge, "", ageYounger)}, {Label: T("age." + ageOlder), Data: h.f.data(actAge, "", ageOlder)}},
		{{Label: T("btn.age_skip"), Data: h.f.data(actAge, "", ageSkip)}},
	}
	h.say(Message{Parts: []Text{T("age.question"), T("age.why")}, Buttons: rows})
}

// typedAge takes a typed age ("17", "ik ben 19") as a press on its bracket.
func (h gate) typedAge() {
	n, ok := firstNumber(h.ev.Text)
	if !ok {
		h.say(Message{Parts: []Text{T("age.expect")}})
		h.askAge()
		return
	}
	arg := ageOlder
	for i, upTo := range []int{15, 17, 21, 27} {
		if n <= upTo && arg == ageOlder {
			arg = append([]string{ageYounger}, AgeBrackets...)[i]
		}
	}
	h.consentAction(buttonData{act: actAge, arg: arg, version: h.f.Version})
}

// firstNumber is the first whole number of at most three digits in s.
func firstNumber(s string) (int, bool) {
	m := append(ageNumber.FindStringSubmatch(s), "", "")
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

var ageNumber = regexp.MustCompile(`(?:^|\D)(\d{1,3})(?:\D|$)`)

// consentHint answers text on the consent screen: one line, with the
// buttons, not the whole screen again.
func (h gate) consentHint() {
	h.say(Message{Parts: []Text{T("consent.hint")}, Buttons: h.consentButtons()})
}

func (h gate) consentAction(d buttonData) {
	s := h.s
	if !h.e.needsConsent(h.s) {
		h.stale()
		return
	}
	switch d.act {
	case actConsentYes:
		if s.State != StateConsent {
			h.stale()
			return
		}
		h.say(Message{Parts: []Text{T("consent.thanks")}, Edit: true, Echo: true})
		h.askAge()
	case actAgeUndo:
		// "Younger than 16" or "older than 27" by accident: ask again.
		if s.State != StateConsent {
			h.stale()
			return
		}
		h.say(Message{Parts: []Text{T("age.too_young.undone")}, Edit: true, Echo: true})
		h.askAge()
	case actConsentNo:
		s.State = StateConsent
		h.say(Message{Parts: []Text{T("consent.later")}, Edit: true})
	case actAge:
		if s.State != StateAge {
			h.stale()
			return
		}
		undo := [][]Button{{{Label: T("btn.age_undo"), Data: h.f.data(actAgeUndo, "", "")}}}
		switch {
		case d.arg == ageYounger:
			s.State = StateConsent
			h.say(Message{Parts: []Text{T("age.too_young")}, Edit: true, Buttons: undo})
		case d.arg == ageOlder:
			s.State = StateConsent
			h.say(Message{Parts: []Text{T("age.too_old")}, Edit: true, Buttons: undo})
		case d.arg == ageSkip:
			s.Consented = h.now
			h.say(Message{Parts: []Text{T("age.question"), T("answer.yours", "Answer", []Text{T("btn.age_skip")})}, Edit: true, Echo: true})
			h.welcome()
		case slices.Contains(AgeBrackets, d.arg):
			s.Age, s.Consented = d.arg, h.now
			h.say(Message{Parts: []Text{T("age.question"), T("answer.yours", "Answer", []Text{T("age." + d.arg)})}, Edit: true, Echo: true})
			h.welcome()
		default:
			h.stale()
		}
	}
}
