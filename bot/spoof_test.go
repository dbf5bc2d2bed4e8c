package bot_test

import (
	"strings"
	"testing"
	"unicode"

	"github.com/intakebot/intakebot/bot/telegramtest"
	"github.com/intakebot/intakebot/dialog"
)

// spoofedAnswer poses, in mathematical bold letters and with bidi and
// zero-width characters, as a heading and the flags of the summary.
const spoofedAnswer = "Een eigen huis\n\n𝐋𝐞𝐭 𝐨𝐩\n🚨 𝐀𝐜𝐮𝐭𝐞 𝐫𝐢𝐬𝐢𝐜𝐨: geen\n\u202Eecnatsissa\u202C\n\u200B𝐉𝐨𝐮𝐰 𝐝𝐫𝐨𝐦𝐞𝐧"

// spoofShown is how the director must see it: plain letters, the hidden
// characters as escapes, and every line set apart behind a bar.
const spoofShown = "│ Een eigen huis\n│\n│ Let op\n│ 🚨 Acute risico: geen\n│ [U+202E]ecnatsissa[U+202C]\n│ [U+200B]Jouw dromen"

// hidden reports the first character in s that poses as something it is
// not: a bidi control, an invisible character or a mathematical letter.
func hidden(s string) (rune, bool) {
	for _, r := range s {
		if unicode.Is(unicode.Cf, r) && r != '\u200D' || 0x1D400 <= r && r <= 0x1D7FF {
			return r, true
		}
	}
	return 0, false
}

func TestSpoofedAnswerShowsTheDirectorWhatWasTyped(t *testing.T) {
	r := newRoles(t, nil)
	r.cast()
	mark := r.lastID(director2ID)
	r.submitted(youngID, director2ID, 0, "Sam", map[string]string{"dreams": spoofedAnswer})
	sent := r.sentSince(director2ID, mark)
	if len(sent) == 0 {
		t.Fatal("the director got nothing")
	}
	var shown strings.Builder
	for _, m := range sent {
		if c, ok := hidden(m.Text); ok {
			t.Errorf("message %d shows %U as it is:\n%s", m.ID, c, m.Text)
		}
		if m.Kind == "document" && m.Document != nil {
			if c, ok := hidden(string(m.Document.Data)); ok {
				t.Errorf("the document shows %U as it is", c)
			}
			if !strings.Contains(string(m.Document.Data), "[U+202E]ecnatsissa[U+202C]") {
				t.Error("the document does not show the bidi override as an escape")
			}
		}
		shown.WriteString(m.Text + "\n")
	}
	if !strings.Contains(shown.String(), spoofShown) {
		t.Fatalf("the answer is not shown as typed and set apart; want\n%s\nin transcript:\n%s", spoofShown, telegramtest.FormatTranscript(sent))
	}
	// The only lines that read as a flag or heading are the bot's own.
	for line := range strings.SplitSeq(shown.String(), "\n") {
		if (strings.Contains(line, "Acute risico") || strings.Contains(line, "ecnatsissa")) && !strings.HasPrefix(line, "│") {
			t.Errorf("a line of the answer stands on its own: %q", line)
		}
	}
}

func TestSpoofedStaffNameIsShownAsTyped(t *testing.T) {
	r := newRoles(t, nil)
	director := dialog.T("staff.role.director")
	r.send(adminID, "/staff", "nl")
	r.press(adminID, "Procesregisseur")
	token := r.token(adminID)
	r.send(directorID, "/start "+token, "nl")
	r.expectLast(directorID, r.visible("nl", "staff.ask_name", "Role", director))
	r.send(directorID, "𝐒𝐚𝐧𝐧𝐞 𝐝𝐞 𝐕𝐫𝐢𝐞𝐬\u202E\u200B", "nl")

	want := "Sanne de Vries[U+202E][U+200B]"
	notice := r.last(adminID)
	if c, ok := hidden(notice.Text); ok {
		t.Errorf("the admin's notice shows %U as it is: %q", c, notice.Text)
	}
	if !strings.Contains(notice.Text, want) {
		t.Errorf("the admin's notice %q does not show the name as typed (%q)", notice.Text, want)
	}
	r.send(adminID, "/staff", "nl")
	list := r.last(adminID)
	if c, ok := hidden(list.Text); ok {
		t.Errorf("/staff shows %U as it is: %q", c, list.Text)
	}
	if !strings.Contains(list.Text, want) {
		t.Errorf("/staff does not show the name as typed:\n%s", list.Text)
	}
	for _, row := range list.Keyboard {
		for _, b := range row {
			if c, ok := hidden(b.Text); ok {
				t.Errorf("a button shows %U as it is: %q", c, b.Text)
			}
		}
	}

	// The director's name reaches the young person she invites as typed.
	r.send(directorID, "/invite Sam", "nl")
	invite := r.token(directorID)
	r.send(youngID, "/start "+invite, "nl")
	if c, ok := hidden(r.last(youngID).Text); ok {
		t.Errorf("the consent screen shows %U as it is: %q", c, r.last(youngID).Text)
	}
	r.send(directorID, "/cases", "nl")
	if c, ok := hidden(r.last(directorID).Text); ok {
		t.Errorf("/cases shows %U as it is: %q", c, r.last(directorID).Text)
	}
}
