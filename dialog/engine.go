package dialog

import (
	"slices"
	"time"
)

// Engine runs the intake conversation for one flow. It is safe for
// concurrent use: it holds no state of its own.
type Engine struct {
	Flow *Flow
	// Now is the clock; tests inject a fixed one.
	Now func() time.Time
	// Languages the young person can choose, the default first.
	Languages []string
	// Country selects the crisis lines of /help: "nl" or "be".
	Country string
	// ResumeAfter: a message after this much silence is taken as coming
	// back, not as an answer, so that "hi" days later is never stored as
	// the answer to a question asked last week. Zero means 12 hours.
	ResumeAfter time.Duration
}

// NewSession starts the session of a conversation.
func NewSession(key string) Session {
	return Session{Key: key, State: StateNew}
}

// Handle applies one event to a session. It never changes in; the new
// session is in the result, with the messages to show.
func (e *Engine) Handle(in Session, ev Event) Result {
	if ev.UpdateID != 0 && ev.UpdateID <= in.LastUpdateID {
		return Result{Session: in, Duplicate: true}
	}
	s := in.Clone()
	if s.State == "" {
		s.State = StateNew
	}
	h := &turn{e: e, f: e.Flow, s: &s, ev: ev, now: e.now(), idle: e.now().Sub(in.Updated)}
	if s.Lang == "" {
		s.Lang = e.MatchLanguage(ev.Lang)
	}
	h.migrate()
	switch ev.Kind {
	case EventCommand:
		h.command()
	case EventButton:
		h.button()
	case EventText:
		h.text()
	case EventMedia:
		h.media()
	}
	if ev.UpdateID != 0 {
		s.LastUpdateID = ev.UpdateID
	}
	s.Updated = h.now
	if s.Started.IsZero() {
		s.Started = h.now
	}
	h.res.Session = s
	h.res.Changed = !s.Equal(in)
	return h.res
}

func (e *Engine) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

// MatchLanguage maps a transport language code (nl-BE, en) to a supported
// language, or the default.
func (e *Engine) MatchLanguage(code string) string {
	for _, l := range e.Languages {
		if code == l || (len(code) > len(l) && code[:len(l)] == l && code[len(l)] == '-') {
			return l
		}
	}
	if len(e.Languages) > 0 {
		return e.Languages[0]
	}
	return ""
}

// turn is the work of one Handle call.
type turn struct {
	e    *Engine
	f    *Flow
	s    *Session
	ev   Event
	now  time.Time
	idle time.Duration
	res  Result
}

func (h *turn) say(m Message) { h.res.Messages = append(h.res.Messages, m) }
func (h *turn) toast(t Text)  { h.res.Toast = &t }
func (h *turn) data(act, q, arg string) string {
	return encodeData(act, h.f.Version, q, arg)
}

// migrate carries a session over to the engine's flow version: answers stay
// by question ID, removed questions are dropped, a removed current question
// moves on to the next open one. Never a wipe, never a crash.
func (h *turn) migrate() {
	s := h.s
	if s.FlowID == "" {
		s.FlowID, s.FlowVersion = h.f.ID, h.f.Version
		return
	}
	if s.FlowID == h.f.ID && s.FlowVersion == h.f.Version {
		return
	}
	for id := range s.Answers {
		if _, ok := h.f.Question(id); !ok {
			delete(s.Answers, id)
		}
	}
	s.History = slices.DeleteFunc(s.History, func(id string) bool {
		_, ok := h.f.Question(id)
		return !ok
	})
	s.FlowID, s.FlowVersion = h.f.ID, h.f.Version
	if s.Current == "" {
		return
	}
	if q, ok := h.f.Question(s.Current); ok && h.f.Applies(q, s.Answers) {
		h.seedDraft(q)
		return
	}
	s.Draft = nil
	if next, ok := h.nextOpen(""); ok {
		s.Current = next
		h.seedDraft(h.mustQuestion(next))
		return
	}
	s.Current, s.Editing = "", false
	if s.State == StateAsking {
		s.State = StateReview
	}
}

func (h *turn) mustQuestion(id string) *Question {
	q, _ := h.f.Question(id)
	return q
}

func (h *turn) command() {
	switch h.ev.Command {
	case "start":
		h.start()
	case "help":
		h.help()
	case "language", "taal":
		h.languagePicker()
	case "back", "skip", "pause":
		if h.s.State != StateAsking {
			h.remind()
			return
		}
		act := map[string]string{"back": actBack, "skip": actSkip, "pause": actPause}[h.ev.Command]
		h.questionAction(buttonData{act: act, question: h.s.Current, version: h.f.Version})
		// A command has no button press to show a toast on: say it instead,
		// or "/back" on the first question would go unanswered.
		if t := h.res.Toast; t != nil {
			h.res.Toast = nil
			h.say(Message{Parts: []Text{*t}})
		}
	default:
		h.say(Message{Parts: []Text{T("command.unknown")}})
		h.remind()
	}
}

func (h *turn) start() {
	switch h.s.State {
	case StateNew, StateWelcome:
		h.welcome()
	case StateSubmitted:
		h.say(Message{Parts: []Text{T("submitted.already")}, Buttons: [][]Button{{h.restartButton()}}})
	default:
		h.resume(true)
	}
}

func (h *turn) help() {
	country := h.e.Country
	if country == "" {
		country = "nl"
	}
	h.say(Message{Parts: []Text{T("help.text"), T("help.crisis." + country)}})
}

func (h *turn) welcome() {
	h.s.State = StateWelcome
	h.say(Message{
		Parts: []Text{T("welcome")},
		Buttons: [][]Button{
			{{Label: T("btn.start"), Data: h.data(actStart, "", "")}},
			{{Label: T("btn.language"), Data: h.data(actLanguage, "", "")}},
		},
	})
}

func (h *turn) languagePicker() {
	var rows [][]Button
	for _, l := range h.e.Languages {
		rows = append(rows, []Button{{
			Label: Text{ID: "language.name", Lang: l}, Data: h.data(actLanguage, "", l), Checked: l == h.s.Lang,
		}})
	}
	h.say(Message{Parts: []Text{T("language.choose")}, Buttons: rows})
}

func (h *turn) restartButton() Button {
	return Button{Label: T("btn.restart"), Data: h.data(actRestart, "", "")}
}

// resume brings a returning young person back to where they were.
func (h *turn) resume(offerRestart bool) {
	s := h.s
	var m Message
	if s.Current == "" {
		m.Parts = []Text{T("resume.review")}
	} else {
		n, total := h.position(s.Current)
		m.Parts = []Text{T("resume", "N", n, "Total", total)}
	}
	if offerRestart {
		m.Buttons = [][]Button{{h.restartButton()}}
	}
	h.say(m)
	h.where()
}

// where shows the young person where they are now, without changing it
// (except that a pause ends).
func (h *turn) where() {
	s := h.s
	switch s.State {
	case StateNew, StateWelcome:
		h.welcome()
	case StateSubmitted:
		h.say(Message{Parts: []Text{T("submitted.already")}, Buttons: [][]Button{{h.restartButton()}}})
	case StateReview:
		h.review()
	default:
		if s.Current == "" {
			h.review()
			return
		}
		s.State = StateAsking
		h.say(h.ask(h.mustQuestion(s.Current)))
	}
}

// remind says what the current step expects.
func (h *turn) remind() {
	s := h.s
	switch s.State {
	case StateNew, StateWelcome:
		h.welcome()
	case StatePaused:
		h.resume(false)
	case StateReview:
		h.say(Message{Parts: []Text{T("expect.review")}, Buttons: h.reviewButtons()})
	case StateSubmitted:
		h.say(Message{Parts: []Text{T("submitted.already")}, Buttons: [][]Button{{h.restartButton()}}})
	case StateAsking:
		q := h.mustQuestion(s.Current)
		h.say(Message{Parts: []Text{expectText(q)}})
		h.say(h.ask(q))
	}
}

func expectText(q *Question) Text {
	switch q.Kind {
	case KindText:
		return T("expect.text")
	case KindMulti:
		return T("expect.multi")
	case KindList:
		return T("expect.list")
	}
	return T("expect.buttons")
}

func (h *turn) media() {
	kind := h.ev.Media
	switch kind {
	case "voice", "photo", "sticker", "location", "video", "document":
	default:
		kind = "other"
	}
	if h.s.State == StateAsking {
		q := h.mustQuestion(h.s.Current)
		h.say(Message{Parts: []Text{T("media." + kind), expectText(q)}})
		h.say(h.ask(q))
		return
	}
	h.say(Message{Parts: []Text{T("media." + kind)}})
	h.remind()
}

func (h *turn) text() {
	s := h.s
	switch s.State {
	case StateNew:
		h.welcome()
	case StateWelcome:
		h.say(Message{Parts: []Text{T("expect.welcome")}})
		h.welcome()
	case StatePaused:
		h.resume(false)
	case StateAsking:
		if h.idle > h.resumeAfter() {
			h.resume(false)
			return
		}
		h.answerText(h.mustQuestion(s.Current), h.ev.Text)
	default:
		h.remind()
	}
}

func (h *turn) resumeAfter() time.Duration {
	if h.e.ResumeAfter > 0 {
		return h.e.ResumeAfter
	}
	return 12 * time.Hour
}
