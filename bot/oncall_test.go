package bot_test

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/domain"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
	"github.com/intakebot/intakebot/storage"
	"github.com/intakebot/intakebot/storage/redistest"
)

// The on-call service with the roster and alerts in a real Redis, the rest
// of the stores in memory, the fake Bot API, and a clock the test moves; times
// are in Europe/Amsterdam.
type onCall struct {
	*roles
	rdb *redis.Client
	ams *time.Location
}

const takeWithin = 10 * time.Minute

func newOnCall(t *testing.T, tweaks ...func(*bot.Options)) *onCall {
	t.Helper()
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Fatal(err)
	}
	rdb := redistest.Start(t).Client(t)
	codec, err := storage.NewCodec([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	r := newRoles(t, func(o *bot.Options) {
		// The roster and the alerts in Redis, as cmd wires them.
		inRedis := storage.NewPeople(rdb, codec, "t:", o.Now)
		o.Alerts, o.OnCall = inRedis.Alerts, inRedis.OnCall
		o.TakeWithin = takeWithin
		o.Renderer = &render.Renderer{L: o.Renderer.L, Log: o.Log, Loc: ams}
		for _, tweak := range tweaks {
			tweak(o)
		}
	})
	r.cast()
	return &onCall{roles: r, rdb: rdb, ams: ams}
}

// setClock moves the clock to a wall-clock time in Amsterdam.
func (e *onCall) setClock(y int, m time.Month, d, hh, mm int) {
	want := time.Date(y, m, d, hh, mm, 0, 0, e.ams)
	e.clock.Advance(want.Sub(e.clock.Now()))
}

var staffLineRE = regexp.MustCompile(`(?m)^(\d+)\. (.+) \(`)

// rosterAdd has the admin put name on the roster with /oncall add, by the
// number /oncall shows for them, and confirms.
func (e *onCall) rosterAdd(name, days, times string) {
	e.t.Helper()
	e.send(adminID, "/oncall", "nl")
	list := e.last(adminID).Text
	_, staffPart, _ := strings.Cut(list, "Medewerkers")
	n := ""
	for _, m := range staffLineRE.FindAllStringSubmatch(staffPart, -1) {
		if m[2] == name {
			n = m[1]
		}
	}
	if n == "" {
		e.t.Fatalf("%s is not in the staff list of /oncall:\n%s", name, list)
	}
	e.send(adminID, "/oncall add "+n+" "+days+" "+times, "nl")
	e.press(adminID, e.visible("nl", "oncallconfirm.btn_add"))
	e.expectSaid(adminID, 0, e.visible("nl", "oncall.added"))
}

// young opens an invite of Sanne for Fleur and gives consent.
func (e *onCall) young(chat int64) {
	e.t.Helper()
	token := e.invite(directorID, 0, "Fleur")
	e.send(chat, "/start "+token, "nl")
	e.consent(chat)
}

// alertIn is the latest alert message in chat with the take button.
func (e *onCall) alertIn(chat int64) (telegramtest.Msg, telegramtest.Button) {
	e.t.Helper()
	msgs := e.api.Chat(chat)
	for i := len(msgs) - 1; i >= 0; i-- {
		if b, ok := msgs[i].Button("Ik neem het op"); ok && msgs[i].FromBot {
			return msgs[i], b
		}
		if b, ok := msgs[i].Button("I'll take it"); ok && msgs[i].FromBot {
			return msgs[i], b
		}
	}
	e.t.Fatalf("no alert in chat %d; transcript:\n%s\nlogs:\n%s", chat, telegramtest.FormatTranscript(msgs), e.logs)
	return telegramtest.Msg{}, telegramtest.Button{}
}

// alerts counts the alert messages ever sent to chat.
func (e *onCall) alerts(chat int64) int {
	n := 0
	for _, m := range e.api.History(chat) {
		if m.FromBot && (strings.Contains(m.Text, "Dringend: een jongere heeft nu hulp nodig.") ||
			strings.Contains(m.Text, "Urgent: a young person needs help now.")) {
			n++
		}
	}
	return n
}

// take presses the take button of msg as user and returns the toast.
func (e *onCall) take(user int64, msg telegramtest.Msg, data string) string {
	e.t.Helper()
	upd, query := e.api.PressButtonQuery(user, user, msg.ID, data)
	e.handled(upd)
	for _, c := range e.api.CallsTo("answerCallbackQuery") {
		if c.Params["callback_query_id"] == query {
			return c.Params["text"]
		}
	}
	e.t.Fatalf("the press of %d was not answered", user)
	return ""
}

func (e *onCall) step() {
	e.t.Helper()
	e.b.AlertsOnce(context.Background())
	e.b.WaitHandoffs(context.Background())
}

func (e *onCall) audited(action string) []domain.AuditEntry {
	var out []domain.AuditEntry
	for _, a := range e.people.auditEntries() {
		if a.Action == action {
			out = append(out, a)
		}
	}
	return out
}

// The whole round: the admin sets a roster; the young person sends
// /urgent; the first on call gets the alert; nobody takes it in time, so
// the next on call and the admin get it; the next one takes it: the young
// person hears their name, the other alerts say who took it, a later
// press is refused, and nothing escalates any more.
func TestUrgentGoesToTheOnCallRosterAndIsTakenOnce(t *testing.T) {
	e := newOnCall(t)
	e.setClock(2026, 3, 2, 10, 0) // Monday
	e.rosterAdd("Kees", "ma-vr", "08:00-17:00")
	e.rosterAdd("Omar", "alle", "00:00-24:00")
	e.send(adminID, "/oncall", "nl")
	e.expectLast(adminID, "Nu bereikbaar: Kees (begeleider)", "Daarna: Omar (procesregisseur)",
		"1. ma-vr 08:00-17:00: Kees (begeleider)", "2. elke dag 00:00-24:00: Omar (procesregisseur)",
		"Alle tijden zijn in Europe/Amsterdam.")

	e.young(youngID)
	e.send(youngID, "/urgent", "nl")
	e.expectSaid(youngID, 0, e.visible("nl", "alert.young.raised"))

	kees, take := e.alertIn(counsellorID)
	lines := strings.Split(kees.Text, "\n")
	if lines[0] != "Dringend: een jongere heeft nu hulp nodig." {
		t.Errorf("the first line of the alert (on a lock screen) is %q", lines[0])
	}
	for _, want := range []string{"Jongere: Fleur", "Procesregisseur: Sanne de Vries", "/urgent", "Sinds: 2026-03-02 10:00"} {
		if !strings.Contains(kees.Text, want) {
			t.Errorf("the alert lacks %q:\n%s", want, kees.Text)
		}
	}
	if take.CallbackData != "x:tk:"+strconv.Itoa(youngID) {
		t.Errorf("take button data = %q", take.CallbackData)
	}
	for _, other := range []int64{director2ID, adminID, directorID, counsellor2ID} {
		if n := e.alerts(other); n != 0 {
			t.Errorf("%d got %d alerts at level 0; only the first on call should", other, n)
		}
	}
	// The audit names the case by a pseudonym, not the Telegram ID.
	if got := e.audited("alert.raised"); len(got) != 1 || got[0].Actor != 0 || got[0].Case == "" || got[0].Case == strconv.Itoa(youngID) {
		t.Errorf("audit of the raise = %+v", got)
	}

	// A second /urgent does not start over.
	e.send(youngID, "/urgent", "nl")
	e.expectSaid(youngID, 0, e.visible("nl", "alert.young.pending"))
	if n := e.alerts(counsellorID); n != 1 {
		t.Errorf("Kees got %d alerts after a second /urgent, want 1", n)
	}

	// Not yet: nothing happens before the time is up.
	e.clock.Advance(takeWithin - time.Minute)
	e.step()
	if e.alerts(director2ID) != 0 || e.alerts(adminID) != 0 {
		t.Fatal("the alert escalated before the time was up")
	}
	e.clock.Advance(time.Minute + time.Second)
	e.step()
	omar, omarTake := e.alertIn(director2ID)
	admin, _ := e.alertIn(adminID)
	if !strings.Contains(omar.Text, "Nog niemand heeft dit opgepakt") || !strings.Contains(admin.Text, "Jongere: Fleur") {
		t.Errorf("escalated alerts:\n%s\n---\n%s", omar.Text, admin.Text)
	}
	if e.alerts(counsellorID) != 1 || e.alerts(directorID) != 0 {
		t.Error("the escalation went to someone already told, or to the director")
	}

	// Fatima was not alerted: her press is refused.
	if toast := e.take(counsellor2ID, omar, omarTake.CallbackData); toast != e.visible("nl", "staff.refused") {
		t.Errorf("a press by someone not alerted: toast %q", toast)
	}

	// Omar takes it.
	seq := len(e.api.Calls())
	if toast := e.take(director2ID, omar, omarTake.CallbackData); toast != "" {
		t.Errorf("the taker's toast = %q", toast)
	}
	e.expectSaid(youngID, 0, "Omar neemt contact met je op.")
	taker := e.last(director2ID)
	if !strings.Contains(taker.Text, "Jij neemt contact op met Fleur.") {
		t.Errorf("the taker got:\n%s", taker.Text)
	}
	linked := false
	for _, ent := range taker.Entities {
		linked = linked || ent.URL == "tg://user?id="+strconv.Itoa(youngID)
	}
	if !linked {
		t.Errorf("the taker's message has no link to the young person's chat: %+v", taker.Entities)
	}
	for chat, want := range map[int64]string{
		counsellorID: "Opgepakt door Omar", adminID: "Opgepakt door Omar", director2ID: "Jij hebt dit opgepakt",
	} {
		var m telegramtest.Msg
		for _, x := range e.api.Chat(chat) {
			if strings.HasPrefix(x.Text, "Dringend") {
				m = x
			}
		}
		if !strings.Contains(m.Text, want) || len(m.Keyboard) != 0 {
			t.Errorf("the alert in chat %d after the take: %q (keyboard %v), want %q without a button", chat, m.Text, m.Keyboard, want)
		}
	}
	if len(e.callsTo("editMessageText", counsellorID, seq)) != 1 {
		t.Error("Kees's alert was not edited once")
	}
	if got := e.audited("alert.taken"); len(got) != 1 || got[0].Actor != director2ID {
		t.Errorf("audit of the take = %+v", got)
	}

	// Kees presses his old button: too late.
	if toast := e.take(counsellorID, kees, take.CallbackData); toast != "Omar heeft dit al opgepakt." {
		t.Errorf("a later press: toast %q", toast)
	}
	if strings.Count(strings.Join(texts(e.api.Chat(youngID)), "\n"), "neemt contact met je op") != 1 {
		t.Error("the young person was told more than once")
	}

	// Nothing escalates any more.
	e.clock.Advance(3 * takeWithin)
	e.step()
	if n := e.alerts(adminID); n != 1 {
		t.Errorf("the admin got %d alerts after the take, want 1", n)
	}
	if slices.ContainsFunc(e.api.Chat(youngID), func(m telegramtest.Msg) bool {
		return strings.Contains(m.Text, e.visible("nl", "alert.young.nobody"))
	}) {
		t.Error("the young person was told nobody came, after a take")
	}
	// Within the hour, /urgent again reaches who took it.
	e.send(youngID, "/urgent", "nl")
	e.expectLast(youngID, e.visible("nl", "alert.young.taken_again", "Name", "Omar"))
}

func texts(msgs []telegramtest.Msg) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Text)
	}
	return out
}

// A signal goes to the director and the first on call at once; when nobody
// takes it, the admin is alerted, and after that the young person is shown
// the crisis lines again and the alert ends.
func TestUnansweredSignalShowsTheCrisisLinesAgain(t *testing.T) {
	e := newOnCall(t)
	e.setClock(2026, 3, 2, 10, 0)
	e.rosterAdd("Kees", "werkdagen", "08:00-17:00")
	e.young(youngID)
	s := e.session(youngID)
	e.b.RaiseAlert(context.Background(), s, dialog.AlertSignal)

	sanne, take := e.alertIn(directorID) // Sanne reads English
	if !strings.HasPrefix(sanne.Text, "Urgent: a young person needs help now.") || !strings.Contains(sanne.Text, "acute danger") {
		t.Errorf("the director's alert:\n%s", sanne.Text)
	}
	e.alertIn(counsellorID)
	if e.alerts(adminID) != 0 {
		t.Error("the admin was alerted at once")
	}
	if slices.ContainsFunc(e.api.Chat(youngID), func(m telegramtest.Msg) bool {
		return strings.Contains(m.Text, e.visible("nl", "alert.young.raised"))
	}) {
		t.Error("a signal told the young person about the alert as /urgent does")
	}

	e.clock.Advance(takeWithin)
	e.step()
	e.alertIn(adminID)
	if e.alerts(directorID) != 1 || e.alerts(counsellorID) != 1 {
		t.Error("the escalation alerted someone twice")
	}
	e.clock.Advance(takeWithin)
	e.step()
	e.expectSaid(youngID, 0, e.visible("nl", "alert.young.nobody"))
	e.expectSaid(youngID, 0, "113")
	e.expectSaid(adminID, 0, "Melding niet opgepakt")
	for _, chat := range []int64{directorID, counsellorID, adminID} {
		var alert telegramtest.Msg
		for _, x := range e.api.Chat(chat) {
			if strings.Contains(x.Text, "Urgent: a young") || strings.Contains(x.Text, "Dringend:") {
				alert = x
			}
		}
		if len(alert.Keyboard) != 0 || alert.Edits == 0 {
			t.Errorf("the alert in chat %d still has its button after the end: %q", chat, alert.Text)
		}
	}
	if n := e.rdb.Exists(context.Background(), redisKey("t:alert:", strconv.Itoa(youngID)), "t:alerts").Val(); n != 0 {
		t.Error("the alert is still stored after it ended")
	}
	if len(e.audited("alert.unanswered")) != 1 || len(e.audited("alert.escalated")) != 1 {
		t.Errorf("audit: %+v", e.people.auditEntries())
	}
	if esc, un := e.metrics.AlertsEscalated.Load(), e.metrics.AlertsUnanswered.Load(); esc != 1 || un != 1 {
		t.Errorf("metrics: %d alerts escalated, %d unanswered; want 1 and 1", esc, un)
	}
	// A press now finds nothing to take.
	if toast := e.take(directorID, sanne, take.CallbackData); toast != "This alert is closed." {
		t.Errorf("a press after the end: toast %q", toast)
	}
	// The next /urgent is a new alert.
	e.send(youngID, "/urgent", "nl")
	if e.alerts(counsellorID) != 2 {
		t.Error("a new /urgent after the end did not alert again")
	}
}

// A window past midnight: Friday 22:00 to Saturday 08:00. On Saturday at
// 03:00 its person is alerted; on Saturday at 09:00 nobody is on call, so
// /urgent goes to the director.
func TestOnCallWindowPastMidnight(t *testing.T) {
	e := newOnCall(t)
	e.rosterAdd("Kees", "ma-vr", "08:00-17:00")
	e.rosterAdd("Omar", "vr", "22:00-08:00")
	e.young(youngID)
	e.young(young2ID)

	e.setClock(2026, 3, 7, 3, 0) // Saturday night
	e.send(adminID, "/oncall", "nl")
	e.expectLast(adminID, "Nu bereikbaar: Omar", "2. vr 22:00-08:00 (tot de volgende dag): Omar")
	e.send(youngID, "/urgent", "nl")
	e.alertIn(director2ID)
	if e.alerts(counsellorID) != 0 || e.alerts(directorID) != 0 {
		t.Error("someone off duty was alerted")
	}

	e.setClock(2026, 3, 7, 9, 0) // Saturday morning: nobody on the roster
	e.send(young2ID, "/urgent", "nl")
	e.alertIn(directorID)
	if e.alerts(director2ID) != 1 || e.alerts(counsellorID) != 0 {
		t.Error("an /urgent with nobody on call went to the roster")
	}
}

// Only admins may use /oncall; the roster is not changed by anyone else.
func TestOnCallIsForAdminsOnly(t *testing.T) {
	e := newOnCall(t)
	for _, user := range []int64{directorID, counsellorID, youngID} {
		e.send(user, "/oncall add 1 alle 00:00-24:00", "nl")
		lang := "nl"
		if user == directorID {
			lang = "en"
		}
		e.expectLast(user, e.visible(lang, "staff.refused"))
	}
	if n := e.rdb.Exists(context.Background(), "t:oncall").Val(); n != 0 {
		t.Error("a refused /oncall changed the roster")
	}
}

// Mistakes are explained, and del removes a line.
func TestOnCallCommandErrors(t *testing.T) {
	e := newOnCall(t)
	e.send(adminID, "/oncall add 99 alle 08:00-09:00", "nl")
	e.expectSaid(adminID, 0, "Er is geen medewerker met nummer 99.")
	e.send(adminID, "/oncall add 1 elke 08:00-09:00", "nl")
	e.expectLast(adminID, e.visible("nl", "oncall.err.days"), "/oncall add 1 ma-vr 08:00-17:00")
	e.send(adminID, "/oncall add 1 ma 8-9", "nl")
	e.expectLast(adminID, e.visible("nl", "oncall.err.time"))
	e.send(adminID, "/oncall del 5", "nl")
	e.expectSaid(adminID, 0, "Er is geen regel 5 op het rooster.")
	e.rosterAdd("Fatima", "za,zo", "10:00-14:00")
	e.expectLast(adminID, "1. za, zo 10:00-14:00: Fatima (begeleider)")
	e.send(adminID, "/oncall del 1", "nl")
	e.expectSaid(adminID, 0, "Regel 1 is van het rooster gehaald.")
	e.expectLast(adminID, e.visible("nl", "oncall.roster_none"))
	if len(e.audited("oncall.added")) != 1 || len(e.audited("oncall.removed")) != 1 {
		t.Errorf("audit: %+v", e.people.auditEntries())
	}
}
