package bot_test

import (
	"testing"

	"github.com/intakebot/intakebot/bot/telegramtest"
)

// Tried as a new young person would, against a Bot API that answers every
// call in a shape the client can't decode (Telegram added and changed
// fields): each message of the bot arrives once, and the intake goes on.
func TestAnswersOfAnotherShapeDoNotDoubleMessages(t *testing.T) {
	h := newHarness(t, nil)
	h.api.SetFault(func(method string, _ map[string]string) *telegramtest.Fault {
		switch method {
		case "sendMessage", "editMessageText", "answerCallbackQuery":
			return &telegramtest.Fault{Spoil: telegramtest.SpoilOddBody}
		}
		return nil
	})
	const chat = 770001
	h.begin(chat)
	h.say(chat, "Een eigen plek en een opleiding")
	var bot int
	seen := map[string]bool{}
	for _, m := range h.api.Chat(chat) {
		if !m.FromBot {
			continue
		}
		bot++
		if seen[m.Text] {
			t.Errorf("the person got this twice: %q", m.Text)
		}
		seen[m.Text] = true
	}
	if sends := len(h.api.CallsTo("sendMessage")); sends != bot || bot < 3 {
		t.Fatalf("%d sendMessage calls, %d bot messages in the chat; transcript:\n%s", sends, bot, telegramtest.FormatTranscript(h.api.Chat(chat)))
	}
	if n := h.metrics.SendFailures.Load(); n != 0 {
		t.Errorf("SendFailures = %d", n)
	}
	if n := h.metrics.Retries.Load(); n != 0 {
		t.Errorf("Retries = %d", n)
	}
	t.Logf("%d messages, each sent once; %d answers could not be decoded", bot, h.metrics.UndecodedAnswers.Load())
}
