package bot_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
)

// The cast of the role tests: Telegram user IDs, which are also the IDs of
// their private chats.
const (
	adminID       = 900001
	directorID    = 700001 // Sanne, reads English
	director2ID   = 700002 // another director
	counsellorID  = 600001 // Kees, invited the young person
	counsellor2ID = 600002 // a counsellor who did not
	youngID       = 500001
	young2ID      = 500002
	strangerID    = 500099
)

// roles is the harness with invitations: the real client and poller
// against the fake Bot API, in-memory stores, an admin, no open intake,
// and a clock the test moves.
type roles struct {
	*harness
	clock *fakeClock
}

// newRoles starts the edge with roles; tweak, when not nil, changes the
// options first.
func newRoles(t *testing.T, tweak func(*bot.Options)) *roles {
	t.Helper()
	clock := newClock()
	h := prepare(t, func(m *memStore) bot.Store { return movableStore{m} })
	h.engine.Consent = true
	h.engine.Now = clock.Now
	h.people = newPeople(clock.Now)
	api, err := tgbot.New("123456:TEST-token", tgbot.WithServerURL(h.api.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatalf("Bot API client: %v", err)
	}
	o := bot.Options{
		Engine: h.engine, Store: h.store, Renderer: h.r, API: api, Log: h.log,
		Username: telegramtest.BotUsername, PseudonymKey: []byte("test key"), DefaultLang: "nl",
		HandleTimeout: 10 * time.Second, Metrics: h.metrics,
		Sender: &telegram.Sender{PerSecond: 1000, PerChatInterval: time.Millisecond},
		Admins: []int64{adminID}, Now: clock.Now, Spool: h.spool,
	}
	h.people.into(&o)
	if tweak != nil {
		tweak(&o)
	}
	h.b = h.newBot(o)
	h.start()
	return &roles{harness: h, clock: clock}
}

// send has user write text in their private chat, with their Telegram
// language, and waits until the bot handled it.
func (r *roles) send(user int64, text, lang string) {
	r.t.Helper()
	if !strings.HasPrefix(text, "/") {
		r.secrets = append(r.secrets, text)
	}
	r.handled(r.api.SendText(user, user, text, lang))
}

// pressData has user press a button with data on message msg (0: a
// message that no longer exists) and waits until the bot handled it.
func (r *roles) pressData(user int64, msg int64, data string) {
	r.t.Helper()
	r.handled(r.api.PressButton(user, user, msg, data))
}

var tokenRE = regexp.MustCompile(`https://t\.me/` + telegramtest.BotUsername + `\?start=([A-Za-z0-9_-]+)`)

// token is the link token in the bot's last message to chat.
func (r *roles) token(chat int64) string {
	r.t.Helper()
	m := tokenRE.FindStringSubmatch(r.last(chat).Text)
	if m == nil {
		r.t.Fatalf("no link in the last message; transcript:\n%s", telegramtest.FormatTranscript(r.api.Chat(chat)))
	}
	return m[1]
}

// staff adds a staff member straight to the store.
func (r *roles) staff(id int64, role domain.Role, name, lang string) {
	r.t.Helper()
	if err := r.people.Staff.AddStaff(context.Background(), domain.StaffMember{UserID: id, Role: role, Name: name, Lang: lang, Added: r.clock.Now()}); err != nil {
		r.t.Fatal(err)
	}
}

// cast adds Sanne (director, English), a second director, Kees
// (counsellor) and a second counsellor.
func (r *roles) cast() {
	r.staff(directorID, domain.RoleDirector, "Sanne de Vries", "en")
	r.staff(director2ID, domain.RoleDirector, "Omar", "nl")
	r.staff(counsellorID, domain.RoleCounsellor, "Kees", "nl")
	r.staff(counsellor2ID, domain.RoleCounsellor, "Fatima", "nl")
}

// invite makes an invite for a young person straight in the store.
func (r *roles) invite(director, counsellor int64, first string) string {
	r.t.Helper()
	now := r.clock.Now()
	token, err := r.people.Links.CreateLink(context.Background(), domain.Link{
		Kind: domain.LinkInvite, CreatedBy: director, Director: director, Counsellor: counsellor,
		FirstName: first, Created: now, Expires: now.Add(bot.DefaultInviteTTL),
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return token
}

// consent takes a young person who opened an invite through consent and
// the age question to the first question.
func (r *roles) consent(chat int64) {
	r.t.Helper()
	r.press(chat, "Ik doe mee")
	r.press(chat, "18 tot en met 21")
	r.press(chat, "Beginnen")
	r.expectLast(chat, r.visible("nl", "q.dreams"))
}

// submitted makes chat a young person of director (and counsellor) whose
// approved intake was just handed off: the case and a session in review
// are stored, and the young person presses send.
func (r *roles) submitted(chat, director, counsellor int64, first string, answers map[string]string) {
	r.t.Helper()
	r.inReview(chat, director, counsellor, first, answers)
	r.pressData(chat, 0, sendData(r.engine))
	if c, _ := r.people.caseOf(strconv.FormatInt(chat, 10)); c.Delivered.IsZero() {
		r.t.Fatalf("the intake of %d was not delivered; logs:\n%s", chat, r.logs)
	}
}

// sendData is the data of the review's send button.
func sendData(e *dialog.Engine) string { return "ok:" + strconv.Itoa(e.Flow.Version) + "::" }

// inReview stores the case of chat, a young person of director (and
// counsellor), and a session in review with these answers (the rest
// skipped): the send button is next.
func (r *roles) inReview(chat, director, counsellor int64, first string, answers map[string]string) {
	r.t.Helper()
	key := strconv.FormatInt(chat, 10)
	now := r.clock.Now()
	if err := r.people.Cases.SaveCase(context.Background(), domain.Case{Key: key, Director: director, Counsellor: counsellor, FirstName: first, Linked: now}); err != nil {
		r.t.Fatal(err)
	}
	s := dialog.Session{
		Key: key, FlowID: r.engine.Flow.ID, FlowVersion: r.engine.Flow.Version, Lang: "nl",
		State: dialog.StateReview, Started: now, Updated: now, Consented: now, Age: "18_21", Version: 1,
		Answers: map[string]dialog.Answer{},
	}
	for _, q := range r.engine.Flow.Applicable(nil) {
		s.Answers[q] = dialog.Answer{Skipped: true, At: now}
	}
	for q, a := range answers {
		s.Answers[q] = dialog.Answer{Text: a, At: now}
		r.secrets = append(r.secrets, a)
	}
	for _, q := range r.engine.Flow.Applicable(s.Answers) {
		if _, ok := s.Answers[q]; !ok {
			s.Answers[q] = dialog.Answer{Skipped: true, At: now}
		}
	}
	r.mem.put(s)
}

// sentSince returns the bot's messages to chat with an ID above after.
func (r *roles) sentSince(chat, after int64) []telegramtest.Msg {
	var out []telegramtest.Msg
	for _, m := range r.api.Chat(chat) {
		if m.FromBot && m.ID > after {
			out = append(out, m)
		}
	}
	return out
}

// outgoing counts the calls that put something in front of a person.
var outgoing = []string{"sendMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup"}

// callsExcept returns the outgoing calls from seq on to chats other than
// chat.
func (r *roles) callsExcept(chat int64, seq int) []telegramtest.Call {
	var out []telegramtest.Call
	for _, m := range outgoing {
		for _, c := range r.api.CallsTo(m) {
			if c.Seq >= seq && c.Params["chat_id"] != strconv.FormatInt(chat, 10) {
				out = append(out, c)
			}
		}
	}
	return out
}
