package bot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/intakebot/intakebot/bot/telegram"
	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
)

// After a few questions and answers, /exit leaves one neutral line: every
// message of the bot and every message the young person typed is gone
// from the chat. The intake itself stays: /start carries on.
func TestQuickExitLeavesOnlyANeutralLine(t *testing.T) {
	p := newPrivacy(t, nil)
	p.cast()
	p.invited(youngID, directorID, 0, "Sam", "")
	p.send(youngID, "Een eigen huis met een tuin", "nl")
	p.send(youngID, "Mijn begeleider helpt me met geld", "nl")
	before := p.session(youngID)
	if len(before.Answers) < 2 {
		t.Fatalf("answers: %+v", before.Answers)
	}
	if n := len(p.api.Chat(youngID)); n < 8 {
		t.Fatalf("only %d messages in the chat before /exit", n)
	}
	seq := len(p.api.Calls())

	p.send(youngID, "/exit", "nl")

	chat := p.api.Chat(youngID)
	bye := p.visible("nl", "exit.bye")
	if len(chat) != 1 || !chat[0].FromBot || chat[0].Text != bye || len(chat[0].Buttons()) != 0 {
		t.Fatalf("after /exit the chat shows:\n%s", telegramtest.FormatTranscript(chat))
	}
	// Deleted, not edited, and in batches Telegram accepts.
	for _, c := range p.callsTo("deleteMessages", youngID, seq) {
		if !c.OK() || strings.Count(c.Params["message_ids"], ",") >= 100 {
			t.Errorf("deleteMessages call: %+v", c)
		}
	}
	if got := p.callsTo("editMessageText", youngID, seq); len(got) != 0 {
		t.Errorf("recent messages were edited instead of deleted: %d calls", len(got))
	}
	// Only the neutral line is recorded now.
	if got := p.trail(youngID); len(got) != 1 || !strings.HasPrefix(got[0], strconv.FormatInt(chat[0].ID, 10)+":") {
		t.Fatalf("trail after /exit = %q, want only message %d", got, chat[0].ID)
	}
	// Nobody else heard of it.
	if calls := p.callsExcept(youngID, seq); len(calls) != 0 {
		t.Fatalf("/exit sent %d messages elsewhere", len(calls))
	}
	after := p.session(youngID)
	if after.State != before.State || after.Current != before.Current || len(after.Answers) != len(before.Answers) {
		t.Fatalf("/exit changed the intake: %s %s -> %s %s", before.State, before.Current, after.State, after.Current)
	}
	p.send(youngID, "/start", "nl")
	p.expectSaid(youngID, chat[0].ID, p.visible("nl", dialog.QuestionMessageID(after.Current)))
}

// Telegram lets a bot delete a message for 48 hours. Older messages of
// the bot lose their keyboard and their text; what the young person
// typed long ago can't be touched by a bot.
func TestQuickExitClearsMessagesTooOldToDelete(t *testing.T) {
	p := newPrivacy(t, nil)
	p.cast()
	p.invited(youngID, directorID, 0, "Sam", "")
	oldest := p.lastID(youngID)
	old := map[int64]bool{}
	for _, m := range p.api.Chat(youngID) {
		old[m.ID] = true
	}
	hadKeyboard := false
	for _, m := range p.api.Chat(youngID) {
		hadKeyboard = hadKeyboard || (m.FromBot && len(m.Buttons()) > 0)
	}
	if !hadKeyboard {
		t.Fatal("no old message with a keyboard: the test proves nothing")
	}
	p.clock.Advance(49 * time.Hour)
	p.send(youngID, "Een eigen huis met een tuin", "nl")
	seq := len(p.api.Calls())

	p.send(youngID, "/exit", "nl")

	removed, bye := p.visible("nl", "exit.removed"), p.visible("nl", "exit.bye")
	chat := p.api.Chat(youngID)
	cleared := 0
	for _, m := range chat {
		switch {
		case m.ID > oldest && !(m.FromBot && m.Text == bye):
			t.Errorf("a recent message survived: %+v", m)
		case m.FromBot && m.ID <= oldest && (m.Text != removed || len(m.Buttons()) != 0):
			t.Errorf("an old message of the bot still shows %q with %d buttons", m.Text, len(m.Buttons()))
		case !m.FromBot && !old[m.ID]:
			t.Errorf("an unknown message: %+v", m)
		case m.FromBot && m.ID <= oldest:
			cleared++
		}
	}
	if cleared == 0 || chat[len(chat)-1].Text != bye {
		t.Fatalf("after /exit the chat shows:\n%s", telegramtest.FormatTranscript(chat))
	}
	if got := p.callsTo("editMessageText", youngID, seq); len(got) != cleared {
		t.Errorf("%d old messages cleared with %d edits", cleared, len(got))
	}
}

// /exit works for someone the bot knows nothing about, and for a young
// person of the open intake: the goodbye is the last message, and the
// /exit message itself is gone.
func TestQuickExitWithoutHistory(t *testing.T) {
	p := newPrivacy(t, nil)
	p.send(strangerID, "/exit", "en")
	chat := p.api.Chat(strangerID)
	if len(chat) != 1 || chat[0].Text != p.visible("en", "exit.bye") {
		t.Fatalf("chat:\n%s", telegramtest.FormatTranscript(chat))
	}

	h := newHarness(t, nil) // the open intake
	h.begin(youngID)
	h.say(youngID, "/exit")
	last := h.api.Chat(youngID)
	if m := last[len(last)-1]; m.Text != h.visible("nl", "exit.bye") {
		t.Fatalf("after /exit the last message is %q", m.Text)
	}
	for _, m := range last {
		if !m.FromBot && m.Text == "/exit" {
			t.Fatal("the /exit message itself was not deleted")
		}
	}
}

// The sender's calls of /exit against the fake Bot API: a keyboard can be
// taken away on its own, and deleteMessages takes a batch.
func TestSenderClearsKeyboardsAndDeletes(t *testing.T) {
	api := telegramtest.New(t)
	client, err := tgbot.New("123456:TEST-token", tgbot.WithServerURL(api.URL()), tgbot.WithSkipGetMe())
	if err != nil {
		t.Fatal(err)
	}
	var sent []int
	s := &telegram.Sender{API: client, PerSecond: 1000, PerChatInterval: time.Millisecond,
		OnSent: func(chat int64, id int, doc bool) { sent = append(sent, id) }}
	ctx := context.Background()
	api.SendText(youngID, youngID, "hoi", "nl")
	kb := &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Ja", CallbackData: "x"}}}}
	for range 3 {
		if !s.Send(ctx, youngID, "vraag", kb) {
			t.Fatal("send failed")
		}
	}
	if !s.SendDocument(ctx, youngID, "a.txt", []byte("x"), "") || len(sent) != 4 {
		t.Fatalf("OnSent saw %v", sent)
	}
	out := &telegram.Out{S: s}
	if err := out.ClearKeyboard(ctx, youngID, sent[0]); err != nil {
		t.Fatal(err)
	}
	if err := out.Delete(ctx, youngID, sent[1:]); err != nil {
		t.Fatal(err)
	}
	chat := api.Chat(youngID)
	if len(chat) != 2 || chat[1].ID != int64(sent[0]) || chat[1].Text != "vraag" || len(chat[1].Buttons()) != 0 {
		t.Fatalf("chat:\n%s", telegramtest.FormatTranscript(chat))
	}
	if err := out.Delete(ctx, youngID, sent[1:]); err == nil {
		t.Fatal("deleting deleted messages again did not fail")
	}
}
