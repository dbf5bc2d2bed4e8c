package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
)

// event is a Bot API call of the bot that concerns one chat, as the fake
// saw it.
type event struct {
	chat   int64
	method string
	at     time.Time // when the call reached the fake
	toast  bool      // an answerCallbackQuery with a notice
}

// person is one simulated young person: a private chat with the bot, one
// update at a time, each only after the bot has answered the last.
type person struct {
	l      *loader
	idx    int
	chat   int64
	gen    int64 // intakes started in a chat of their own (-new-chats)
	events chan event
	rng    *rand.Rand

	submitted bool // the last press was Versturen
	texts     int  // text answers given, to vary them

	// The questions of this intake the bot has asked, and the last one: a
	// question asked again after the bot moved past it means an answer it
	// had acknowledged is gone (cRegressed).
	asked    map[string]bool
	lastQ    string
	lastQMsg int64 // the message that asked lastQ
}

// questionActions are the button actions that belong to one question:
// every question has at least Pauzeren ("p:<version>:<question>:").
var questionActions = []string{dataAnswer, dataToggle, dataDone, dataSkip, "b:", "p:"}

// questionOf is the question a message's buttons belong to, or "".
func questionOf(m telegramtest.Msg) string {
	for _, b := range m.Buttons() {
		for _, prefix := range questionActions {
			if strings.HasPrefix(b.CallbackData, prefix) {
				if parts := strings.SplitN(b.CallbackData, ":", 4); len(parts) >= 3 && parts[2] != "" {
					return parts[2]
				}
			}
		}
	}
	return ""
}

// sees notes the question the person is looking at; the intake starts
// over with forget. Only a message newer than the last question counts:
// a person who looks back at an older message (after an apology or a
// notice) is not the bot going back.
func (p *person) sees(m telegramtest.Msg) {
	if m.ID <= p.lastQMsg {
		return
	}
	q := questionOf(m)
	if q == "" {
		return
	}
	p.lastQMsg = m.ID
	if q == p.lastQ {
		return
	}
	if p.asked == nil {
		p.asked = map[string]bool{}
	}
	if p.asked[q] {
		p.l.inc(cRegressed, p.l.measuring.Load())
		fmt.Fprintf(p.l.out, "person %d: the bot asked question %s again after moving past it\n", p.idx, q)
	}
	p.asked[q] = true
	p.lastQ = q
}

func (p *person) forget() {
	p.asked, p.lastQ = nil, ""
}

// action is what a person does next: type text, or press a button.
type action struct {
	text     string
	msgID    int64
	data     string
	submit   bool // pressing Versturen
	skip     bool // pressing Overslaan
	finished bool // a restart: the previous intake was sent
}

// Button data prefixes (dialog's "<action>:<flow version>:<question>:<arg>").
const (
	dataStart      = "go:"
	dataAnswer     = "a:"
	dataToggle     = "t:"
	dataDone       = "d:"
	dataSkip       = "s:"
	dataSend       = "ok:"
	dataRestart    = "rs:"
	dataRestartYes = "ry:"
	dataConsentYes = "cy:"
	dataAge        = "ag:"
)

// answers are what people type. Short enough for every text question, and
// a list question takes each line as an entry.
var answers = []string{
	"Een eigen kamer met een keukentje",
	"Hulp bij post en geld",
	"Mijn mentor Sam, die luistert echt",
	"Rustig praten en eerlijk zijn\nNiet over mij praten als ik er niet bij ben",
	"Dat ik mijn school afmaak",
	"Niet terug naar mijn oude buurt",
	"Mijn zus Lisa\nMijn vriend Mo",
	"Weet ik nog niet precies",
}

// decide picks the next action from what the chat shows now, like a
// person looking at the phone: the latest message with buttons. Yes to
// the consent, an age bracket the intake is for, Beginnen, then the
// questions, Versturen; after the thanks, /start and Opnieuw beginnen.
func (p *person) decide() action {
	api := p.l.api
	last := api.LastBotMessage(p.chat)
	if last.ID == 0 {
		return action{text: "/start"}
	}
	if p.submitted && len(last.Keyboard) == 0 {
		// "Dank je wel": this intake is done. Start the next one, or (with
		// -new-chats) a new young person starts in a chat of their own.
		p.submitted = false
		if p.l.cfg.NewChats {
			p.gen++
			p.chat = p.l.chatID(p.idx, p.gen)
		}
		p.forget()
		return action{text: "/start", finished: true}
	}
	msg := last
	if len(msg.Keyboard) == 0 {
		// An echo, a notice or an apology: look for the question above it.
		msgs := api.Chat(p.chat)
		msg = telegramtest.Msg{}
		for i := len(msgs) - 1; i >= 0; i-- {
			if msgs[i].FromBot && len(msgs[i].Keyboard) > 0 {
				msg = msgs[i]
				break
			}
		}
		if msg.ID == 0 {
			return action{text: "/start"}
		}
	}
	p.sees(msg)
	find := func(prefix string) (telegramtest.Button, bool) {
		for _, b := range msg.Buttons() {
			if strings.HasPrefix(b.CallbackData, prefix) {
				return b, true
			}
		}
		return telegramtest.Button{}, false
	}
	press := func(b telegramtest.Button) action { return action{msgID: msg.ID, data: b.CallbackData} }
	skip := func() (action, bool) {
		if p.rng.Float64() >= p.l.cfg.Skip {
			return action{}, false
		}
		b, ok := find(dataSkip)
		if !ok {
			return action{}, false
		}
		a := press(b)
		a.skip = true
		return a, true
	}

	if b, ok := find(dataConsentYes); ok { // the consent: yes
		return press(b)
	}
	if _, ok := find(dataAge); ok { // the age: one of the brackets the intake is for
		want := dialog.AgeBrackets[p.idx%len(dialog.AgeBrackets)]
		for _, b := range msg.Buttons() {
			if strings.HasPrefix(b.CallbackData, dataAge) && strings.HasSuffix(b.CallbackData, ":"+want) {
				return press(b)
			}
		}
	}
	if b, ok := find(dataSend); ok { // the review
		a := press(b)
		a.submit = true
		return a
	}
	for _, prefix := range []string{dataRestartYes, dataRestart, dataStart} {
		if b, ok := find(prefix); ok {
			p.forget()
			return press(b)
		}
	}
	if _, ok := find(dataToggle); ok { // a multi-select question
		if a, ok := skip(); ok {
			return a
		}
		for _, b := range msg.Buttons() {
			if strings.HasPrefix(b.CallbackData, dataToggle) && strings.HasPrefix(b.Text, "✅") {
				if done, ok := find(dataDone); ok {
					return press(done) // one option is ticked: Klaar
				}
			}
		}
		b, _ := find(dataToggle)
		return press(b) // tick the first option
	}
	if b, ok := find(dataAnswer); ok { // choice, yes/no, scale: the first option
		if a, ok := skip(); ok {
			return a
		}
		return press(b)
	}
	if b, ok := find(dataDone); ok { // a list with entries: Klaar
		if _, nav := find(dataSkip); !nav {
			return press(b)
		}
	}
	// A text or list question: type an answer.
	if a, ok := skip(); ok {
		return a
	}
	p.texts++
	return action{text: answers[(p.idx+p.texts)%len(answers)]}
}

// run acts until stop ends, then finishes the step in hand.
func (p *person) run(stop, abort context.Context, startDelay time.Duration) {
	if !sleepCtx(stop, startDelay) {
		return
	}
	for stop.Err() == nil {
		a := p.decide()
		if !p.l.pacer.wait(stop) {
			return
		}
		p.step(abort, a)
		if think := p.l.cfg.Think; think > 0 {
			// 0.5 to 1.5 times the pause, so that people drift apart.
			if !sleepCtx(stop, time.Duration(float64(think)*(0.5+p.rng.Float64()))) {
				return
			}
		}
	}
}

// step sends one update and waits until the bot has answered it: the
// first sendMessage or editMessageText for the chat gives the latency;
// the step is over when the chat shows something new to act on (a message
// with buttons, or the thanks after Versturen). After a message without
// buttons or a notice on a button, the person also takes -settle of
// silence as the end (an apology, "too long"). A reply later than -timeout
// is counted late but still waited for, up to lostAfter timeouts, so that
// the person does not lose step with the chat.
func (p *person) step(abort context.Context, a action) {
	l := p.l
	api := l.api
	before := api.LastBotMessage(p.chat)
	for len(p.events) > 0 { // late calls of an earlier step
		<-p.events
	}
	inWindow := l.measuring.Load()
	if a.finished {
		l.inc(cIntakes, inWindow)
	}
	if a.skip {
		l.inc(cSkips, inWindow)
	}
	t0 := time.Now()
	if a.text != "" {
		api.SendText(p.chat, p.chat, a.text, "nl")
	} else {
		_, query := api.PressButtonQuery(p.chat, p.chat, a.msgID, a.data)
		l.queries.Store(query, queryRoute{p: p, chat: p.chat})
	}
	l.inc(cSent, inWindow)
	p.submitted = a.submit

	late := time.NewTimer(l.cfg.Timeout)
	defer late.Stop()
	lost := time.NewTimer(lostAfter * l.cfg.Timeout)
	defer lost.Stop()
	var quiet <-chan time.Time
	replied := false
	for {
		select {
		case ev := <-p.events:
			if ev.chat != p.chat || ev.at.Before(t0) {
				continue
			}
			if ev.method == "answerCallbackQuery" {
				if !ev.toast {
					continue // the spinner stops; the messages follow
				}
				if !replied {
					replied = true
					l.inc(cHandled, inWindow)
				}
				quiet = time.After(l.cfg.Settle)
				continue
			}
			if !replied {
				replied = true
				l.latency(ev.at.Sub(t0), inWindow)
				if inWindow {
					l.timedSample(t0, ev.at.Sub(t0), false)
				}
				l.inc(cHandled, inWindow)
			}
			if p.settled(before, a) {
				p.trace(a, "settled", t0)
				return
			}
			quiet = time.After(l.cfg.Settle)
		case <-quiet:
			l.inc(cQuiet, inWindow)
			p.trace(a, "settled by silence", t0)
			return
		case <-late.C:
			if !replied {
				l.inc(cLate, inWindow)
				p.trace(a, "LATE", t0)
			}
		case <-lost.C:
			if !replied {
				l.inc(cLost, inWindow)
				if inWindow {
					l.timedSample(t0, 0, true)
				}
				p.trace(a, "LOST", t0)
			} else {
				l.inc(cQuiet, inWindow)
			}
			return
		case <-abort.Done():
			return
		}
	}
}

// lostAfter times -timeout without a reply, a person gives up on an update.
const lostAfter = 6

// queryRoute says whose button press a callback query is.
type queryRoute struct {
	p    *person
	chat int64
}

// trace prints what person 0 did and what the chat shows after it.
func (p *person) trace(a action, outcome string, t0 time.Time) {
	if !p.l.cfg.Trace || p.idx != 0 {
		return
	}
	did := fmt.Sprintf("types %q", a.text)
	if a.text == "" {
		did = fmt.Sprintf("presses %s on #%d", a.data, a.msgID)
	}
	last := p.l.api.LastBotMessage(p.chat)
	var labels []string
	for _, b := range last.Buttons() {
		labels = append(labels, "["+b.Text+"]")
	}
	first, _, _ := strings.Cut(last.Text, "\n")
	fmt.Fprintf(p.l.out, "trace %s: %s -> %s after %v; bot #%d (edits %d): %s %s\n",
		time.Now().Format("15:04:05.000"), did, outcome, time.Since(t0).Round(time.Millisecond), last.ID, last.Edits,
		truncate(first, 60), strings.Join(labels, ""))
}

// settled reports whether the chat shows the bot's full answer: a message
// (new or edited) with buttons, or the thanks after Versturen.
func (p *person) settled(before telegramtest.Msg, a action) bool {
	m := p.l.api.LastBotMessage(p.chat)
	if m.ID == before.ID && m.Edits == before.Edits {
		return false
	}
	return len(m.Keyboard) > 0 || a.submit
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// chatBase keeps the load test's chats apart from anything else: chat ids
// are chatBase + gen*users + index.
const chatBase int64 = 7_000_000_000

func (l *loader) chatID(idx int, gen int64) int64 {
	return chatBase + gen*int64(len(l.people)) + int64(idx)
}

// personOf finds the person of a chat id.
func (l *loader) personOf(chat int64) *person {
	if chat < chatBase || len(l.people) == 0 {
		return nil
	}
	return l.people[(chat-chatBase)%int64(len(l.people))]
}

// onCall routes the bot's calls to the people they concern.
func (l *loader) onCall(c telegramtest.Call) {
	inWindow := l.measuring.Load()
	var (
		p  *person
		ev = event{method: c.Method, at: c.Time}
	)
	switch c.Method {
	case "sendMessage", "editMessageText":
		chat, err := strconv.ParseInt(c.Params["chat_id"], 10, 64)
		if err != nil {
			return
		}
		ev.chat, p = chat, l.personOf(chat)
		if l.flood != nil {
			l.flood.seen(chat, c.Time)
		}
	case "answerCallbackQuery":
		r, ok := l.queries.LoadAndDelete(c.Params["callback_query_id"])
		if !ok {
			return
		}
		route := r.(queryRoute)
		ev.chat, p = route.chat, route.p
		if c.Params["text"] != "" {
			ev.toast = true
			l.inc(cToasts, inWindow) // a stale button or a refused press
		}
	default:
		return
	}
	if p == nil {
		return
	}
	select {
	case p.events <- ev:
	default:
		l.inc(cDropped, inWindow)
	}
}
