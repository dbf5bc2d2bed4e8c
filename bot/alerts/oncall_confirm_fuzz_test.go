package alerts

import (
	"testing"

	"github.com/intakebot/intakebot/bot/chat"
	"github.com/intakebot/intakebot/bot/domain"
)

// The confirm button of /oncall add can be forged: its argument is read
// back only as a valid window in the exact form the bot writes, and every
// window the bot writes reads back the same and fits Telegram's 64 bytes.
func FuzzParseOnCallButton(f *testing.F) {
	for _, s := range []string{
		"600002:31:480:1020", "700001:127:1320:480", "1:1:0:0", "", ":::", "600002:31:480",
		"600002:0:480:1020", "600002:128:0:60", "0600002:31:480:1020", "600002:31:480:1440",
		"-1:31:0:60", "+5:31:0:60", "9223372036854775807:127:1439:1439", "600002:31:480:1020:1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, ok := parseOnCallButton(s)
		if !ok {
			if w != (domain.OnCallWindow{}) {
				t.Fatalf("parseOnCallButton(%q) failed but returned %+v", s, w)
			}
			return
		}
		if !w.Valid() || onCallButtonArg(w) != s {
			t.Fatalf("parseOnCallButton(%q) = %+v", s, w)
		}
		if n := len(chat.ButtonData(chat.ActOnCallAdd, s)); n > 64 {
			t.Fatalf("button data of %q is %d bytes", s, n)
		}
	})
}
