package bot_test

import (
	"context"
	"html"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/handoff"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
)

// longAnswer is an answer of n characters that starts with tag, with
// accents and emoji (two UTF-16 units each) all the way.
func longAnswer(tag string, n int) string {
	var b strings.Builder
	b.WriteString(tag)
	for i := 0; b.Len() < 4*n; i++ {
		b.WriteString(" zin " + strconv.Itoa(i) + " met é, ï en 😀.")
	}
	r := []rune(b.String())
	return strings.TrimSpace(string(r[:n]))
}

// From the admin's first /staff to the young person hearing that their
// director read their answers: every step through the fake Bot API.
func TestRolesEndToEnd(t *testing.T) {
	r := newRoles(t, nil)
	director := dialog.T("staff.role.director")

	// The admin makes a link for a director.
	r.send(adminID, "/staff", "nl")
	r.expectLast(adminID, r.visible("nl", "staff.overview.title"), r.visible("nl", "staff.overview.none"))
	r.press(adminID, "Procesregisseur")
	staffToken := r.token(adminID)
	link := "https://t.me/" + telegramtest.BotUsername + "?start=" + staffToken
	if got, want := r.last(adminID).Text, r.visible("nl", "staff.link_created", "Role", director, "Link", link, "Date", r.clock.Now().Add(bot.DefaultStaffLinkTTL)); got != want {
		t.Fatalf("staff link message = %q, want %q", got, want)
	}

	// Sanne opens it, gives her name and is a director, in English.
	r.send(directorID, "/start "+staffToken, "en")
	r.expectLast(directorID, r.visible("en", "staff.ask_name", "Role", director))
	seq := len(r.api.Calls())
	r.send(directorID, "Sanne de Vries", "en")
	r.expectLast(directorID, r.visible("en", "staff.welcome", "Name", "Sanne de Vries", "Role", director))
	m, ok, _ := r.people.Staff.Staff(context.Background(), directorID)
	if !ok || m.Role != domain.RoleDirector || m.Name != "Sanne de Vries" || m.Lang != "en" || m.AddedBy != adminID {
		t.Fatalf("staff member = %+v, %v", m, ok)
	}
	r.expectLast(adminID, r.visible("nl", "staff.added_notice", "Name", "Sanne de Vries", "Role", director))
	menus := r.api.CallsTo("setMyCommands")
	if !slices.ContainsFunc(menus, func(c telegramtest.Call) bool {
		return c.Seq >= seq && strings.Contains(c.Params["scope"], `"chat_id":`+strconv.Itoa(directorID)) &&
			strings.Contains(c.Params["commands"], `"invite"`) && strings.Contains(c.Params["commands"], `"cases"`)
	}) {
		t.Fatalf("no staff menu for the director's chat: %+v", menus)
	}
	// The link was for one person only.
	r.send(strangerID, "/start "+staffToken, "nl")
	r.expectLast(strangerID, r.visible("nl", "link.invalid"))

	// She invites Sam.
	r.send(directorID, "/invite Sam", "en")
	invite := r.token(directorID)

	// Sam opens the invite: the consent screen names Sanne.
	r.send(youngID, "/start "+invite, "nl")
	if _, ok := r.expectLast(youngID, "je procesregisseur Sanne de Vries").Button("Ik doe mee"); !ok {
		t.Fatal("no consent screen after the invite")
	}
	key := strconv.Itoa(youngID)
	c, ok := r.people.caseOf(key)
	if !ok || c.Director != directorID || c.FirstName != "Sam" || c.Counsellor != 0 || !c.Linked.Equal(r.clock.Now()) {
		t.Fatalf("case = %+v, %v", c, ok)
	}
	if s := r.session(youngID); s.DirectorName != "Sanne de Vries" {
		t.Fatalf("session names director %q", s.DirectorName)
	}
	r.consent(youngID)

	// Long answers, one with markup-like text, the rest skipped.
	answers := map[string]string{
		"dreams":            longAnswer("<b>x</b> & <script>alert('hi')</script> dromen", 1500),
		"dreams_help":       longAnswer("hulp", 1500),
		"support_words":     longAnswer("steun", 2000),
		"worked":            longAnswer("werkte", 1500),
		"not_worked":        longAnswer("werkte niet", 1500),
		"treat_do":          longAnswer("wel doen", 1800),
		"treat_dont":        longAnswer("niet doen", 1800),
		"must_not":          longAnswer("nooit", 2000),
		"safety_agreements": longAnswer("afspraken", 2000),
		"anything_else":     longAnswer("verder", 2000),
	}
	for range 100 {
		s := r.session(youngID)
		if s.State == dialog.StateReview {
			break
		}
		if a, ok := answers[s.Current]; ok {
			r.say(youngID, a)
		} else {
			r.press(youngID, "Overslaan")
		}
	}
	s := r.session(youngID)
	var given []string
	for q, a := range answers {
		if got := s.Answers[q]; got.Text == a {
			given = append(given, a)
		} else if _, asked := s.Answers[q]; asked {
			t.Fatalf("answer to %s stored as %q", q, got.Text)
		}
	}
	if s.State != dialog.StateReview || len(given) < 7 {
		t.Fatalf("state %s with %d long answers", s.State, len(given))
	}

	// Sam sends it: Sanne receives it in English, with the document and
	// the button.
	mark := r.lastID(directorID)
	r.press(youngID, r.visible("nl", "btn.send"))
	sent := r.sentSince(directorID, mark)
	s = r.session(youngID)
	c, _ = r.people.caseOf(key)
	sum := dialog.BuildSummary(r.engine.Flow, s)
	view := handoff.View{Case: c, Summary: sum, Age: s.Age, Flags: sum.Flags}
	want := handoff.NewRenderer(r.r).Messages("en", view)
	// ... and the buttons for their own view of the support (topic 2).
	if len(want) < 3 || len(sent) != len(want)+3 {
		t.Fatalf("director got %d messages, want %d handoff messages, a document, a button and the view's buttons; transcript:\n%s",
			len(sent), len(want), telegramtest.FormatTranscript(sent))
	}
	var shown strings.Builder
	for i, w := range want {
		if sent[i].Source != w || sent[i].ParseMode != "HTML" {
			t.Fatalf("handoff message %d = %q (%s), want %q", i, sent[i].Source, sent[i].ParseMode, w)
		}
		shown.WriteString(sent[i].Text + "\n")
	}
	if !strings.Contains(shown.String(), r.visible("en", "handoff.title")) {
		t.Fatal("the handoff is not in the director's language")
	}
	for _, a := range given {
		if !strings.Contains(shown.String(), a) {
			t.Fatalf("answer %.40q… did not arrive whole in the messages", a)
		}
	}
	doc := sent[len(want)]
	if doc.Kind != "document" || doc.Document == nil || !strings.HasSuffix(doc.Document.Filename, ".html") {
		t.Fatalf("no HTML document: %+v", doc)
	}
	body := string(doc.Document.Data)
	for _, a := range given {
		if !strings.Contains(body, html.EscapeString(a)) {
			t.Fatalf("answer %.40q… is not in the document", a)
		}
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "<b>x") {
		t.Fatal("an answer reached the document unescaped")
	}
	ackMsg := sent[len(sent)-2]
	if _, ok := ackMsg.Button(r.visible("en", "btn.ack")); !ok {
		t.Fatalf("no acknowledge button: %+v", ackMsg)
	}
	delivered := r.clock.Now()
	c, _ = r.people.caseOf(key)
	if !c.Delivered.Equal(delivered) {
		t.Fatalf("Delivered = %v, want %v", c.Delivered, delivered)
	}
	if at, ok := r.people.dueAt(key); !ok || !at.Equal(delivered.Add(bot.DefaultAckAfter)) {
		t.Fatalf("due at %v, %v; want %v", at, ok, delivered.Add(bot.DefaultAckAfter))
	}

	// Sanne acknowledges an hour later: Sam hears it, neutrally.
	r.clock.Advance(time.Hour)
	youngMark := r.lastID(youngID)
	r.press(directorID, r.visible("en", "btn.ack"))
	got := r.sentSince(youngID, youngMark)
	if len(got) != 1 || got[0].Text != r.visible("nl", "ack.young", "Name", "Sanne de Vries") {
		t.Fatalf("the young person got %+v", got)
	}
	c, _ = r.people.caseOf(key)
	if !c.Acknowledged.Equal(r.clock.Now()) || c.AckBy != directorID {
		t.Fatalf("case after the acknowledgement = %+v", c)
	}
	// No more reminders: the next due time is the end of the bot's copy.
	if at, ok := r.people.dueAt(key); !ok || !at.Equal(c.Acknowledged.Add(bot.DefaultAcknowledgedTTL)) {
		t.Fatalf("due at %v (%v) after the acknowledgement, want the end of its lifetime", at, ok)
	}
	for _, m := range r.api.Chat(directorID) {
		if m.ID == ackMsg.ID && (m.Text != r.visible("en", "ack.done", "Date", r.clock.Now()) || len(m.Buttons()) != 0) {
			t.Fatalf("the button message after the press = %+v", m)
		}
	}
	acts := r.people.actions()
	for _, a := range []string{"case.linked", "summary.delivered", "summary.acknowledged"} {
		if !slices.Contains(acts, a) {
			t.Errorf("audit trail %v lacks %s", acts, a)
		}
	}
	// A second press changes nothing and sends the young person nothing.
	youngMark = r.lastID(youngID)
	r.pressData(directorID, ackMsg.ID, "x:ack:"+key)
	if got := r.sentSince(youngID, youngMark); len(got) != 0 {
		t.Fatalf("a second acknowledgement told the young person again: %+v", got)
	}
	if r.b.DueOnce(context.Background()) != 0 {
		t.Fatal("an acknowledged intake is still due")
	}
}

// Without an acknowledgement the director is reminded after AckAfter, and
// the admins are told after another AckAfter; neither message holds a word
// of what the young person wrote.
func TestUnacknowledgedIntakeIsRemindedThenEscalated(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	secret := "mijn geheime antwoord"
	r.submitted(youngID, directorID, counsellorID, "Sam", map[string]string{"dreams": secret})
	key := strconv.Itoa(youngID)
	delivered, _ := r.people.caseOf(key)
	ctx := context.Background()

	r.clock.Advance(bot.DefaultAckAfter - time.Minute)
	if n := r.b.DueOnce(ctx); n != 0 {
		t.Fatalf("%d intakes due before AckAfter", n)
	}
	r.clock.Advance(2 * time.Minute)
	mark := r.lastID(directorID)
	if n := r.b.DueOnce(ctx); n != 1 {
		t.Fatalf("%d intakes due after AckAfter, want 1", n)
	}
	got := r.sentSince(directorID, mark)
	if len(got) != 1 || got[0].Text != r.visible("en", "ack.reminder", "Date", delivered.Delivered) {
		t.Fatalf("the director got %+v", got)
	}
	if _, ok := got[0].Button(r.visible("en", "btn.ack")); !ok {
		t.Fatal("the reminder has no acknowledge button")
	}
	c, _ := r.people.caseOf(key)
	if !c.Reminded.Equal(r.clock.Now()) || !c.Escalated.IsZero() {
		t.Fatalf("case after the reminder = %+v", c)
	}
	if n, e := r.metrics.DirectorReminders.Load(), r.metrics.HandoffsEscalated.Load(); n != 1 || e != 0 {
		t.Errorf("metrics after the reminder: %d reminders, %d escalations; want 1 and 0", n, e)
	}

	r.clock.Advance(bot.DefaultAckAfter + time.Minute)
	adminMark := r.lastID(adminID)
	seq := len(r.api.Calls())
	if n := r.b.DueOnce(ctx); n != 1 {
		t.Fatalf("%d intakes due after the reminder, want 1", n)
	}
	got = r.sentSince(adminID, adminMark)
	want := r.visible("nl", "ack.escalation", "Who", "Sam", "Name", "Sanne de Vries", "Date", delivered.Delivered)
	if len(got) != 1 || got[0].Text != want {
		t.Fatalf("the admin got %+v, want %q", got, want)
	}
	for _, c := range r.callsExcept(-1, seq) {
		if strings.Contains(c.Params["text"], secret) {
			t.Fatalf("a reminder carried the answer: %q", c.Params["text"])
		}
	}
	c, _ = r.people.caseOf(key)
	if !c.Escalated.Equal(r.clock.Now()) {
		t.Fatalf("case after the escalation = %+v", c)
	}
	if n, e := r.metrics.DirectorReminders.Load(), r.metrics.HandoffsEscalated.Load(); n != 1 || e != 1 {
		t.Errorf("metrics after the escalation: %d reminders, %d escalations; want 1 and 1", n, e)
	}
	r.clock.Advance(10 * bot.DefaultAckAfter)
	if n := r.b.DueOnce(ctx); n != 0 {
		t.Fatalf("%d intakes still due after the escalation", n)
	}
	// The admin may open it from there.
	mark = r.lastID(adminID)
	r.press(adminID, r.visible("nl", "btn.open_summary"))
	if !strings.Contains(telegramtest.FormatTranscript(r.sentSince(adminID, mark)), secret) {
		t.Fatal("the admin could not open the intake")
	}
}

// A handoff the director's chat refused is delivered by the due loop once
// it can be; nothing is lost.
func TestRefusedHandoffIsDeliveredLater(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	var blocked atomic.Bool
	blocked.Store(true)
	r.api.SetFault(func(method string, p map[string]string) *telegramtest.Fault {
		if blocked.Load() && p["chat_id"] == strconv.Itoa(directorID) {
			return &telegramtest.Fault{Status: 403}
		}
		return nil
	})
	key := strconv.Itoa(youngID)
	now := r.clock.Now()
	if err := r.people.Cases.SaveCase(context.Background(), domain.Case{Key: key, Director: directorID, FirstName: "Sam", Linked: now}); err != nil {
		t.Fatal(err)
	}
	r.mem.put(dialog.Session{
		Key: key, FlowID: r.engine.Flow.ID, FlowVersion: r.engine.Flow.Version, Lang: "nl", State: dialog.StateReview,
		Started: now, Updated: now, Consented: now, Age: "16_17", Version: 1,
		Answers: map[string]dialog.Answer{"dreams": {Text: "een kamer voor mezelf", At: now}},
	})
	r.secrets = append(r.secrets, "een kamer voor mezelf")
	r.pressData(youngID, 0, "ok:"+strconv.Itoa(r.engine.Flow.Version)+"::")
	r.expectLast(youngID, r.visible("nl", "submitted"))
	if c, _ := r.people.caseOf(key); !c.Delivered.IsZero() {
		t.Fatal("recorded as delivered while the director's chat refused it")
	}
	r.clock.Advance(6 * time.Minute)
	if n := r.b.DueOnce(context.Background()); n != 1 {
		t.Fatalf("%d due, want the undelivered intake", n)
	}
	blocked.Store(false)
	r.clock.Advance(6 * time.Minute)
	mark := r.lastID(directorID)
	if n := r.b.DueOnce(context.Background()); n != 1 {
		t.Fatalf("%d due, want the undelivered intake", n)
	}
	got := r.sentSince(directorID, mark)
	if len(got) < 3 || !strings.Contains(got[0].Text, "een kamer voor mezelf") || got[len(got)-3].Kind != "document" {
		t.Fatalf("the director got: %s", telegramtest.FormatTranscript(got))
	}
	c, _ := r.people.caseOf(key)
	if !c.Delivered.Equal(r.clock.Now()) {
		t.Fatalf("case = %+v", c)
	}
	if at, ok := r.people.dueAt(key); !ok || !at.Equal(r.clock.Now().Add(bot.DefaultAckAfter)) {
		t.Fatalf("due at %v, %v", at, ok)
	}
}

// A young person who starts over and sends again has the new intake
// delivered too, waiting for an acknowledgement of its own.
func TestSecondSubmissionIsDeliveredAgain(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	r.submitted(youngID, directorID, 0, "Sam", map[string]string{"dreams": "eerste versie"})
	r.press(directorID, r.visible("en", "btn.ack"))
	key := strconv.Itoa(youngID)

	r.clock.Advance(24 * time.Hour)
	s := r.session(youngID)
	s.State, s.Submitted = dialog.StateReview, time.Time{}
	s.Answers["dreams"] = dialog.Answer{Text: "tweede versie", At: r.clock.Now()}
	r.secrets = append(r.secrets, "tweede versie")
	r.mem.put(s)
	mark := r.lastID(directorID)
	r.pressData(youngID, 0, "ok:"+strconv.Itoa(r.engine.Flow.Version)+"::")
	got := r.sentSince(directorID, mark)
	if len(got) < 3 || !strings.Contains(got[0].Text, "tweede versie") {
		t.Fatalf("the director got: %s", telegramtest.FormatTranscript(got))
	}
	c, _ := r.people.caseOf(key)
	if !c.Delivered.Equal(r.clock.Now()) || !c.Acknowledged.IsZero() {
		t.Fatalf("case after the second submission = %+v", c)
	}
}
