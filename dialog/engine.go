package dialog

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// CrisisMatcher recognises a message that signals acute risk (the word
// lists of package dialog/crisis).
type CrisisMatcher interface {
	Match(text string) bool
}

// Engine runs the intake conversation for one flow. It is safe for
// concurrent use: it holds no state of its own.
type Engine struct {
	Flow *Flow
	// Now is the clock; tests inject a fixed one.
	Now func() time.Time
	// Languages the young person can choose, the default first.
	Languages []string
	// Match, when set, picks one of Languages for a transport's language
	// code (locales.Catalog.Match: regions, varieties like prs for Dari).
	Match func(code string) string
	// Country selects the crisis lines (/help, /urgent, the consent
	// screen, a signal of acute risk): "nl" or "be".
	Country string
	// Crisis, when set, checks every text of the young person for words
	// that signal acute risk (see Result.Alert); nil checks nothing.
	Crisis CrisisMatcher
	// Consent asks for consent and the age bracket before the first
	// question (the bot and the demo set it).
	Consent bool
	// ResumeAfter: a message after this much silence is taken as coming
	// back: it is kept, and one press makes it the answer, so that "hi"
	// days later is not stored as the answer to a question asked last
	// week, and an answer is not lost either. Zero means 12 hours.
	ResumeAfter time.Duration
	// Words maps typed words (NormalizeWord, lower case) to the commands
	// they stand for: done, skip, back, pause, stop, help
	// (locales.Catalog.CommandWords). Such a word is never saved as an
	// answer, except on a question marked WordsAreAnswers.
	Words map[string]string
}

// NewSession starts the session of a conversation.
func NewSession(key string) Session {
	return Session{Key: key, State: StateNew}
}

// Handle applies one event to a session. It never changes in; the new
// session is in the result, with the messages to show.
func (e *Engine) Handle(in Session, ev Event) Result {
	if ev.UpdateID != 0 && in.Seen(ev.UpdateID) {
		return Result{Session: in, Duplicate: true}
	}
	s := in.Clone()
	if s.State == "" {
		s.State = StateNew
	}
	now := e.now()
	// A kept message lasts one turn: it is confirmed now or not at all.
	h := &turn{e: e, f: e.Flow, s: &s, ev: ev, now: now, idle: now.Sub(in.Updated), pending: s.Pending}
	s.Pending = ""
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
		h.checkText()
	case EventMedia:
		h.media()
	}
	if h.crisis != nil {
		h.res.Messages = afterEdits(h.res.Messages, *h.crisis)
	}
	if ev.UpdateID != 0 {
		s.markApplied(ev.UpdateID)
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

// MatchLanguage maps a transport language code (nl-BE, en, prs) to a
// supported language with Match, or, without it, the language code names
// exactly or by its base (nl-BE is nl); else the default.
func (e *Engine) MatchLanguage(code string) string {
	if e.Match != nil {
		return e.Match(code)
	}
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
	// moved is set when migrate put a question in front of the young
	// person that they have not seen.
	moved bool
	// tookText is the question whose answer (or draft) took the text of
	// this event; signalled and crisis are the turn's signal of acute
	// risk and the message it shows.
	tookText  string
	signalled bool
	crisis    *Message
	// pending is the message kept the turn before (Session.Pending).
	pending string
}

func (h *turn) say(m Message) { h.res.Messages = append(h.res.Messages, m) }
func (h *turn) toast(t Text)  { h.res.Toast = &t }

// data is the data of a button of this flow's version.
func (f *Flow) data(act, q, arg string) string {
	return encodeData(act, f.Version, q, arg)
}

// migrate carries a session over to the engine's flow version: answers stay
// by question ID, removed questions are dropped, a removed current question
// moves on to the next open one. Never a wipe, never a crash. A session that
// does not fit the flow although its version matches (a flow file edited
// without raising the version) is carried over the same way.
func (h *turn) migrate() {
	s := h.s
	if s.FlowID == "" {
		s.FlowID, s.FlowVersion = h.f.ID, h.f.Version
		return
	}
	if s.FlowID == h.f.ID && s.FlowVersion == h.f.Version && h.f.CheckSession(*s) == nil {
		return
	}
	// An answer that no longer fits its question (an option removed, a lower
	// limit) is dropped, so that the question is asked again.
	for id, a := range s.Answers {
		if q, ok := h.f.Question(id); !ok || checkAnswer(q, a) != nil {
			delete(s.Answers, id)
		}
	}
	s.History = slices.DeleteFunc(s.History, func(id string) bool {
		_, ok := h.f.Question(id)
		return !ok
	})
	// Another flow counts its own total.
	s.FlowID, s.FlowVersion, s.Total = h.f.ID, h.f.Version, 0
	switch {
	case s.State == StateSubmitted || s.State == StateNew || s.State == StateWelcome:
		s.Current, s.Editing, s.Draft = "", false, nil
		return
	case s.Current != "":
		if q, ok := h.f.Question(s.Current); ok && h.f.Applies(q, s.Answers) {
			// Same question: keep what was toggled or entered so far.
			s.Draft = fitDraft(q, s.Draft)
			return
		}
	}
	// The question in front of the young person is gone, or new questions
	// appeared after the review: go on to the next open one.
	s.Draft = nil
	next, ok := h.nextOpen("")
	if !ok {
		s.Current, s.Editing = "", false
		if s.State == StateAsking {
			s.State = StateReview
		}
		return
	}
	s.Current = next
	if s.State == StateReview {
		s.State, s.Editing = StateAsking, false
	}
	h.seedDraft(h.f.mustQuestion(next))
	// They have not seen this question yet: their next text resumes.
	h.moved = true
}

// fitDraft keeps of a draft what still fits question q.
func fitDraft(q *Question, draft []string) []string {
	switch q.Kind {
	case KindMulti:
		kept := slices.DeleteFunc(slices.Clone(q.Options), func(o string) bool { return !slices.Contains(draft, o) })
		if len(kept) == 0 {
			return nil
		}
		return kept
	case KindList:
		return draft[:min(len(draft), q.MaxItems)]
	}
	return nil
}

// mustQuestion is the question id of the flow, nil if there is none.
func (f *Flow) mustQuestion(id string) *Question {
	q, _ := f.Question(id)
	return q
}

func (h *turn) command() {
	switch h.ev.Command {
	case "start":
		h.start()
	case "help":
		h.help()
	case "urgent", "dringend":
		h.urgent()
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
		toastAsMessage(h)
	default:
		h.say(Message{Parts: []Text{T("command.unknown")}})
		h.remind()
	}
}

func (h *turn) start() {
	switch h.s.State {
	case StateNew, StateConsent, StateAge, StateWelcome:
		h.welcome()
	case StateSubmitted:
		h.say(Message{Parts: []Text{T("submitted.already")}, Buttons: [][]Button{{restartButton(h.f)}}})
	default:
		h.resume(true)
	}
}

func (h *turn) help() {
	if h.ev.LinesShown {
		return // the edge showed it (Engine.FirstAid)
	}
	h.say(Message{Parts: []Text{T("help.text"), CrisisLines(h.e.Country, h.s.Age)}})
}

func (h *turn) welcome() {
	if h.e.needsConsent(h.s) {
		gate{h}.consent()
		return
	}
	h.s.State = StateWelcome
	h.say(Message{
		Parts: []Text{T("welcome", "Total", len(h.f.Possible(h.s.Answers)))},
		Buttons: [][]Button{
			{{Label: T("btn.start"), Data: h.f.data(actStart, "", "")}},
			{{Label: T("btn.language"), Data: h.f.data(actLanguage, "", "")}},
		},
	})
}

func (h *turn) languagePicker() {
	// Two names a row: ten languages fit a phone's screen without
	// scrolling, and a name in its own script stays readable.
	var rows [][]Button
	for i, l := range h.e.Languages {
		b := Button{Label: Text{ID: "language.name", Lang: l}, Data: h.f.data(actLanguage, "", l), Checked: l == h.s.Lang}
		if i%2 == 0 {
			rows = append(rows, []Button{b})
		} else {
			rows[len(rows)-1] = append(rows[len(rows)-1], b)
		}
	}
	h.say(Message{Parts: []Text{T("language.choose")}, Buttons: rows})
}

// restartButton starts the intake over (with a confirmation).
func restartButton(f *Flow) Button {
	return Button{Label: T("btn.restart"), Data: encodeData(actRestart, f.Version, "", "")}
}

// resume brings a returning young person back to where they were.
func (h *turn) resume(offerRestart bool) {
	s := h.s
	var m Message
	if s.Current == "" {
		m.Parts = []Text{T("resume.review")}
	} else {
		n, total := h.f.position(h.s, s.Current)
		m.Parts = []Text{T("resume", "N", n, "Total", total)}
	}
	if offerRestart {
		m.Buttons = [][]Button{{restartButton(h.f)}}
	}
	h.say(m)
	h.where()
}

// where shows the young person where they are now, without changing it
// (except that a pause ends).
func (h *turn) where() {
	s := h.s
	switch s.State {
	case StateNew, StateConsent, StateAge, StateWelcome:
		h.welcome()
	case StateSubmitted:
		h.say(Message{Parts: []Text{T("submitted.already")}, Buttons: [][]Button{{restartButton(h.f)}}})
	case StateReview:
		h.review()
	default:
		if s.Current == "" {
			h.review()
			return
		}
		s.State = StateAsking
		h.say(h.ask(h.f.mustQuestion(s.Current)))
	}
}

// remind says what the current step expects.
func (h *turn) remind() {
	s := h.s
	switch s.State {
	case StateNew, StateConsent, StateAge, StateWelcome:
		h.welcome()
	case StatePaused:
		h.resume(false)
	case StateReview:
		h.say(Message{Parts: []Text{T("expect.review")}, Buttons: h.reviewButtons()})
	case StateSubmitted:
		h.say(Message{Parts: []Text{T("submitted.already")}, Buttons: [][]Button{{restartButton(h.f)}}})
	case StateAsking:
		q := h.f.mustQuestion(s.Current)
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
		q := h.f.mustQuestion(h.s.Current)
		h.say(Message{Parts: []Text{T("media." + kind), expectText(q)}})
		h.say(h.ask(q))
		return
	}
	h.say(Message{Parts: []Text{T("media." + kind)}})
	h.remind()
}

func (h *turn) text() {
	s := h.s
	if cmd, ok := typedCommand(h); ok {
		wordCommand(h, cmd)
		return
	}
	switch s.State {
	case StateConsent, StateAge, StateNew:
		switch g := (gate{h}); {
		case !h.e.needsConsent(s) || s.State == StateNew:
			h.welcome()
		case s.State == StateConsent:
			g.consentHint()
		default:
			g.typedAge()
		}
	case StateWelcome:
		h.say(Message{Parts: []Text{T("expect.welcome")}})
		h.welcome()
	case StatePaused:
		if s.Current != "" {
			h.comeBackWith(h.f.mustQuestion(s.Current))
			return
		}
		h.resume(false)
	case StateAsking:
		// Back after a silence, or at a question a flow upgrade put in
		// front of them: the message is kept, never dropped.
		if h.moved || h.idle > h.e.resumeAfter() {
			h.comeBackWith(h.f.mustQuestion(s.Current))
			return
		}
		h.answerText(h.f.mustQuestion(s.Current), h.ev.Text)
	default:
		h.remind()
	}
}

// comeBackWith keeps a message sent after a pause, a long silence or a
// flow upgrade, which may be a greeting or the answer to the question
// shown: the young person is shown where they were, and one press makes it
// the answer (a text, a list entry, a number on a scale); on a button
// question it is kept as a note (note). Their next message is the answer too.
func (h *turn) comeBackWith(q *Question) {
	h.s.State = StateAsking
	text := strings.TrimSpace(h.ev.Text)
	n, total := h.f.position(h.s, q.ID)
	back := T("resume", "N", n, "Total", total)
	takes := text != "" && (q.Kind == KindText || q.Kind == KindList)
	if q.Kind == KindScale {
		n, err := strconv.Atoi(text)
		takes = err == nil && n >= q.Min && n <= q.Max
	}
	if !takes {
		h.note(q, back)
		return
	}
	h.s.Pending = text
	h.say(Message{Parts: []Text{back, T("resume.kept")}})
	h.say(keptAsk(h, q))
}

// keptAsk asks q with the press that makes the kept message its answer.
func keptAsk(h *turn, q *Question) Message {
	m := h.ask(q)
	m.Buttons = append([][]Button{{{Label: T("btn.keep_message"), Data: h.f.data(actPending, q.ID, "")}}}, m.Buttons...)
	return m
}

// Current is the screen the young person is at, rendered without changing
// s: the reply again to an update that was applied but whose reply was
// lost (saved, then an error or a crash), so that no one is left without
// the next question. A message kept for one press (Session.Pending) is
// offered again. Nil when no intake is in progress.
func (e *Engine) Current(s Session) []Message {
	c := s.Clone()
	h := &turn{e: e, f: e.Flow, s: &c, now: e.now(), pending: c.Pending}
	h.migrate()
	switch {
	case c.State == StateSubmitted || c.State == StateNew || c.State == "":
		return nil
	case c.State == StatePaused:
		h.say(Message{Parts: []Text{T("paused")}})
	case c.State == StateAsking && c.Pending != "" && c.Current != "":
		h.say(Message{Parts: []Text{T("resume.kept")}})
		h.say(keptAsk(h, h.f.mustQuestion(c.Current)))
	default:
		h.where()
	}
	return h.res.Messages
}

// resumeAfter is how long a silence is before a message resumes.
func (e *Engine) resumeAfter() time.Duration {
	if e.ResumeAfter > 0 {
		return e.ResumeAfter
	}
	return 12 * time.Hour
}

// MaxNotes is how many messages a button question keeps beside it.
const MaxNotes = 5

// note keeps a message typed on a button question beside it (Session.Notes):
// it is not the answer, the young person is told so, and the director reads
// it with the answer. Only an empty message, or one past MaxNotes, gets just
// what the question expects.
func (h *turn) note(q *Question, head ...Text) {
	text := strings.TrimSpace(h.ev.Text)
	if text == "" || q.Kind == KindText || q.Kind == KindList || len(h.s.Notes[q.ID]) >= MaxNotes {
		h.say(Message{Parts: append(head, expectText(q))})
		h.say(h.ask(q))
		return
	}
	if h.s.Notes == nil {
		h.s.Notes = map[string][]string{}
	}
	h.s.Notes[q.ID] = append(h.s.Notes[q.ID], text)
	h.tookText = q.ID
	h.say(Message{Parts: append(head, T("note.kept"))})
	h.say(h.ask(q))
}
