package dialog

// button handles a press. Data that is malformed, from an older flow
// version, or for a question that is not the current one is stale: the
// young person gets a polite notice and sees where they are, and nothing
// else changes.
func (h *turn) button() {
	d, ok := decodeData(h.ev.Data)
	if !ok {
		h.stale()
		return
	}
	s := h.s
	switch d.act {
	case actLanguage:
		h.language(d.arg)
		return
	case actContinue:
		h.where()
		return
	}
	if d.version != h.f.Version {
		h.stale()
		return
	}
	switch d.act {
	case actConsentYes, actConsentNo, actAge, actAgeUndo:
		gate{h}.consentAction(d)
	case actStart:
		if h.e.needsConsent(h.s) {
			h.welcome()
			return
		}
		if s.State != StateNew && s.State != StateWelcome {
			h.stale()
			return
		}
		h.s.State = StateAsking
		h.s.Current = ""
		if first, ok := h.nextOpen(""); ok {
			h.goTo(first)
			return
		}
		h.review()
	case actRestart, actRestartYes:
		switch {
		case s.State == StateNew || s.State == StateWelcome || s.State == StateConsent || s.State == StateAge:
			h.stale()
			return
		case d.act == actRestart:
			h.say(Message{Parts: []Text{T("restart.confirm")}, Buttons: [][]Button{
				{{Label: T("btn.restart_yes"), Data: h.f.data(actRestartYes, "", "")}},
				{{Label: T("btn.restart_no"), Data: h.f.data(actContinue, "", "")}},
			}})
			return
		}
		// Start over: the answers go, the consent, the link and the
		// signals of acute risk stay.
		*s = Session{Key: s.Key, FlowID: s.FlowID, FlowVersion: s.FlowVersion, Lang: s.Lang, Version: s.Version,
			LastUpdateID: s.LastUpdateID, Recent: s.Recent, DirectorName: s.DirectorName, Consented: s.Consented, Age: s.Age,
			Signals: s.Signals}
		h.say(Message{Parts: []Text{T("restart.done")}, Edit: true})
		h.welcome()
	case actEdit:
		q, ok := h.f.Question(d.question)
		if s.State != StateReview || !ok || !h.f.Applies(q, s.Answers) {
			h.stale()
			return
		}
		s.State, s.Current, s.Editing = StateAsking, q.ID, true
		h.seedDraft(q)
		h.say(h.ask(q))
	case actSend:
		if s.State != StateReview {
			h.stale()
			return
		}
		s.State, s.Submitted, s.Current, s.Draft = StateSubmitted, h.now, "", nil
		h.res.Submitted = true
		h.say(Message{Parts: []Text{T("submitted")}})
	case actPause:
		if s.State == StateReview {
			s.State = StatePaused
			h.say(Message{Parts: []Text{T("paused")}})
			return
		}
		h.questionAction(d)
	default:
		h.questionAction(d)
	}
}

func (h *turn) stale() {
	h.toast(T("stale"))
	h.where()
}

func (h *turn) language(code string) {
	if code == "" {
		h.languagePicker()
		return
	}
	for _, l := range h.e.Languages {
		if l == code {
			h.s.Lang = l
			h.say(Message{Parts: []Text{T("language.changed")}, Edit: true})
			h.where()
			return
		}
	}
	h.stale()
}

// questionAction handles the buttons that belong to the current question.
func (h *turn) questionAction(d buttonData) {
	s := h.s
	if d.question == "" || d.question != s.Current || (s.State != StateAsking && s.State != StatePaused) {
		h.stale()
		return
	}
	// A press on the question shown before a pause is a way of coming
	// back: it counts, as if the pause had never been.
	s.State = StateAsking
	q := h.f.mustQuestion(s.Current)
	switch d.act {
	case actAnswer:
		h.answerButton(q, d.arg)
	case actToggle:
		h.toggle(q, d.arg)
	case actDone:
		h.done(q)
	case actSkip:
		if q.Required {
			h.toast(T("required"))
			return
		}
		h.record(q, Answer{Skipped: true, At: h.now})
		h.say(h.answered(q))
		h.advance(q)
	case actBack:
		h.back(q)
	case actKeep:
		h.keep(q)
	case actPending:
		if h.pending == "" {
			h.stale()
			return
		}
		h.answerText(q, h.pending)
	case actRemove:
		list{h}.removeItem(q, d.arg)
	case actPause:
		s.State = StatePaused
		h.say(Message{Parts: h.questionParts(q, false), Edit: true, Echo: true})
		h.say(Message{Parts: []Text{T("paused")}})
	default:
		h.stale()
	}
}
