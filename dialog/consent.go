package dialog

import "slices"

// AgeBrackets are the age groups the intake is for (16-27); the consent
// step also offers "younger" and "older", which end it kindly.
var AgeBrackets = []string{"16_17", "18_21", "22_27"}

const (
	ageYounger = "under_16"
	ageOlder   = "over_27"
)

// needsConsent reports whether s has still to consent before anything else.
func (e *Engine) needsConsent(s *Session) bool {
	return e.Consent && s.Consented.IsZero()
}

// consent shows what the intake is, who sees what and how to stop, naming
// the director, and asks whether the young person takes part. Until they
// agree nothing is kept but what asks them again.
func (h *turn) consent() {
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
	h.say(Message{
		Parts: []Text{T("consent.text", "Director", director), CrisisLines(h.e.Country, h.s.Age)},
		Buttons: [][]Button{
			{{Label: T("btn.consent_yes"), Data: h.f.data(actConsentYes, "", "")}},
			{{Label: T("btn.consent_no"), Data: h.f.data(actConsentNo, "", "")}},
			{{Label: T("btn.language"), Data: h.f.data(actLanguage, "", "")}},
		},
	})
}

func (h *turn) askAge() {
	h.s.State = StateAge
	var rows [][]Button
	for _, a := range append([]string{ageYounger}, append(slices.Clone(AgeBrackets), ageOlder)...) {
		rows = append(rows, []Button{{Label: T("age." + a), Data: h.f.data(actAge, "", a)}})
	}
	h.say(Message{Parts: []Text{T("age.question")}, Buttons: rows})
}

func (h *turn) consentAction(d buttonData) {
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
	case actConsentNo:
		s.State = StateConsent
		h.say(Message{Parts: []Text{T("consent.later")}, Edit: true})
	case actAge:
		if s.State != StateAge {
			h.stale()
			return
		}
		switch {
		case d.arg == ageYounger:
			s.State = StateConsent
			h.say(Message{Parts: []Text{T("age.too_young")}, Edit: true})
		case d.arg == ageOlder:
			s.State = StateConsent
			h.say(Message{Parts: []Text{T("age.too_old")}, Edit: true})
		case slices.Contains(AgeBrackets, d.arg):
			s.Age, s.Consented = d.arg, h.now
			h.say(Message{Parts: []Text{T("age.question"), T("answer.yours", "Answer", []Text{T("age." + d.arg)})}, Edit: true, Echo: true})
			h.welcome()
		default:
			h.stale()
		}
	}
}
