package render

import (
	"strings"
	"testing"

	"github.com/intakebot/intakebot/bot/telegramtest/tghtml"
	"github.com/intakebot/intakebot/dialog/glyph"
)

func TestUserText(t *testing.T) {
	for in, want := range map[string]string{
		"":                   "",
		"Sara":               "Sara",
		"<b>x</b> & y":       "&lt;b&gt;x&lt;/b&gt; &amp; y",
		"𝐒𝐚𝐫𝐚\u202E":         "Sara[U+202E]",
		"one line\n":         "one line",
		"a\nb":               "\n│ a\n│ b",
		"a\n\n\n\nb <i>\n\n": "\n│ a\n│\n│ b &lt;i&gt;",
		"ok\n\n𝐋𝐞𝐭 𝐨𝐩\n🚨 Acuut": "\n│ ok\n│\n│ Let op\n│ 🚨 Acuut",
		"x\u2028Let op": "\n│ x\n│ Let op",
	} {
		if got := UserText(in); got != want {
			t.Errorf("UserText(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzUserText: a person's text is always valid Telegram HTML that shows
// what was typed, and when it has several lines, every line it shows is
// behind the bar.
func FuzzUserText(f *testing.F) {
	for _, s := range []string{"", "Sara", "a\nb", "<b>x</b>", "𝐋𝐞𝐭 𝐨𝐩\n🚨", "\u202Ex\r\ny", "\n\n\n", "&amp;\n<"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := UserText(s)
		if err := tghtml.Validate("<i>Label</i>: " + h); err != nil {
			t.Fatalf("UserText(%q) = %q is refused: %v", s, h, err)
		}
		shown := PlainText(h)
		if !strings.HasPrefix(shown, "\n") {
			if strings.Contains(shown, "\n") {
				t.Fatalf("UserText(%q) shows a line break outside a set-apart text: %q", s, shown)
			}
			return
		}
		for line := range strings.SplitSeq(shown[1:], "\n") {
			if !strings.HasPrefix(line, strings.TrimSpace(QuoteBar)) {
				t.Fatalf("UserText(%q): line %q is not behind the bar", s, line)
			}
		}
		if v := glyph.Visible(s); strings.Count(strings.Trim(v, "\n"), "\n") == 0 {
			t.Fatalf("UserText(%q) set apart a text of one line", s)
		}
	})
}
