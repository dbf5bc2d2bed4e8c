package bot_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/reminders"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
)

// redisCheckins keeps the check-in sessions in a real Redis, as serve
// does: a storage.Sessions under a prefix of its own.
type redisCheckins struct{ s *storage.Sessions }

func (a redisCheckins) Load(ctx context.Context, key string) (dialog.Session, bool, error) {
	s, err := a.s.Load(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return dialog.Session{}, false, nil
	}
	return s, err == nil, err
}

func (a redisCheckins) LoadFresh(ctx context.Context, key string) (dialog.Session, bool, error) {
	s, err := a.s.LoadFresh(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return dialog.Session{}, false, nil
	}
	return s, err == nil, err
}

func (a redisCheckins) Save(ctx context.Context, s dialog.Session) (dialog.Session, error) {
	return a.s.Save(ctx, s)
}

func (a redisCheckins) Delete(ctx context.Context, key string) error { return a.s.Delete(ctx, key) }

// checkinCast is Sam (young person of Kees, counsellor, and Omar,
// director) with a sent intake, in Amsterdam with quiet hours 22-08, the
// check-ins in a real Redis under "t:checkin:"; tweak may change more.
type checkinCast struct {
	*roles
	rdb      *redis.Client
	checkins redisCheckins
	intake   dialog.Session // Sam's intake session once it was sent
}

func newCheckinCast(t *testing.T, tweak func(*bot.Options)) *checkinCast {
	t.Helper()
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	rdb := redistest.Start(t).Client(t)
	codec, err := storage.NewCodec(make([]byte, storage.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	var checkins redisCheckins
	r := newRoles(t, func(o *bot.Options) {
		o.Loc, o.Quiet = ams, reminders.Quiet{From: 22 * time.Hour, To: 8 * time.Hour}
		checkins = redisCheckins{storage.NewSessions(rdb, codec, storage.SessionsOptions{Prefix: "t:checkin:", Now: o.Now})}
		o.CheckinStore = checkins
		if tweak != nil {
			tweak(o)
		}
	})
	r.cast()
	r.submitted(youngID, director2ID, counsellorID, "Sam", map[string]string{"dreams": "Een eigen plek"})
	intake, ok := r.mem.get(strconv.Itoa(youngID))
	if !ok || intake.State != dialog.StateSubmitted {
		t.Fatalf("Sam's intake: %+v", intake)
	}
	return &checkinCast{roles: r, rdb: rdb, checkins: checkins, intake: intake}
}

// scheduleCheckin has Kees make Sam's weekly check-in for tomorrow 09:00
// by /remind's buttons; weekly is offered first.
func (c *checkinCast) scheduleCheckin(t *testing.T) {
	t.Helper()
	c.send(counsellorID, "/remind", "nl")
	c.press(counsellorID, "Nieuwe herinnering")
	c.press(counsellorID, "Sam")
	c.press(counsellorID, "Wekelijkse check-in")
	c.expectLast(counsellorID, "Wanneer?")
	c.press(counsellorID, "Morgen 09:00")
	repeat := c.expectLast(counsellorID, "Hoe vaak?")
	if b := repeat.Buttons(); len(b) == 0 || !strings.Contains(b[0].Text, "Elke week") {
		t.Errorf("the first repeat offered is not weekly: %+v", b)
	}
	c.press(counsellorID, "Elke week")
	c.expectLast(counsellorID, "Klopt dit?", "Sam", "Wekelijkse check-in", "elke week")
	c.press(counsellorID, "Opslaan")
	c.expectLast(counsellorID, "Opgeslagen")
}

// falls moves the clock to Tuesday 3 March 09:00 in Amsterdam and runs
// the reminders: Sam gets the check-in's reminder.
func (c *checkinCast) falls(t *testing.T) {
	t.Helper()
	c.clock.Advance(23 * time.Hour)
	c.remindersOnce()
	msg := c.expectLast(youngID, c.visible("nl", "remind.young.checkin"))
	if first, _, _ := strings.Cut(msg.Text, "\n"); first != "🔔 Herinnering" {
		t.Errorf("the first line, shown on a lock screen, is %q", first)
	}
}

// intakeUntouched fails unless Sam's intake session is as it was sent.
func (c *checkinCast) intakeUntouched(t *testing.T) {
	t.Helper()
	now, ok := c.mem.get(strconv.Itoa(youngID))
	if !ok || !now.Equal(c.intake) || now.Version != c.intake.Version {
		t.Errorf("the check-in changed the intake session:\nbefore %+v\nafter  %+v", c.intake, now)
	}
}

// A counsellor schedules the weekly check-in; it falls due; the young
// person answers on the engine (one answer kept across a pause, one
// skip), reviews and sends; the counsellor and the director get the
// answers, escaped, with the first name and the week; it is audited and
// /remind shows it answered. The intake session is never touched, and
// the check-in lives in Redis under a key of its own with Sam's hash tag.
func TestWeeklyCheckinReachesTheCounsellorAndTheDirector(t *testing.T) {
	c := newCheckinCast(t, nil)
	c.scheduleCheckin(t)
	c.falls(t)
	c.send(counsellorID, "/remind", "nl")
	c.expectLast(counsellorID, "Sam", "Wekelijkse check-in", "verstuurd, nog niet beantwoord")

	c.press(youngID, "Begin")
	c.expectLast(youngID, c.visible("nl", "q.ci_well"), "Vraag 1 van 4")
	c.send(youngID, "Ik heb een <b>stage</b> gevonden & ik ben blij", "nl")
	c.expectLast(youngID, c.visible("nl", "q.ci_hard"))
	c.press(youngID, "Overslaan")
	c.expectLast(youngID, c.visible("nl", "q.ci_adjust"))
	c.press(youngID, "Pauze")
	c.expectLast(youngID, "Je antwoorden zijn opgeslagen")
	// Days later: the words typed after the pause are kept, one press
	// makes them the answer.
	c.clock.Advance(26 * time.Hour)
	c.send(youngID, "Meer hulp met mijn geld", "nl")
	c.expectLast(youngID, c.visible("nl", "q.ci_adjust"))
	c.press(youngID, "Ja, dat is mijn antwoord")
	c.expectLast(youngID, c.visible("nl", "q.ci_involve"))
	c.send(youngID, "Mijn tante Joke", "nl")
	c.expectLast(youngID, "naar je begeleider en je procesregisseur", "Mijn tante Joke")
	before := len(c.api.Chat(counsellorID))
	c.press(youngID, "Versturen")
	c.expectLast(youngID, "verstuurd naar je begeleider en je procesregisseur")

	for _, to := range []int64{counsellorID, director2ID} {
		m := c.expectLast(to, "Check-in van Sam", "week 10", "Wat gaat goed",
			"Ik heb een <b>stage</b> gevonden & ik ben blij", "Wat gaat niet goed", "overgeslagen",
			"Meer hulp met mijn geld", "Mijn tante Joke")
		if strings.Contains(m.Source, "<b>stage</b>") {
			t.Errorf("an answer is not escaped: %q", m.Source)
		}
	}
	if n := len(c.api.Chat(counsellorID)); n != before+1 {
		t.Errorf("the counsellor got %d messages; want 1", n-before)
	}
	c.expectAudit(t, "reminder.created", "checkin.answered")
	rem := c.reminder(t)
	if rem.Status != domain.ReminderDone || rem.Answered.IsZero() || rem.Due.IsZero() {
		t.Errorf("the reminder after the answers: %s, answered %v, next %v", rem.Status, rem.Answered, rem.Due)
	}
	c.send(counsellorID, "/remind", "nl")
	c.expectLast(counsellorID, "Sam", "beantwoord")

	// Pressing the reminder's button again: no second check-in this week.
	c.press(youngID, "Begin")
	c.expectLast(youngID, c.visible("nl", "checkin.already"))
	c.intakeUntouched(t)

	// Stored apart, in the young person's slot.
	keys, err := c.rdb.Keys(context.Background(), "t:checkin:session:*").Result()
	if err != nil || len(keys) != 1 || keys[0] != redisKey("t:checkin:session:", strconv.Itoa(youngID)) {
		t.Errorf("check-in keys %v (%v)", keys, err)
	}

	// Next week it comes again, and a new check-in starts at question 1.
	c.clock.Advance(7 * 24 * time.Hour)
	c.remindersOnce()
	c.press(youngID, "Begin")
	c.expectLast(youngID, c.visible("nl", "q.ci_well"), "Vraag 1 van 4")
}

// A crisis sentence in a check-in answer gets the caring reply and the
// crisis lines at once; the check-in goes on, the intake stays as it was.
func TestCrisisWordsInACheckinGetTheCaringReply(t *testing.T) {
	c := newCheckinCast(t, func(o *bot.Options) { withCrisisWords(t, o.Engine) })
	c.scheduleCheckin(t)
	c.falls(t)
	c.press(youngID, "Begin")
	mark := c.lastID(youngID)
	c.send(youngID, "ik wil er niet meer zijn", "nl")
	c.expectSaid(youngID, mark, c.visible("nl", "help.crisis.signal"))
	c.expectSaid(youngID, mark, c.visible("nl", "help.crisis.nl"))
	c.expectSaid(youngID, mark, c.visible("nl", "q.ci_hard"))
	// The director is alerted, as for a signal in the intake.
	c.b.WaitHandoffs(t.Context())
	found := false
	for _, m := range c.api.Chat(director2ID) {
		_, ok := m.Button("Ik neem het op")
		found = found || (m.FromBot && ok)
	}
	if !found {
		t.Errorf("no alert for the director; transcript:\n%s", telegramtest.FormatTranscript(c.api.Chat(director2ID)))
	}
	c.intakeUntouched(t)
}

// Unanswered, nothing goes anywhere and /remind says so; a young person
// who stopped the check-ins cannot start one, and /delete erases it.
func TestUnansweredCheckinStopAndDelete(t *testing.T) {
	c := newCheckinCast(t, nil)
	c.scheduleCheckin(t)
	c.falls(t)
	c.press(youngID, "Begin")
	c.send(youngID, "Gaat wel", "nl")
	before := len(c.api.Chat(counsellorID))
	c.clock.Advance(2 * 24 * time.Hour)
	c.remindersOnce()
	if n := len(c.api.Chat(counsellorID)); n != before {
		t.Errorf("an unfinished check-in sent %d messages to the counsellor", n-before)
	}
	c.send(counsellorID, "/remind", "nl")
	c.expectLast(counsellorID, "Sam", "verstuurd, nog niet beantwoord")

	c.press(youngID, "Stop deze herinneringen")
	c.expectLast(counsellorID, "Sam", "wil geen herinneringen meer")
	if s, found := c.checkinOf(t); !found || s.Answers["ci_well"].Text != "Gaat wel" {
		t.Fatalf("the unfinished check-in: %+v, %v", s, found)
	}
	before = len(c.api.Chat(youngID))
	c.pressData(youngID, 0, "x:cks:"+c.reminder(t).ID)
	if s, _ := c.checkinOf(t); s.State != dialog.StateAsking || s.Current != "ci_hard" || len(c.api.Chat(youngID)) != before {
		t.Errorf("a stopped check-in's button did something: %s at %q, %d messages", s.State, s.Current, len(c.api.Chat(youngID))-before)
	}

	c.send(youngID, "/delete", "nl")
	c.press(youngID, "Ja")
	if _, found := c.checkinOf(t); found {
		t.Error("/delete left the check-in")
	}
}

func (c *checkinCast) checkinOf(t *testing.T) (dialog.Session, bool) {
	t.Helper()
	s, found, err := c.checkins.LoadFresh(context.Background(), strconv.Itoa(youngID))
	if err != nil {
		t.Fatal(err)
	}
	return s, found
}

// A young person still in the middle of their intake: while the intake
// asks, its question has their messages and the check-in waits (Begin
// says so); with the intake paused, the check-in takes them; with both
// paused, they go to the intake, which the check-in never changed (never a
// word lost on either side).
func TestCheckinBesideAnIntakeUnderWay(t *testing.T) {
	c := newCheckinCast(t, nil)
	key := strconv.Itoa(youngID)
	// Sam starts over: the intake asks its first question again.
	now := c.clock.Now()
	c.mem.put(dialog.Session{
		Key: key, FlowID: c.engine.Flow.ID, FlowVersion: c.engine.Flow.Version, Lang: "nl",
		State: dialog.StateAsking, Current: "dreams", Started: now, Updated: now, Consented: now, Age: "18_21",
		Version: c.intake.Version + 1,
	})
	c.scheduleCheckin(t)
	c.falls(t)
	c.press(youngID, "Begin")
	c.expectLast(youngID, c.visible("nl", "checkin.intake_first"))
	if _, found := c.checkinOf(t); found {
		t.Error("a check-in started while the intake asked")
	}
	c.send(youngID, "/pause", "nl")
	c.expectLast(youngID, "Je antwoorden zijn opgeslagen")
	c.intake, _ = c.mem.get(key)
	if c.intake.State != dialog.StatePaused {
		t.Fatalf("/pause did not pause the intake: %s", c.intake.State)
	}

	c.press(youngID, "Begin")
	c.expectLast(youngID, c.visible("nl", "q.ci_well"))
	c.send(youngID, "Het gaat goed met school", "nl")
	c.expectLast(youngID, c.visible("nl", "q.ci_hard"))
	c.send(youngID, "/pause", "nl")
	c.expectLast(youngID, "Je antwoorden zijn opgeslagen")
	c.intakeUntouched(t)
	ci, _ := c.checkinOf(t)
	if ci.State != dialog.StatePaused || ci.Answers["ci_well"].Text != "Het gaat goed met school" || len(ci.Answers) != 1 {
		t.Errorf("the check-in: %s, %+v", ci.State, ci.Answers)
	}

	// Both paused: the message goes to the intake, kept for its question.
	c.send(youngID, "Een eigen huis", "nl")
	if s, _ := c.mem.get(key); s.Pending != "Een eigen huis" && s.Answers["dreams"].Text != "Een eigen huis" {
		t.Errorf("the message did not reach the intake: %+v", s)
	}
	if now, _ := c.checkinOf(t); !now.Equal(ci) {
		t.Errorf("the intake's message changed the check-in: %+v", now)
	}
	// The reminder's button brings the check-in back where it was.
	c.send(youngID, "/pause", "nl")
	c.press(youngID, "Begin")
	c.expectLast(youngID, c.visible("nl", "q.ci_hard"))
}
