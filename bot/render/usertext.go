package render

import (
	"html"
	"strings"

	"github.com/intakebot/intakebot/dialog/glyph"
)

// QuoteBar marks each line of a text of several lines that a person typed.
const QuoteBar = "│ "

// UserText is a person's own text (an answer, a name) as Telegram HTML,
// shown as it was typed and not as what it may pose as: styled letters
// are plain letters, invisible and direction controls are visible escapes
// (glyph.Visible), and markup is escaped. A text of more than one line is
// set apart: it starts on a line of its own and every line of it starts
// with QuoteBar, so that no line of it can pose as a heading or a flag of
// the message around it. Blank lines at its ends are dropped and runs of
// blank lines inside it are one.
func UserText(s string) string {
	v := glyph.Visible(s)
	if !strings.Contains(v, "\n") {
		return html.EscapeString(v)
	}
	v = strings.Trim(v, "\n")
	if !strings.Contains(v, "\n") {
		return html.EscapeString(v)
	}
	lines := strings.Split(v, "\n")
	var b strings.Builder
	b.Grow(len(v) + len(lines)*(len(QuoteBar)+1))
	blank := false
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if strings.TrimSpace(l) == "" {
			if !blank {
				b.WriteString("\n" + strings.TrimRight(QuoteBar, " "))
			}
			blank = true
			continue
		}
		blank = false
		b.WriteString("\n" + QuoteBar + html.EscapeString(l))
	}
	return b.String()
}
