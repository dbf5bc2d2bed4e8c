package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot"
	"github.com/intakebot/intakebot/bot/render"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
)

func TestGroupChatOnlyPointsToAPrivateChat(t *testing.T) {
	h := newHarness(t, nil)
	const group, member = -100123, 77
	only := h.visible("nl", "group.only_private")
	tests := []struct {
		name  string
		text  string
		reply bool
	}{
		{"start", "/start", true},
		{"start addressed to this bot", "/start@" + telegramtest.BotUsername + " abc", true},
		{"another command", "/help", true},
		{"plain text", "hallo allemaal, wie gaat er mee?", false},
		{"command for another bot", "/start@otherbot", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := h.with(t)
			seq := len(h.api.Calls())
			h.handled(h.api.SendGroupText(group, member, tc.text))
			sent := h.callsTo("sendMessage", group, seq)
			switch {
			case !tc.reply && len(sent) > 0:
				t.Fatalf("the bot talked in the group: %q", sent[0].Params["text"])
			case tc.reply && len(sent) != 1:
				t.Fatalf("%d messages sent to the group, want 1", len(sent))
			case tc.reply && render.PlainText(sent[0].Params["text"]) != only:
				t.Fatalf("group reply = %q, want %q", sent[0].Params["text"], only)
			}
		})
	}
	t.Run("button press", func(t *testing.T) {
		h := h.with(t)
		seq := len(h.api.Calls())
		h.handled(h.api.PressButton(group, member, 1, "go:1::"))
		if sent := h.callsTo("sendMessage", group, seq); len(sent) > 0 {
			t.Fatalf("the bot talked in the group: %q", sent[0].Params["text"])
		}
	})
	if n := h.mem.count(); n != 0 {
		t.Fatalf("%d sessions stored for a group chat", n)
	}
}

// withoutBookkeeping clears what every handled update changes.
func withoutBookkeeping(s dialog.Session) dialog.Session {
	s.LastUpdateID, s.Recent, s.Updated, s.Version = 0, nil, time.Time{}, 0
	return s
}

func TestStaleOrForgedButtonIsAnsweredAndChangesNothing(t *testing.T) {
	h := newHarness(t, nil)
	const chat = 4201
	h.begin(chat)
	h.say(chat, "Later wil ik een eigen huis")
	question := h.last(chat)
	h.expectLast(chat, h.visible("nl", "q.dreams_help"))
	skip, ok := question.Button("Overslaan")
	if !ok || !strings.HasPrefix(skip.CallbackData, fmt.Sprintf("s:%d:dreams_help:", h.engine.Flow.Version)) {
		t.Fatalf("skip button = %+v", skip)
	}
	toast := h.visible("nl", "stale")
	v, next := strconv.Itoa(h.engine.Flow.Version), strconv.Itoa(h.engine.Flow.Version+1)
	tests := []struct {
		name string
		msg  int64
		data string
	}{
		{"older flow version", question.ID, "s:0:dreams_help:"},
		{"newer flow version", question.ID, "s:" + next + ":dreams_help:"},
		{"another question", question.ID, "a:" + v + ":support_often:daily"},
		{"an earlier question", question.ID, "s:" + v + ":dreams:"},
		{"unknown option", question.ID, "a:" + v + ":dreams_help:nope"},
		{"unknown action", question.ID, "zz:" + v + ":dreams_help:"},
		{"start pressed again", question.ID, "go:" + v + "::"},
		{"unknown language", question.ID, "l:" + v + "::xx"},
		{"not our format", question.ID, "hello there"},
		{"negative version", question.ID, "s:-1:dreams_help:"},
		{"over 64 bytes", question.ID, "s:" + v + ":dreams_help:" + strings.Repeat("x", 60)},
		{"empty", question.ID, ""},
		{"message no longer accessible", 9999, "a:" + v + ":support_often:daily"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := h.with(t)
			before := h.session(chat)
			seq := len(h.api.Calls())
			mark := h.lastID(chat)
			h.handled(h.api.PressButton(chat, chat, tc.msg, tc.data))
			answers := h.api.CallsTo("answerCallbackQuery")
			answers = slices.DeleteFunc(answers, func(c telegramtest.Call) bool { return c.Seq < seq })
			if len(answers) != 1 || answers[0].Params["text"] != toast || !answers[0].OK() {
				t.Fatalf("press answered with %+v, want one answer %q", answers, toast)
			}
			after := h.session(chat)
			if after.LastUpdateID <= before.LastUpdateID {
				t.Errorf("LastUpdateID %d -> %d", before.LastUpdateID, after.LastUpdateID)
			}
			if !withoutBookkeeping(before).Equal(withoutBookkeeping(after)) {
				t.Fatalf("session changed:\nbefore %+v\nafter  %+v", before, after)
			}
			// They are shown where they are.
			h.expectSaid(chat, mark, h.visible("nl", "q.dreams_help"))
		})
	}
}

func TestStartMidIntakeOffersRestart(t *testing.T) {
	h := newHarness(t, nil)
	const chat = 4202
	h.begin(chat)
	h.say(chat, "Een eigen plek met een hond")
	s := h.session(chat)
	total := len(h.engine.Flow.Possible(s.Answers))

	mark := h.lastID(chat)
	h.say(chat, "/start")
	h.expectSaid(chat, mark, h.visible("nl", "resume", "N", 2, "Total", total))
	h.expectSaid(chat, mark, fmt.Sprintf("vraag 2 van %d", total))
	h.expectLast(chat, h.visible("nl", "q.dreams_help"))

	// Restart, then think better of it: nothing is lost.
	h.press(chat, "Opnieuw beginnen")
	h.expectLast(chat, h.visible("nl", "restart.confirm"))
	h.press(chat, "Nee, toch niet")
	h.expectLast(chat, h.visible("nl", "q.dreams_help"))
	if got := h.session(chat).Answers["dreams"].Text; got != "Een eigen plek met een hond" {
		t.Fatalf("answer after 'no' = %q", got)
	}

	h.say(chat, "/start")
	h.press(chat, "Opnieuw beginnen")
	mark = h.lastID(chat)
	h.press(chat, "Ja, alles wissen")
	h.expectSaid(chat, mark-1, h.visible("nl", "restart.done"))
	welcome := h.expectLast(chat, "Hoi, fijn dat je er bent!")
	if _, ok := welcome.Button("Beginnen"); !ok {
		t.Fatalf("welcome without a start button: %+v", welcome)
	}
	s = h.session(chat)
	if len(s.Answers) != 0 || len(s.History) != 0 || s.State != dialog.StateWelcome {
		t.Fatalf("after restart: state %s, answers %v, history %v", s.State, s.Answers, s.History)
	}
}

func TestUnknownCommandIsExplained(t *testing.T) {
	h := newHarness(t, nil)
	const chat = 4203
	h.begin(chat)
	for _, cmd := range []string{"/foo", "/foo@" + telegramtest.BotUsername, "/Verwijder alles"} {
		t.Run(cmd, func(t *testing.T) {
			h := h.with(t)
			mark := h.lastID(chat)
			h.say(chat, cmd)
			h.expectSaid(chat, mark, h.visible("nl", "command.unknown"))
			h.expectLast(chat, h.visible("nl", "q.dreams"))
		})
	}
}

func TestMediaIsExplained(t *testing.T) {
	h := newHarness(t, nil)
	const chat = 4204
	h.begin(chat)
	for _, kind := range []string{"photo", "sticker", "location", "voice", "document", "video"} {
		t.Run(kind, func(t *testing.T) {
			h := h.with(t)
			mark := h.lastID(chat)
			h.handled(h.api.SendMedia(chat, chat, kind))
			h.expectSaid(chat, mark, h.visible("nl", "media."+kind))
			h.expectLast(chat, h.visible("nl", "q.dreams"))
		})
	}
	if _, ok := h.session(chat).Answers["dreams"]; ok {
		t.Fatal("a media message was taken as an answer")
	}
}

// While the store is down the person hears once that their message is not
// lost; the update is tried again in order and applied when the store is
// back, without them sending it again.
func TestStoreOutageTellsOnceAndAppliesTheMessageLater(t *testing.T) {
	var store *outageStore
	h := newHarness(t, func(m *memStore) bot.Store {
		store = &outageStore{memStore: m}
		return store
	})
	const chat = 4205
	h.begin(chat)
	h.say(chat, "Mijn eerste antwoord")
	tryAgain := h.visible("nl", "error.try_again")

	store.down.Store(true)
	id := h.api.SendText(chat, chat, "Mijn tweede antwoord", "nl")
	h.api.WaitMessage(t, chat, 5*time.Second, func(m telegramtest.Msg) bool {
		return m.FromBot && strings.Contains(m.Text, tryAgain)
	})
	// Let the bot try again twice (after 0.5 s and 1 s): still one notice.
	deadline := time.Now().Add(5 * time.Second)
	for h.metrics.StoreErrors.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := h.metrics.StoreErrors.Load(); n < 3 {
		t.Fatalf("tried %d times while the store was down, want 3 or more", n)
	}
	told := 0
	for _, m := range h.api.Chat(chat) {
		if m.FromBot && strings.Contains(m.Text, tryAgain) {
			told++
		}
	}
	if told != 1 {
		t.Fatalf("told %d times that the store is down, want once", told)
	}
	if h.api.ConfirmedOffset() > id {
		t.Fatal("an update that was not applied was confirmed to Telegram")
	}

	store.down.Store(false)
	h.api.WaitConfirmed(t, id, 20*time.Second)
	h.expectLast(chat, h.visible("nl", "q.support_areas"))
	s := h.session(chat)
	if got := s.Answers["dreams"].Text; got != "Mijn eerste antwoord" {
		t.Errorf("first answer = %q", got)
	}
	if got := s.Answers["dreams_help"].Text; got != "Mijn tweede antwoord" {
		t.Errorf("the message sent during the outage = %q, want it applied", got)
	}
}

func TestPanicInStoreApologisesAndCarriesOn(t *testing.T) {
	h := newHarness(t, func(m *memStore) bot.Store { return &panicOnceStore{memStore: m} })
	const chat = 4206
	h.say(chat, "/start")
	h.expectLast(chat, h.visible("nl", "error.sorry"))
	if h.metrics.Panics.Load() != 1 || !strings.Contains(h.logs.String(), "panic") {
		t.Fatalf("panic not counted or logged: %d", h.metrics.Panics.Load())
	}
	h.say(chat, "/start")
	h.expectLast(chat, "Hoi, fijn dat je er bent!")
	h.press(chat, "Beginnen")
	h.expectLast(chat, h.visible("nl", "q.dreams"))
}

// refuseOnce answers the first call of method with parse_mode HTML with
// Telegram's "can't parse entities".
func refuseOnce(method string) func(string, map[string]string) *telegramtest.Fault {
	var done atomic.Bool
	return func(m string, p map[string]string) *telegramtest.Fault {
		if m == method && strings.EqualFold(p["parse_mode"], "HTML") && done.CompareAndSwap(false, true) {
			return &telegramtest.Fault{Status: 400, Description: `Bad Request: can't parse entities: Unsupported start tag "x" at byte offset 3`}
		}
		return nil
	}
}

func TestRefusedMarkupArrivesAsPlainText(t *testing.T) {
	t.Run("sendMessage", func(t *testing.T) {
		h := newHarness(t, nil)
		const chat = 4207
		h.api.SetFault(refuseOnce("sendMessage"))
		h.say(chat, "/start")
		m := h.expectLast(chat, "Hoi, fijn dat je er bent!", "30 vragen")
		if m.ParseMode != "" || strings.Contains(m.Source, "<b>") {
			t.Fatalf("fallback sent as %q: %q", m.ParseMode, m.Source)
		}
		if _, ok := m.Button("Beginnen"); !ok {
			t.Fatal("the plain fallback lost its keyboard")
		}
		h.press(chat, "Beginnen")
		if m := h.last(chat); m.ParseMode != "HTML" {
			t.Fatalf("later messages not HTML: %q", m.ParseMode)
		}
	})
	t.Run("editMessageText", func(t *testing.T) {
		h := newHarness(t, nil)
		const chat = 4208
		h.begin(chat)
		question := h.last(chat)
		h.api.SetFault(refuseOnce("editMessageText"))
		h.press(chat, "Overslaan")
		var edited telegramtest.Msg
		for _, m := range h.api.Chat(chat) {
			if m.ID == question.ID {
				edited = m
			}
		}
		if edited.Edits != 1 || edited.ParseMode != "" || !strings.Contains(edited.Text, h.visible("nl", "answer.yours", "Answer", []dialog.Text{dialog.T("answer.skipped")})) {
			t.Fatalf("edited question = %+v", edited)
		}
	})
}

func TestRateLimitIsHonoured(t *testing.T) {
	h := newHarness(t, nil)
	const chat = 4209
	var limited atomic.Bool
	h.api.SetFault(func(method string, p map[string]string) *telegramtest.Fault {
		if method == "sendMessage" && p["chat_id"] == strconv.Itoa(chat) && limited.CompareAndSwap(false, true) {
			return &telegramtest.Fault{RetryAfter: 1}
		}
		return nil
	})
	h.say(chat, "/start")
	h.expectLast(chat, "Hoi, fijn dat je er bent!")
	sends := h.callsTo("sendMessage", chat, 0)
	if len(sends) != 2 || !sends[0].Faulted || sends[0].Status != 429 {
		t.Fatalf("sendMessage calls: %+v", sends)
	}
	if wait := sends[1].Time.Sub(sends[0].Time); wait < time.Second {
		t.Fatalf("sent again %v after a 429 with retry_after 1", wait)
	}
	if h.metrics.RateLimited.Load() != 1 {
		t.Errorf("rate limited = %d", h.metrics.RateLimited.Load())
	}
}

func TestLanguageSwitchToEnglish(t *testing.T) {
	h := newHarness(t, nil)
	const chat = 4210
	h.say(chat, "/start")
	h.say(chat, "/language")
	picker := h.expectLast(chat, h.visible("nl", "language.choose"))
	if b, ok := picker.Button("Nederlands"); !ok || !strings.HasPrefix(b.Text, "✅") {
		t.Fatalf("the current language is not ticked: %+v", picker.Keyboard)
	}
	mark := h.lastID(chat)
	h.press(chat, "English")
	h.expectSaid(chat, mark-1, h.visible("en", "language.changed"))
	h.expectLast(chat, h.visible("en", "welcome", "Total", len(h.engine.Flow.Questions)))
	if s := h.session(chat); s.Lang != "en" {
		t.Fatalf("session language = %q", s.Lang)
	}

	mark2 := h.lastID(chat)
	h.say(chat, "/help")
	h.expectSaid(chat, mark2, h.visible("en", "help.text"))
	h.press(chat, "Start")
	h.expectLast(chat, h.visible("en", "q.dreams"), "Question 1 of")
	h.say(chat, "A place of my own")
	h.expectLast(chat, h.visible("en", "q.dreams_help"))
	for _, m := range h.api.Chat(chat) {
		if m.FromBot && m.ID > mark && strings.Contains(m.Text, "Vraag") {
			t.Fatalf("Dutch after switching to English: %q", m.Text)
		}
	}
}

// userUpdate is a text message update as Telegram sends it.
func userUpdate(id, chat int64, msgID int, text string) []byte {
	raw, err := json.Marshal(models.Update{ID: id, Message: &models.Message{
		ID: msgID, Date: int(time.Now().Unix()), Text: text,
		From: &models.User{ID: chat, FirstName: "Test", LanguageCode: "nl"},
		Chat: models.Chat{ID: chat, Type: models.ChatTypePrivate, FirstName: "Test"},
	}})
	if err != nil {
		panic(err)
	}
	return raw
}

func TestDuplicateUpdateChangesNothing(t *testing.T) {
	t.Run("pushed twice", func(t *testing.T) {
		h := newHarness(t, nil)
		const chat = 4211
		h.begin(chat)
		h.stop()
		before := h.session(chat)
		seq := len(h.api.Calls())
		raw := userUpdate(500, chat, 100, "Een baan in de zorg")
		h.api.PushUpdate(raw)
		h.api.PushUpdate(raw)
		h.start()
		h.handled(500)
		after := h.session(chat)
		if after.Version != before.Version+1 || after.Answers["dreams"].Text != "Een baan in de zorg" || after.LastUpdateID != 500 {
			t.Fatalf("after the update and its duplicate: version %d -> %d, %+v", before.Version, after.Version, after)
		}
		if sends := h.callsTo("sendMessage", chat, seq); len(sends) != 1 {
			t.Fatalf("%d messages sent for one update delivered twice", len(sends))
		}
	})
	t.Run("redelivered after a restart", func(t *testing.T) {
		h := newHarness(t, nil)
		const chat = 4212
		h.begin(chat)
		// Stop right after the answer was handled, before the poller
		// confirmed it: Telegram sends it again to the next run.
		var answer atomic.Int64
		stop := func(u *models.Update) {
			if u.Message != nil && u.Message.Text == "Een diploma halen" {
				h.cancel()
			}
		}
		h.afterHandle.Store(&stop)
		seq := len(h.api.Calls())
		answer.Store(h.api.SendText(chat, chat, "Een diploma halen", "nl"))
		h.secrets = append(h.secrets, "Een diploma halen")
		select {
		case <-h.done:
		case <-time.After(10 * time.Second):
			t.Fatal("poller did not stop")
		}
		h.cancel, h.done = nil, nil
		h.afterHandle.Store(nil)
		if off := h.api.ConfirmedOffset(); off > answer.Load() {
			t.Fatalf("update %d confirmed (offset %d) although the poller stopped", answer.Load(), off)
		}
		before := h.session(chat)
		h.start()
		h.handled(answer.Load())
		if after := h.session(chat); !after.Equal(before) {
			t.Fatalf("the redelivered update changed the session:\nbefore %+v\nafter  %+v", before, after)
		}
		if sends := h.callsTo("sendMessage", chat, seq); len(sends) != 1 {
			t.Fatalf("%d messages sent for one answer delivered twice", len(sends))
		}
	})
}

func TestManyMessagesOfOneChatAreHandledInOrder(t *testing.T) {
	h := prepare(t, nil)
	const chat, n = 4213, 50
	key := strconv.Itoa(chat)
	// The young person is at the list of people who matter (15 entries).
	h.atQuestion(chat, "network")
	var ids []int64
	var items []string
	for i := 1; i <= n; i++ {
		item := fmt.Sprintf("Persoon %02d", i)
		items = append(items, item)
		ids = append(ids, h.api.SendText(chat, chat, item, "nl"))
	}
	h.start()
	h.handled(ids[n-1])

	got := h.session(chat).Answers["network"].Items
	if !slices.Equal(got, items[:15]) {
		t.Fatalf("list = %q, want the first 15 in order", got)
	}
	saves := h.mem.savesOf(key)
	if len(saves) != n {
		t.Fatalf("%d saves for %d messages", len(saves), n)
	}
	for i, s := range saves {
		if s.LastUpdateID != ids[i] {
			t.Fatalf("save %d applied update %d, want %d", i, s.LastUpdateID, ids[i])
		}
	}
	// Every message got an answer, the counts in the order sent.
	var counts []int
	for _, c := range h.callsTo("sendMessage", chat, 0) {
		var k int
		if _, err := fmt.Sscanf(render.PlainText(c.Params["text"]), "Genoteerd! Er %s nu %d", new(string), &k); err == nil {
			counts = append(counts, k)
		}
	}
	if want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}; !slices.Equal(counts, want) {
		t.Fatalf("list replies counted %v", counts)
	}
	if sends := h.callsTo("sendMessage", chat, 0); len(sends) < n {
		t.Fatalf("%d replies to %d messages", len(sends), n)
	}
}

func TestChatsProceedInParallel(t *testing.T) {
	const slow, fast = 4214, 4215
	var store *blockingStore
	h := prepare(t, func(m *memStore) bot.Store {
		store = &blockingStore{memStore: m, key: strconv.Itoa(slow), entered: make(chan struct{}), release: make(chan struct{})}
		return store
	})
	slowID := h.api.SendText(slow, slow, "/start", "nl")
	h.api.SendText(fast, fast, "/start", "nl")
	h.start()
	<-store.entered
	h.api.WaitMessage(t, fast, 5*time.Second, func(m telegramtest.Msg) bool { return strings.Contains(m.Text, "Hoi, fijn dat je er bent!") })
	if m := h.last(slow); m.ID != 0 {
		t.Fatalf("the blocked chat was answered: %q", m.Text)
	}
	if off := h.api.ConfirmedOffset(); off > slowID {
		t.Fatalf("update %d confirmed while its handler was blocked", slowID)
	}
	close(store.release)
	h.handled(slowID + 1)
	h.expectLast(slow, "Hoi, fijn dat je er bent!")
}

// gateStore is a memStore whose third Load waits, with the session it
// read, until proceed is closed: another update of the chat saves
// meanwhile. The first Load is the look of the weekly check-in (is the
// intake asking?), the second the conversation's look for a first
// contact; the third is the engine's, whose session is saved.
type gateStore struct {
	*memStore
	loaded, proceed chan struct{}
	loads           atomic.Int32
}

// LoadFresh goes through this store's own Load.
func (g *gateStore) LoadFresh(ctx context.Context, key string) (dialog.Session, bool, error) {
	return g.Load(ctx, key)
}

func (g *gateStore) Load(ctx context.Context, key string) (dialog.Session, bool, error) {
	s, ok, err := g.memStore.Load(ctx, key)
	if g.loads.Add(1) == 3 {
		close(g.loaded)
		<-g.proceed
	}
	return s, ok, err
}

func TestTwoInstancesNeverOverwriteEachOther(t *testing.T) {
	// One message is read first but saved last: its save must lose the
	// compare-and-set, and then apply on top of the other one - also when
	// it is the earlier message (webhook replicas see updates out of order).
	tests := []struct {
		name           string
		slowID, fastID int64
	}{
		{"later message saved last", 11, 10},
		{"earlier message saved last", 10, 11},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var store *gateStore
			h := prepare(t, func(m *memStore) bot.Store {
				store = &gateStore{memStore: m, loaded: make(chan struct{}), proceed: make(chan struct{})}
				return store
			})
			const chat = 4216
			h.atQuestion(chat, "network")
			update := func(id int64, text string) *models.Update {
				var u models.Update
				if err := json.Unmarshal(userUpdate(id, chat, int(id), text), &u); err != nil {
					t.Fatal(err)
				}
				return &u
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				h.b.Edge().HandleUpdate(context.Background(), update(tc.slowID, "Sara"))
			}()
			<-store.loaded
			h.replica().Edge().HandleUpdate(context.Background(), update(tc.fastID, "Oma"))
			close(store.proceed)
			<-done

			if got := h.session(chat).Draft; !slices.Equal(got, []string{"Oma", "Sara"}) {
				t.Fatalf("list = %q, want both entries, in the order saved", got)
			}
			if h.metrics.Conflicts.Load() != 1 || h.metrics.StoreErrors.Load() != 0 {
				t.Fatalf("conflicts %d, store errors %d", h.metrics.Conflicts.Load(), h.metrics.StoreErrors.Load())
			}
			var replies []string
			for _, c := range h.callsTo("sendMessage", chat, 0) {
				replies = append(replies, render.PlainText(c.Params["text"]))
			}
			if len(replies) != 2 || !strings.Contains(replies[0], "staat nu 1 op je lijst") || !strings.Contains(replies[1], "staan nu 2 op je lijst") {
				t.Fatalf("replies: %q", replies)
			}
		})
	}
}
